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

// patch is a segment's new bytes.
type patch struct {
	at  span
	new []byte
}

// assemble writes the document anew: base with each patched segment replaced, and the spans
// of the new document.
func (d *docSpans) assemble(base []byte, patches map[segKey][]byte) ([]byte, *docSpans) {
	return d.write(base, patches, true)
}

// write is assemble; the spans of the new document are found only when asked for.
func (d *docSpans) write(base []byte, patches map[segKey][]byte, withSpans bool) ([]byte, *docSpans) {
	list := make([]patch, 0, len(patches))
	size := len(base)
	for k, b := range patches {
		at := d.spanOf(k)
		list = append(list, patch{at: at, new: b})
		size += len(b) - (at.end - at.start)
	}
	slices.SortFunc(list, func(p, q patch) int { return p.at.start - q.at.start })
	out := make([]byte, 0, size)
	prev := 0
	starts := make([]int, len(list))
	shift := make([]int, len(list)+1) // shift[i]: how far the patches before list[i] move what follows them
	for i, p := range list {
		out = append(out, base[prev:p.at.start]...)
		out = append(out, p.new...)
		prev = p.at.end
		starts[i] = p.at.start
		shift[i+1] = shift[i] + len(p.new) - (p.at.end - p.at.start)
	}
	out = append(out, base[prev:]...)
	if !withSpans {
		return out, nil
	}
	move := func(s span) span {
		if s.start < 0 {
			return s
		}
		i, patched := slices.BinarySearch(starts, s.start)
		if patched {
			start := s.start + shift[i]
			return span{start, start + len(list[i].new)}
		}
		// no segment holds another, so the patches before s are those that start before it
		return span{s.start + shift[i], s.end + shift[i]}
	}
	moveAll := func(l []span) []span {
		out := make([]span, len(l))
		for i, s := range l {
			out[i] = move(s)
		}
		return out
	}
	n := &docSpans{asOf: d.asOf, version: move(d.version), people: moveAll(d.people), agencies: make([]agencySpans, len(d.agencies))}
	for a := range d.agencies {
		A := &d.agencies[a]
		n.agencies[a] = agencySpans{coordinators: move(A.coordinators), orgEditors: move(A.orgEditors), orgLeaders: move(A.orgLeaders),
			staff: moveAll(A.staff), units: moveAll(A.units), groups: moveAll(A.groups), pages: moveAll(A.pages)}
	}
	return out, n
}
