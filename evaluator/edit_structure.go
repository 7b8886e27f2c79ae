package evaluator

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Edits that add or remove elements (issue 11): an element is added at the end of its list
// and removed where it is, in the document (edit_doc.go: a span of no width where the new
// element goes, a cut where the old one was) and in the model, which is compiled only where
// the change reaches and shares the rest with the model before. Whatever this code does not
// know to do alone (an element whose removal leaves references behind, a list the loader did
// not locate) the edit does by loading the document it leaves, as before.

// listPath reads an sjson path that names an element of a list the loader locates: people.N,
// agencies.N.staff.N, .units.N, .groups.N or .pages.N; last is N ("-1" to append).
func listPath(d *docSpans, path string) (sort segSort, a int32, last string, ok bool) {
	if d == nil {
		return 0, 0, "", false
	}
	head, tail, _ := strings.Cut(path, ".")
	switch head {
	case "people":
		return segPerson, 0, tail, tail != "" && !strings.Contains(tail, ".")
	case "agencies":
	default:
		return 0, 0, "", false
	}
	sa, rest, _ := strings.Cut(tail, ".")
	n, err := strconv.Atoi(sa)
	if err != nil || n < 0 || n >= len(d.agencies) || strconv.Itoa(n) != sa {
		return 0, 0, "", false
	}
	list, last, found := strings.Cut(rest, ".")
	if !found || last == "" || strings.Contains(last, ".") {
		return 0, 0, "", false
	}
	switch list {
	case "staff":
		sort = segRecord
	case "units":
		sort = segUnit
	case "groups":
		sort = segGroup
	case "pages":
		sort = segPage
	default:
		return 0, 0, "", false
	}
	return sort, int32(n), last, true
}

// own makes d the edit's spans (the batch's patches so far kept as they are).
func (e *edit) own(d *docSpans) {
	if e.spans == nil {
		e.patches = e.m.patches
	}
	e.spans = d
}

func (e *edit) touches(list []segKey, sort segSort, a int32) bool {
	for _, k := range list {
		if k.sort == sort && k.agency == a {
			return true
		}
	}
	return false
}

// appendElement adds JSON text at the end of a list the loader located (path "….-1"), as
// sjson appends it; false when the edit is to write the whole document instead.
func (e *edit) appendElement(path string, v any) bool {
	raw, isRaw := v.(rawJSON)
	sort, a, last, ok := listPath(e.docSpans(), path)
	if !ok || last != "-1" || !isRaw || e.touches(e.removed, sort, a) {
		return false
	}
	d := e.docSpans()
	list := *d.listOf(sort, a)
	p, ok := closeOf(e.m.raw, list)
	if !ok {
		return false
	}
	nd := d.withList(sort, a)
	*nd.listOf(sort, a) = append(list[:len(list):len(list)], span{p, p})
	e.own(nd)
	k := segKey{sort: sort, agency: a, i: int32(len(list))}
	if e.segs == nil {
		e.segs = map[segKey][]byte{}
	}
	e.segs[k], e.changed = []byte(raw), true
	e.added = append(e.added, k)
	return true
}

// deleteElement removes an element of a list the loader located (pages, units, groups), as
// sjson deletes it; false when the edit is to write the whole document instead. The elements
// after it move up one place, and so do their segments.
func (e *edit) deleteElement(path string) bool {
	sort, a, last, ok := listPath(e.docSpans(), path)
	i, err := strconv.Atoi(last)
	if !ok || err != nil || i < 0 || sort == segPerson || sort == segRecord || e.touches(e.added, sort, a) {
		return false
	}
	for _, r := range e.removed { // the highest place of a list first, so that places are the model's
		if r.sort == sort && r.agency == a && int(r.i) <= i {
			return false
		}
	}
	d := e.docSpans()
	list := *d.listOf(sort, a)
	if i >= len(list) {
		return false
	}
	nd := d.withList(sort, a)
	// an element added lies after the others (its comma is written with it): it goes alone
	if s := list[i]; s.start != s.end || s.start < 0 {
		c, ok := d.cutFor(e.m.raw, list, i)
		if !ok {
			return false
		}
		nd.cuts = append(nd.cuts, c)
	}
	nl := append(list[:i:i], list[i+1:]...)
	if len(nl) == 0 {
		nl = nil
	}
	*nd.listOf(sort, a) = nl
	e.own(nd)
	k := segKey{sort: sort, agency: a, i: int32(i)}
	e.patches, e.segs = afterDelete(e.patches, k), afterDelete(e.segs, k)
	e.removed = append(e.removed, k)
	e.changed = true
	return true
}

// afterDelete is segs with the segment k gone and the later ones of its list a place up.
func afterDelete(segs map[segKey][]byte, k segKey) map[segKey][]byte {
	if len(segs) == 0 {
		return segs
	}
	out := make(map[segKey][]byte, len(segs))
	for s, b := range segs {
		if s.sort == k.sort && s.agency == k.agency && s.sort != segVersion {
			if s.i == k.i {
				continue
			}
			if s.i > k.i {
				s.i--
			}
		}
		out[s] = b
	}
	return out
}

// structure builds the model an edit that adds or removes elements leaves: the model before
// copied where it changes (each list once), compiled where the change reaches.
type structure struct {
	m, n *Model
	c    *compiler
	snap *snapshot
	own  map[string]bool // the lists copied already
	// fields are the segments of elements the edit rewrote, at their places once its
	// removals are made; rewritten the ids of the pages among them (rewrote)
	fields    map[segKey][]byte
	rewritten map[string]bool
}

func (st *structure) once(what string) bool {
	if st.own[what] {
		return false
	}
	st.own[what] = true
	return true
}

func (st *structure) agencies() {
	if st.once("agencies") {
		st.snap.Agencies = slices.Clone(st.snap.Agencies)
		st.n.agencies = slices.Clone(st.n.agencies)
		for a := range st.n.agencies {
			st.n.agencies[a].src = &st.snap.Agencies[a]
		}
	}
}

func (st *structure) people() {
	if st.once("people") {
		st.n.people = slices.Clone(st.n.people)
		st.c.peopleOwned = true
	}
}

func (st *structure) units() {
	if st.once("units") {
		st.n.units = slices.Clone(st.n.units)
	}
}

// pages gives n pages of its own, with room for one more (a create_page appends without a
// second copy).
func (st *structure) pages() {
	if st.once("pages") {
		st.n.pages = append(make([]pageC, 0, len(st.n.pages)+1), st.n.pages...)
		if st.n.pageHot != nil {
			st.n.pageHot = append(make([]pageHotC, 0, len(st.n.pageHot)+1), st.n.pageHot...)
		}
	}
}

func (st *structure) pageIdx() {
	if st.once("pageIdx") {
		st.n.pageIdx = st.n.pageIdx.clone()
	}
}

func (st *structure) unitIdx() {
	if st.once("unitIdx") {
		st.n.unitIdx = cloneIdx(st.n.unitIdx)
	}
}

func cloneIdx(m map[string]int32) map[string]int32 {
	out := make(map[string]int32, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// withStructure is m after edit e, which added or removed elements (and may have rewritten
// fields of others): as withSegments, ok is false when the document is to be loaded instead,
// and a problem is the first the loader would report.
func (m *Model) withStructure(e *edit) (next *Model, problem *Problem, ok bool) {
	n := *m
	n.lint, n.doc, n.ranks = &lintCache{}, &docCache{}, &idRanks{}
	snap := *m.snap
	n.snap = &snap
	n.spans = e.spans
	added := map[segKey]bool{}
	n.patches = make(map[segKey][]byte, len(e.patches)+len(e.segs))
	for k, b := range e.patches {
		n.patches[k] = b
	}
	for _, k := range e.added {
		added[k] = true
		n.patches[k] = e.segs[k]
	}
	fields := map[segKey][]byte{}
	for k, b := range e.segs {
		if !added[k] {
			fields[k] = b
		}
	}
	r := &reader{}
	st := &structure{m: m, n: &n, c: &compiler{reader: r, m: &n}, snap: &snap, own: map[string]bool{}, fields: fields}
	if !st.movePages(fields, e.removed) {
		return nil, nil, false
	}
	for j := 0; j < len(e.removed); j++ {
		k := e.removed[j]
		var ok bool
		switch k.sort {
		case segPage:
			// the pages of an agency removed one after another go in one pass, as units do
			places := []int{int(k.i)}
			for j+1 < len(e.removed) && e.removed[j+1].sort == segPage && e.removed[j+1].agency == k.agency {
				j++
				places = append(places, int(e.removed[j].i))
			}
			ok = st.removePages(k.agency, places)
		case segUnit:
			places := []int{int(k.i)}
			for j+1 < len(e.removed) && e.removed[j+1].sort == segUnit && e.removed[j+1].agency == k.agency {
				j++
				places = append(places, int(e.removed[j].i))
			}
			ok = st.removeUnits(k.agency, places)
		}
		if !ok {
			return nil, nil, false
		}
	}
	// the loader's order: people, then agency by agency, each sort of element in turn; every
	// element is read before any is compiled
	keys := slices.Clone(e.added)
	sortLoaderOrder(keys)
	values := make([]any, len(keys))
	for j, k := range keys {
		v := gjson.ParseBytes(e.segs[k])
		v.Index = 0
		at := index("agencies", int(k.agency))
		switch k.sort {
		case segPerson:
			values[j], _ = r.parsePerson(v, int(k.i))
		case segRecord:
			values[j], _ = r.parseStaff(v, field(at, "staff"), int(k.i))
		case segUnit:
			up := index(field(at, "units"), int(k.i))
			var u unit
			if r.object(v, up, true) {
				u = r.parseUnit(v, up)
			}
			values[j] = u
		case segPage:
			values[j] = r.pageAt(v, index(field(at, "pages"), int(k.i)))
		default:
			return nil, nil, false
		}
	}
	if len(r.problems) == 0 {
		for j, k := range keys {
			var ok bool
			switch k.sort {
			case segPerson:
				ok = st.addPerson(int(k.i), values[j].(person))
			case segRecord:
				ok = st.addRecord(k.agency, int(k.i), values[j].(staffRecord))
			case segUnit:
				ok = st.addUnit(k.agency, int(k.i), values[j].(unit))
			case segPage:
				ok = st.addPage(k.agency, int(k.i), values[j].(page))
			}
			if !ok {
				return nil, nil, false
			}
			if len(r.problems) > 0 {
				break
			}
		}
	}
	if len(r.problems) > 0 {
		if len(fields) > 0 { // which problem comes first is the loader's to tell
			return nil, nil, false
		}
		return nil, &r.problems[0], true
	}
	if len(fields) == 0 {
		return &n, nil, true
	}
	return n.withSegmentsOwning(fields, func(list string) bool { return st.own[list] })
}

// addPerson adds people[i].
func (st *structure) addPerson(i int, p person) bool {
	n, m := st.n, st.m
	if i != len(st.snap.People) || i != len(n.people) || p.ID == "" || m.idTaken(p.ID) || (p.NTAccount != "" && m.personByLogin(p.NTAccount) >= 0) {
		return false // the loader reports it
	}
	st.people()
	st.snap.People = append(slices.Clip(st.snap.People), p)
	for j := range n.people {
		n.people[j].src = &st.snap.People[j]
	}
	n.people = append(n.people, personC{src: &st.snap.People[i], active: p.Status == "active"})
	n.personIdx = cloneIdx(n.personIdx)
	n.personIdx[p.ID] = int32(i)
	n.personFast = newIDIndex(len(n.people), func(i int) string { return n.people[i].src.ID })
	return true
}

// addRecord adds staff[i] of agency a.
func (st *structure) addRecord(a int32, i int, rec staffRecord) bool {
	n, c := st.n, st.c
	st.agencies()
	A := &st.snap.Agencies[a]
	if i != len(A.Staff) {
		return false
	}
	A.Staff = append(slices.Clip(A.Staff), rec)
	recs := make([]recordC, len(A.Staff))
	copy(recs, n.agencies[a].records)
	for j := range recs {
		recs[j].src = &A.Staff[j]
	}
	n.agencies[a].records = recs
	staffPath := field(index("agencies", int(a)), "staff")
	rc := c.compileRecord(a, i, staffPath)
	others := false
	if rc.person >= 0 && !c.periodUnread(lazyPath{base: staffPath, i: i}) {
		st.people()
		pc := &n.people[rc.person]
		for _, other := range pc.records {
			if other.agency != a {
				continue
			}
			others = true
			o := &recs[other.rec]
			if o.start < rc.end && rc.start < o.end {
				c.add(CodeInvalidValue, index(staffPath, i), "%s already has a record in this agency for an overlapping period (staff[%d])", rec.Person, other.rec)
			}
		}
		pc.records = append(slices.Clip(pc.records), recRef{agency: a, rec: int32(i), start: rc.start, end: rc.end})
	}
	recs[i] = rc
	if others || len(rc.reportsTo) > 0 || rc.person < 0 {
		return false // reports-to may change: the loader finds it
	}
	// nobody is above the new record; the records that name its person above them read the
	// same people above them now that it has a record here
	if n.readRecord(rc.person, a, n.snap.AsOf) == int32(i) {
		recs[i].above, recs[i].aboveOK = []int32{}, true
	}
	return true
}

// addUnit adds units[i] of agency a, at the end of the model's units.
func (st *structure) addUnit(a int32, i int, u unit) bool {
	n, m := st.n, st.m
	for b := int(a) + 1; b < len(n.agencies); b++ {
		if len(n.agencies[b].units) > 0 {
			return false // the units of the agencies after it would move
		}
	}
	st.agencies()
	A := &st.snap.Agencies[a]
	if i != len(A.Units) || u.ID == "" || m.idTaken(u.ID) {
		return false
	}
	st.units()
	A.Units = append(slices.Clip(A.Units), u)
	for j, x := range n.agencies[a].units {
		n.units[x].src = &A.Units[j]
	}
	x := int32(len(n.units))
	n.units = append(n.units, unitC{src: &A.Units[i], agency: a, approver: -1, deptPage: -1})
	st.unitIdx()
	n.unitIdx[u.ID] = x
	n.agencies[a].units = append(slices.Clip(n.agencies[a].units), x)
	st.c.compileUnit(a, i)
	return true
}

// addPage adds pages[i] of agency a, after the model's pages of that agency.
func (st *structure) addPage(a int32, i int, pg page) bool {
	n, m, c := st.n, st.m, st.c
	st.agencies()
	A := &st.snap.Agencies[a]
	if i != len(A.Pages) || pg.ID == "" || m.idTaken(pg.ID) {
		return false
	}
	par, ok := n.pageIdx.get(pg.Parent)
	if !ok || n.pages[par].agency != a {
		return false
	}
	x := int32(0)
	for b := 0; b <= int(a); b++ {
		x += int32(len(n.agencies[b].pages))
	}
	st.pages()
	st.units()
	st.pageIdx()
	A.Pages = append(slices.Clip(A.Pages), pg)
	for j, y := range n.agencies[a].pages {
		n.pages[y].src = &A.Pages[j]
	}
	if int(x) < len(n.pages) {
		n.pages = slices.Insert(n.pages, int(x), pageC{})
		if n.pageHot != nil {
			n.pageHot = slices.Insert(n.pageHot, int(x), pageHotC{})
		}
		n.remapPages(func(y int32) int32 {
			if y >= x {
				return y + 1
			}
			return y
		})
	} else {
		n.pages = append(n.pages, pageC{})
		if n.pageHot != nil {
			n.pageHot = append(n.pageHot, pageHotC{})
		}
	}
	n.pages[x] = pageC{src: &A.Pages[i], agency: a, parent: -1, deptUnit: -1, metric: -1, task: -1, individual: -1, project: -1, person: -1, secOwner: -1}
	n.pageIdx.set(pg.ID, x)
	n.agencies[a].pages = append(slices.Clip(n.agencies[a].pages), x)
	n.pages[par].children = slices.Clip(n.pages[par].children)
	c.compilePage(a, i)
	A.Pages[i].release() // as Load does
	if len(c.problems) > 0 {
		return true
	}
	c.resolvePage(x)
	if n.pageHot != nil {
		P := &n.pages[x]
		n.pageHot[x] = pageHotC{entries: P.sec.entries, creators: P.creators, agency: P.agency, secOwner: P.secOwner, kind: P.kind, perf: P.perf}
	}
	return true
}
