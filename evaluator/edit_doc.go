package evaluator

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// An edit writes the snapshot document (SPEC §5 keeps unknown fields and the order of what it
// does not touch), but rewriting a document of many megabytes for every field costs more than
// the edit. The loader notes where each element an edit may rewrite lies in the document (a
// person, a staff record, a unit, a group, a page, an agency's coordinators and organization
// roles, the version); an edit then writes into the element's own bytes, and the document is
// put together again once per batch.

// span is where a value lies in a document: bytes [start, end); start < 0 when it is not there.
type span struct{ start, end int }

func spanOf(v gjson.Result) span {
	if !v.Exists() || v.Type == gjson.Null {
		return span{-1, -1}
	}
	return span{v.Index, v.Index + len(v.Raw)}
}

// docSpans are the spans of a document's elements, in the order of the snapshot's lists.
type docSpans struct {
	asOf     Date // the document's as_of
	version  span
	people   []span
	agencies []agencySpans
	// cuts are the ranges of the document that deleting elements removed (edit_structure.go);
	// an element added lies where it is to be inserted, a span of no width
	cuts []span
}

type agencySpans struct {
	coordinators, orgEditors, orgLeaders span
	staff, units, groups, pages          []span
}

// segSort is the sort of element a segment is.
type segSort uint8

// The sorts are in the order the loader reads them (people, then each agency's organization
// roles, coordinators, groups, units, staff and pages), so that problems come in its order.
const (
	segVersion segSort = iota
	segPerson
	segOrgEditors
	segOrgLeaders
	segCoordinators
	segGroup
	segUnit
	segRecord
	segPage
)

// segKey names a segment: an element of the document that edits rewrite on its own.
type segKey struct {
	sort      segSort
	agency, i int32
}

// spanOf is where the segment lies in the document the spans describe.
func (d *docSpans) spanOf(k segKey) span {
	if k.sort == segVersion {
		return d.version
	}
	if k.sort == segPerson {
		return d.people[k.i]
	}
	a := &d.agencies[k.agency]
	switch k.sort {
	case segCoordinators:
		return a.coordinators
	case segOrgEditors:
		return a.orgEditors
	case segOrgLeaders:
		return a.orgLeaders
	case segGroup:
		return a.groups[k.i]
	case segUnit:
		return a.units[k.i]
	case segRecord:
		return a.staff[k.i]
	}
	return a.pages[k.i]
}

// route finds the segment an sjson path of the document falls in, and the path inside it. An
// element itself (rather than a field in it) is not routed: adding or removing one moves the
// others. ok is false for any path outside the segments.
func (d *docSpans) route(path string) (k segKey, rest string, ok bool) {
	if d == nil {
		return k, "", false
	}
	head, tail, _ := strings.Cut(path, ".")
	num := func(s string, n int) (int32, bool) {
		i, err := strconv.Atoi(s)
		return int32(i), err == nil && i >= 0 && i < n && strconv.Itoa(i) == s
	}
	switch head {
	case "people":
		si, r, found := strings.Cut(tail, ".")
		i, ok := num(si, len(d.people))
		if !ok || !found || r == "" || d.people[i].start < 0 {
			return k, "", false
		}
		return segKey{sort: segPerson, i: i}, r, true
	case "agencies":
	default:
		return k, "", false
	}
	sa, tail, _ := strings.Cut(tail, ".")
	a, ok := num(sa, len(d.agencies))
	if !ok {
		return k, "", false
	}
	A := &d.agencies[a]
	list, tail, _ := strings.Cut(tail, ".")
	var whole *span
	var elems []span
	var sort segSort
	switch list {
	case "coordinators":
		whole, sort = &A.coordinators, segCoordinators
	case "org_editors":
		whole, sort = &A.orgEditors, segOrgEditors
	case "org_leaders":
		whole, sort = &A.orgLeaders, segOrgLeaders
	case "groups":
		elems, sort = A.groups, segGroup
	case "units":
		elems, sort = A.units, segUnit
	case "staff":
		elems, sort = A.staff, segRecord
	case "pages":
		elems, sort = A.pages, segPage
	default:
		return k, "", false
	}
	if whole != nil {
		if whole.start < 0 {
			return k, "", false
		}
		return segKey{sort: sort, agency: a}, tail, true
	}
	si, r, found := strings.Cut(tail, ".")
	i, ok := num(si, len(elems))
	if !ok || !found || r == "" {
		return k, "", false
	}
	return segKey{sort: sort, agency: a, i: i}, r, true
}

// patch is a segment's new bytes, or (cut) a range of the document removed.
type patch struct {
	at  span
	new []byte
	key segKey
	cut bool
}

// assemble writes the document anew: base with each patched segment replaced, and the spans
// of the new document.
func (d *docSpans) assemble(base []byte, patches map[segKey][]byte) ([]byte, *docSpans) {
	return d.write(base, patches, true)
}

// write is assemble; the spans of the new document are found only when asked for. An element
// an edit added lies at the end of its list (a span of no width before the list's `]`); it is
// written after a comma unless it comes first in its list, as sjson appends. The cuts are
// left out.
func (d *docSpans) write(base []byte, patches map[segKey][]byte, withSpans bool) ([]byte, *docSpans) {
	list := make([]patch, 0, len(patches)+len(d.cuts))
	size := len(base)
	for k, b := range patches {
		at := d.spanOf(k)
		list = append(list, patch{at: at, new: b, key: k})
		size += len(b) + 1 - (at.end - at.start)
	}
	for _, c := range d.cuts {
		list = append(list, patch{at: c, cut: true})
		size -= c.end - c.start
	}
	// elements added at the same place come in the order of their list
	slices.SortFunc(list, func(p, q patch) int {
		if p.at.start != q.at.start {
			return p.at.start - q.at.start
		}
		return int(p.key.i - q.key.i)
	})
	out := make([]byte, 0, size)
	prev := 0
	starts := make([]int, len(list))
	shift := make([]int, len(list)+1) // shift[i]: how far the patches before list[i] move what follows them
	var moved map[segKey]span         // where each patched segment lies in out
	if withSpans {
		moved = make(map[segKey]span, len(list))
	}
	for i, p := range list {
		out = append(out, base[prev:p.at.start]...)
		from := len(out)
		if !p.cut && p.at.start == p.at.end && p.key.sort != segVersion {
			if j := lastNonSpace(out); j >= 0 && out[j] != '[' {
				out = append(out, ',')
			}
		}
		at := len(out)
		out = append(out, p.new...)
		if withSpans && !p.cut {
			moved[p.key] = span{at, len(out)}
		}
		prev = max(prev, p.at.end)
		starts[i] = p.at.start
		shift[i+1] = shift[i] + (len(out) - from) - (p.at.end - p.at.start)
	}
	out = append(out, base[prev:]...)
	if !withSpans {
		return out, nil
	}
	moveKey := func(k segKey, s span) span {
		if s.start < 0 {
			return s
		}
		if n, ok := moved[k]; ok {
			return n
		}
		// no segment holds another, so the patches before s are those that start before it
		i, _ := slices.BinarySearch(starts, s.start)
		return span{s.start + shift[i], s.end + shift[i]}
	}
	// the patched elements by list, so that a list's spans are moved without looking each up
	patchedIn := map[segKey][]segKey{}
	for k := range moved {
		list := segKey{sort: k.sort, agency: k.agency}
		patchedIn[list] = append(patchedIn[list], k)
	}
	// moveAll is moveKey for every element of a list: the elements lie in the order of the
	// document, so the patches before each are found from those before the one before it
	moveAll := func(sort segSort, a int32, l []span) []span {
		if l == nil {
			return nil
		}
		out := make([]span, len(l))
		j, last := 0, -1
		for i, s := range l {
			if s.start < 0 {
				out[i] = s
				continue
			}
			if s.start < last {
				j, _ = slices.BinarySearch(starts, s.start)
			} else {
				for j < len(starts) && starts[j] < s.start {
					j++
				}
			}
			last = s.start
			out[i] = span{s.start + shift[j], s.end + shift[j]}
		}
		for _, k := range patchedIn[segKey{sort: sort, agency: a}] {
			if int(k.i) < len(out) && l[k.i].start >= 0 {
				out[k.i] = moved[k]
			}
		}
		return out
	}
	n := &docSpans{asOf: d.asOf, version: moveKey(segKey{sort: segVersion}, d.version), people: moveAll(segPerson, 0, d.people), agencies: make([]agencySpans, len(d.agencies))}
	for a := range d.agencies {
		A := &d.agencies[a]
		ai := int32(a)
		n.agencies[a] = agencySpans{coordinators: moveKey(segKey{sort: segCoordinators, agency: ai}, A.coordinators),
			orgEditors: moveKey(segKey{sort: segOrgEditors, agency: ai}, A.orgEditors), orgLeaders: moveKey(segKey{sort: segOrgLeaders, agency: ai}, A.orgLeaders),
			staff: moveAll(segRecord, ai, A.staff), units: moveAll(segUnit, ai, A.units), groups: moveAll(segGroup, ai, A.groups), pages: moveAll(segPage, ai, A.pages)}
	}
	return out, n
}

// lastNonSpace is the place of the last byte of b that is not JSON white space, or -1.
func lastNonSpace(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] > ' ' {
			return i
		}
	}
	return -1
}

// listOf is the list of spans of the elements of a sort (person, group, unit, record, page).
func (d *docSpans) listOf(sort segSort, a int32) *[]span {
	if sort == segPerson {
		return &d.people
	}
	A := &d.agencies[a]
	switch sort {
	case segGroup:
		return &A.groups
	case segUnit:
		return &A.units
	case segRecord:
		return &A.staff
	case segPage:
		return &A.pages
	}
	return nil
}

// withList is a copy of d whose list of the sort (and whose cuts) may be changed: the other
// lists are shared.
func (d *docSpans) withList(sort segSort, a int32) *docSpans {
	n := *d
	n.cuts = slices.Clip(n.cuts)
	if sort != segPerson {
		n.agencies = slices.Clone(d.agencies)
	}
	l := n.listOf(sort, a)
	*l = slices.Clip(*l)
	return &n
}

// closeOf is the place of the `]` that ends a list whose elements lie at spans in base; false
// when the list is empty (its place is not noted).
func closeOf(base []byte, list []span) (int, bool) {
	if len(list) == 0 {
		return 0, false
	}
	last := list[len(list)-1]
	if last.start < 0 {
		return 0, false
	}
	if last.start == last.end { // an element added: at the `]`
		return last.start, true
	}
	i := last.end
	for i < len(base) && base[i] <= ' ' {
		i++
	}
	return i, i < len(base) && base[i] == ']'
}

// cutFor is the range of base that deleting element i of a list removes, as sjson deletes it:
// from the comma before it, or, for the first element, up to the comma after it. false when
// that range cannot be found in base alone (it would share bytes with a range cut already, or
// meet an element added after it).
func (d *docSpans) cutFor(base []byte, list []span, i int) (span, bool) {
	s := list[i]
	if s.start < 0 || s.start == s.end {
		return span{}, false
	}
	var c span
	if i > 0 {
		j := s.start - 1
		for j >= 0 && base[j] <= ' ' {
			j--
		}
		if j < 0 || base[j] != ',' {
			return span{}, false
		}
		c = span{j, s.end}
	} else {
		j := s.end
		for j < len(base) && base[j] <= ' ' {
			j++
		}
		switch {
		case j < len(base) && base[j] == ',':
			c = span{s.start, j + 1}
		case len(list) > 1: // what follows is an element added after it
			return span{}, false
		default:
			c = span{s.start, s.end}
		}
	}
	for _, o := range d.cuts { // ranges that only touch, as neighbours deleted, are cut both
		if o.start < c.end && c.start < o.end {
			return span{}, false
		}
	}
	return c, true
}
