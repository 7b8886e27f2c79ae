package evaluator

import (
	"slices"
	"strconv"

	"github.com/tidwall/gjson"
)

// Moving pages in place. consolidate_units (SPEC §5.2) rewrites the parent of the pages under
// a department page it drops, so that they hang under the department page of the unit they
// went into, and, when that unit has none, gives the first dropped department page to it (its
// unit field). The loader would find the same tree from the document; here the model is
// changed where the move reaches: the children of the old and new parent, the department
// page of each unit, and the context and effective section (SPEC §3, §4.2) of every page at
// or under a moved one.

// placeBefore is the place, before the edit's removals (removed, in the order made), of the
// element at place k.i once they are made. The removals of a list are made from the highest
// place down (deleteElement), so each is a place of the list before any was made.
func placeBefore(k segKey, removed []segKey) int32 {
	var at []int32
	for _, r := range removed {
		if r.sort == k.sort && r.agency == k.agency {
			at = append(at, r.i)
		}
	}
	slices.Sort(at)
	i := k.i
	for _, r := range at {
		if r <= i {
			i++
		}
	}
	return i
}

// pageMove is a page whose rewritten segment gives it another parent or unit.
type pageMove struct {
	a      int32
	pi     int32 // its place among the agency's pages, before the edit's removals
	x      int32
	parent int32 // the new parent (-1: unchanged)
	unit   int32 // the new unit of a department page (-1: unchanged)
	pg     page  // the page as its segment reads
}

// movePages moves the pages that the rewritten segments (fields, at their places once the
// edit's removals are made) give another parent or, for a department page, another unit.
// False when the loader is to judge the document instead: a segment it would refuse, a
// parent of another agency, one that does not take the page's kind (SPEC §2), one under the
// page itself or removed by the edit, a unit of another agency or with a department page
// already.
func (st *structure) movePages(fields map[segKey][]byte, removed []segKey) bool {
	n := st.n
	var moves []pageMove
	for k, b := range fields {
		if k.sort != segPage {
			continue
		}
		pi := placeBefore(k, removed)
		if int(pi) >= len(n.agencies[k.agency].pages) {
			return false
		}
		old := &st.snap.Agencies[k.agency].Pages[pi]
		if gjson.GetBytes(b, "parent").Str == old.Parent && gjson.GetBytes(b, "unit").Str == old.Unit {
			continue // the usual case: a page whose sections or people changed
		}
		r := &reader{}
		v := gjson.ParseBytes(b)
		v.Index = 0
		pg := r.pageAt(v, index(field(index("agencies", int(k.agency)), "pages"), int(pi)))
		if len(r.problems) > 0 {
			return false
		}
		if pg.Parent == old.Parent && pg.Unit == old.Unit {
			continue
		}
		if pg.ID != old.ID || pg.Kind != old.Kind || pg.Person != old.Person || pg.CreatedBy != old.CreatedBy {
			return false // the page is not the same page: the loader judges it
		}
		moves = append(moves, pageMove{a: k.agency, pi: pi, x: n.agencies[k.agency].pages[pi], parent: -1, unit: -1, pg: pg})
	}
	if len(moves) == 0 {
		return true
	}
	// the loader's order, so that a unit's department page is the first that names it
	slices.SortFunc(moves, func(p, q pageMove) int { return int(p.x - q.x) })
	gone := map[int32]bool{} // the pages the edit removes
	for _, r := range removed {
		if r.sort == segPage {
			gone[n.agencies[r.agency].pages[r.i]] = true
		}
	}
	for j := range moves {
		mv := &moves[j]
		P := &n.pages[mv.x]
		old := P.src
		if mv.pg.Parent != old.Parent {
			par, ok := n.pageIdx.get(mv.pg.Parent)
			if !ok || old.Parent == "" || mv.pg.Parent == "" || gone[par] || n.pages[par].agency != mv.a ||
				!kindRules[n.pages[par].kind].children.has(P.kind) || n.above(par, mv.x) {
				return false
			}
			mv.parent = par
		}
		if mv.pg.Unit != old.Unit {
			u, ok := n.unitIdx[mv.pg.Unit]
			if P.kind != kindDepartment || !ok || n.units[u].agency != mv.a {
				return false
			}
			mv.unit = u
		}
	}
	st.agencies()
	st.pages()
	st.units()
	// the units' department pages: the moved pages leave theirs, then take the new ones
	for _, mv := range moves {
		if mv.unit >= 0 {
			if u := n.pages[mv.x].deptUnit; u >= 0 && n.units[u].deptPage == mv.x {
				n.units[u].deptPage = -1
			}
		}
	}
	for _, mv := range moves {
		if mv.unit >= 0 {
			if n.units[mv.unit].deptPage >= 0 {
				return false // the loader reports the second department page of the unit
			}
			n.units[mv.unit].deptPage = mv.x
		}
	}
	for _, mv := range moves {
		st.pageList(mv.a)
		pg := &st.snap.Agencies[mv.a].Pages[mv.pi]
		pg.Parent, pg.Unit = mv.pg.Parent, mv.pg.Unit
		if mv.parent >= 0 {
			P := &n.pages[mv.x]
			from := &n.pages[P.parent]
			from.children = slices.DeleteFunc(slices.Clone(from.children), func(y int32) bool { return y == mv.x })
			if len(from.children) == 0 {
				from.children = nil
			}
			to := &n.pages[mv.parent]
			at, _ := slices.BinarySearch(to.children, mv.x) // the loader lists children in page order
			to.children = slices.Insert(slices.Clip(to.children), at, mv.x)
			P.parent = mv.parent
		}
	}
	for _, mv := range moves {
		n.walkSubtree(mv.x, st.reresolve)
	}
	return true
}

// pageList gives the snapshot a list of agency a's pages of its own, which the model's pages
// point at.
func (st *structure) pageList(a int32) {
	if st.once("pageList." + strconv.Itoa(int(a))) {
		n := st.n
		A := &st.snap.Agencies[a]
		A.Pages = slices.Clone(A.Pages)
		for j, y := range n.agencies[a].pages {
			n.pages[y].src = &A.Pages[j]
		}
	}
}

// above says whether page y is x or lies under it.
func (m *Model) above(y, x int32) bool {
	for ; y >= 0; y = m.pages[y].parent {
		if y == x {
			return true
		}
	}
	return false
}

// reresolve finds page x's context and effective section again from its parent's, as the
// loader resolves them (resolvePage): an item's creators are its own again first.
func (st *structure) reresolve(x int32) {
	n := st.n
	P := &n.pages[x]
	if P.kind == kindItem {
		P.creators = nil
		if id := P.src.CreatedBy; id != "" {
			if p, ok := n.personIdx[id]; ok {
				P.creators = []int32{p}
			}
		}
	}
	st.c.resolvePage(x)
	if n.pageHot != nil {
		n.pageHot[x] = pageHotC{entries: P.sec.entries, creators: P.creators, agency: P.agency, secOwner: P.secOwner, kind: P.kind, perf: P.perf}
	}
}
