package evaluator

import (
	"maps"
	"slices"
)

// Removing pages in place (delete_page, delete_unit, consolidate_units): the lists close up
// and every reference to a page after the removed ones moves down.

// removePages removes the pages at places of agency a (each a place of the list before any
// is removed, highest first, as the edit's removals are made), each a page with nothing
// under it once the ones before it are removed. The lists close up and the references to
// the pages after them move (remapPages) once for all of them, as removing them one at a
// time would leave them.
func (st *structure) removePages(a int32, places []int) bool {
	n := st.n
	gone := map[int32]bool{}
	xs := make([]int32, 0, len(places))
	for _, i := range places {
		x := n.agencies[a].pages[i]
		P := &n.pages[x]
		if P.parent < 0 {
			return false
		}
		for _, c := range P.children {
			if !gone[c] {
				return false
			}
		}
		gone[x] = true
		xs = append(xs, x)
	}
	st.agencies()
	st.pages()
	st.units()
	st.pageIdx()
	st.pageList(a) // copied once for every page the edit moves or removes
	for _, x := range xs {
		P := &n.pages[x]
		children := slices.DeleteFunc(slices.Clone(n.pages[P.parent].children), func(y int32) bool { return y == x })
		if len(children) == 0 {
			children = nil
		}
		n.pages[P.parent].children = children
		if P.kind == kindDepartment && P.deptUnit >= 0 && n.units[P.deptUnit].deptPage == x {
			n.units[P.deptUnit].deptPage = -1
		}
		n.pageIdx.del(P.src.ID)
	}
	A := &st.snap.Agencies[a]
	low := slices.Min(places)
	kept, list := A.Pages[:low], slices.Clone(n.agencies[a].pages[:low]) // A.Pages is st's own
	for j := low; j < len(A.Pages); j++ {
		if y := n.agencies[a].pages[j]; !gone[y] {
			kept = append(kept, A.Pages[j])
			list = append(list, y)
		}
	}
	clear(A.Pages[len(kept):])
	A.Pages = kept
	if len(A.Pages) == 0 {
		A.Pages = nil
	}
	if len(list) == 0 {
		list = nil
	}
	n.agencies[a].pages = list
	for j := low; j < len(list); j++ {
		n.pages[list[j]].src = &A.Pages[j]
	}
	sorted := slices.Sorted(maps.Keys(gone))
	pages, hot := n.pages[:sorted[0]], n.pageHot
	if hot != nil {
		hot = hot[:sorted[0]]
	}
	for x := int(sorted[0]); x < len(n.pages); x++ {
		if !gone[int32(x)] {
			pages = append(pages, n.pages[x])
			if hot != nil {
				hot = append(hot, n.pageHot[x])
			}
		}
	}
	clear(n.pages[len(pages):])
	n.pages = pages
	if hot != nil {
		clear(n.pageHot[len(hot):])
		n.pageHot = hot
	}
	// a page moves down a place for each page removed before it (one removed, kept nowhere,
	// as one by one)
	n.remapPages(func(y int32) int32 {
		c, _ := slices.BinarySearch(sorted, y)
		return y - int32(c)
	})
	return true
}

// remapPages moves every reference to a page by f, the place of each page's id among them
// (pageIdx: every id indexed names a page, so f moves them all). n's pages, units, page list,
// agencies and page index are its own.
func (n *Model) remapPages(f func(int32) int32) {
	opt := func(y int32) int32 {
		if y < 0 {
			return y
		}
		return f(y)
	}
	for x := range n.pages {
		P := &n.pages[x]
		P.parent, P.secOwner = opt(P.parent), opt(P.secOwner)
		P.metric, P.task, P.individual, P.project = opt(P.metric), opt(P.task), opt(P.individual), opt(P.project)
		for j, c := range P.children {
			if f(c) != c {
				moved := make([]int32, len(P.children))
				copy(moved, P.children[:j])
				for k := j; k < len(P.children); k++ {
					moved[k] = f(P.children[k])
				}
				P.children = moved
				break
			}
		}
		if n.pageHot != nil {
			n.pageHot[x].secOwner = P.secOwner
		}
	}
	for a := range n.agencies {
		A := &n.agencies[a]
		A.org = opt(A.org)
		if len(A.pages) > 0 && (f(A.pages[0]) != A.pages[0] || f(A.pages[len(A.pages)-1]) != A.pages[len(A.pages)-1]) {
			moved := make([]int32, len(A.pages))
			for j, y := range A.pages {
				moved[j] = f(y)
			}
			A.pages = moved
		}
	}
	for u := range n.units {
		n.units[u].deptPage = opt(n.units[u].deptPage)
	}
	n.pageIdx.remap(f)
}
