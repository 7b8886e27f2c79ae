package evaluator

import (
	"slices"
	"strconv"

	"github.com/tidwall/gjson"
)

// withSegments is m with the given segments of its document rewritten (their new bytes by
// segment), judged by the rules of SPEC §2 that the rewritten elements can break and compiled
// again where they reach: the elements themselves, the reports-to of an agency whose staff
// changed, the effective sections under a page whose sections changed. Everything else is
// shared with m, which does not change. A problem is the first the loader would report for
// the document these segments leave.
//
// ok is false when the segments change what the model is built around (an id, a page's kind,
// parent, unit, person or creator, a record's person): the caller loads the document then.
func (m *Model) withSegments(segs map[segKey][]byte) (next *Model, problem *Problem, ok bool) {
	return m.withSegmentsOwning(segs, func(string) bool { return false })
}

// withSegmentsOwning is withSegments for a model whose lists named by owned (as structure.once
// names them: "agencies", "pages", "pageList.N") are its own, shared with no other model: they
// are written in place, not copied again. withStructure passes the lists it copied already,
// which are each as large as the agency's pages.
func (m *Model) withSegmentsOwning(segs map[segKey][]byte, owned func(list string) bool) (next *Model, problem *Problem, ok bool) {
	keys := make([]segKey, 0, len(segs))
	for k := range segs {
		keys = append(keys, k)
	}
	sortLoaderOrder(keys)

	// Read each segment as the loader reads its element.
	r := &reader{}
	type parsed struct {
		person person
		list   []string
		coords []coordinator
		group  group
		unit   unit
		record staffRecord
		page   page
	}
	values := make([]parsed, len(keys))
	for i, k := range keys {
		// read in place, as the loader reads its document: nothing writes to a segment once
		// it is made (gjson.ParseBytes copied them, 9 MB for a propagation at the largest agency)
		seg := segs[k]
		v := gjson.Parse(inPlace(seg))
		v.Index = 0
		at := index("agencies", int(k.agency))
		var p parsed
		switch k.sort {
		case segPerson:
			p.person, _ = r.parsePerson(v, int(k.i))
		case segOrgEditors:
			p.list = r.ids(v, field(at, "org_editors"))
		case segOrgLeaders:
			p.list = r.ids(v, field(at, "org_leaders"))
		case segCoordinators:
			p.coords = r.parseCoordinators(v, field(at, "coordinators"))
		case segGroup:
			gp := index(field(at, "groups"), int(k.i))
			if r.object(v, gp, true) {
				p.group = r.parseGroup(v, gp)
			}
		case segUnit:
			up := index(field(at, "units"), int(k.i))
			if r.object(v, up, true) {
				p.unit = r.parseUnit(v, up)
			}
		case segRecord:
			p.record, _ = r.parseStaff(v, field(at, "staff"), int(k.i))
		case segPage:
			p.page = r.pageAt(v, index(field(at, "pages"), int(k.i)))
		default:
			return nil, nil, false
		}
		values[i] = p
	}
	if len(r.problems) > 0 {
		return nil, &r.problems[0], true
	}

	// What the model is built around stays.
	s := m.snap
	for i, k := range keys {
		v := &values[i]
		switch k.sort {
		case segPerson:
			ok = v.person.ID == s.People[k.i].ID
		case segGroup:
			ok = v.group.ID == s.Agencies[k.agency].Groups[k.i].ID
		case segUnit:
			ok = v.unit.ID == s.Agencies[k.agency].Units[k.i].ID
		case segRecord:
			ok = v.record.Person == s.Agencies[k.agency].Staff[k.i].Person
		case segPage:
			o, n := &s.Agencies[k.agency].Pages[k.i], &v.page
			ok = n.ID == o.ID && n.Kind == o.Kind && n.Parent == o.Parent && n.Unit == o.Unit && n.Person == o.Person && n.CreatedBy == o.CreatedBy
		default:
			ok = true
		}
		if !ok {
			return nil, nil, false
		}
	}

	// The new snapshot: copies of the lists that change, the rest shared.
	n := *m
	n.lint, n.doc = &lintCache{}, &docCache{}
	snap := *s
	n.snap = &snap
	c := &compiler{reader: r, m: &n}
	touched := map[int32]bool{} // agencies with a changed element
	for _, k := range keys {
		if k.sort != segPerson {
			touched[k.agency] = true
		}
	}
	var newPeople, newUnits, newGroups, newPages bool
	pagesChanged := false // a page is compiled again: n.pages is to be n's own
	if len(touched) > 0 && !owned("agencies") {
		snap.Agencies = slices.Clone(s.Agencies)
		n.agencies = slices.Clone(m.agencies)
		for a := range n.agencies {
			n.agencies[a].src = &snap.Agencies[a]
		}
	}
	cloned := map[segKey]bool{} // the lists of an agency copied already (i unused)
	for i, k := range keys {
		v := &values[i]
		list := segKey{sort: k.sort, agency: k.agency}
		first := !cloned[list]
		cloned[list] = true
		if k.sort == segPerson {
			if first {
				snap.People = slices.Clone(s.People)
				newPeople = true
			}
			snap.People[k.i] = v.person
			continue
		}
		a := &snap.Agencies[k.agency]
		switch k.sort {
		case segOrgEditors:
			a.OrgEditors = v.list
		case segOrgLeaders:
			a.OrgLeaders = v.list
		case segCoordinators:
			a.Coordinators = v.coords
		case segGroup:
			if first {
				a.Groups = slices.Clone(a.Groups)
				newGroups = true
			}
			a.Groups[k.i] = v.group
		case segUnit:
			if first {
				a.Units = slices.Clone(a.Units)
				newUnits = true
			}
			a.Units[k.i] = v.unit
		case segRecord:
			if first {
				a.Staff = slices.Clone(a.Staff)
				n.agencies[k.agency].records = slices.Clone(m.agencies[k.agency].records)
				for ri := range a.Staff {
					n.agencies[k.agency].records[ri].src = &a.Staff[ri]
				}
			}
			a.Staff[k.i] = v.record
		case segPage:
			pagesChanged = true
			if first && !owned("pageList."+strconv.Itoa(int(k.agency))) {
				a.Pages = slices.Clone(a.Pages)
				newPages = true
			}
			a.Pages[k.i] = v.page
		}
	}
	// compiled elements point at the new lists
	if newPeople {
		n.people = slices.Clone(m.people)
		c.peopleOwned = true
		for p := range n.people {
			n.people[p].src = &snap.People[p]
		}
	}
	if newUnits {
		n.units = slices.Clone(m.units)
	}
	if newGroups {
		n.groups = slices.Clone(m.groups)
	}
	if pagesChanged && !owned("pages") {
		n.pages = slices.Clone(m.pages)
	}
	for ai := range touched {
		A := &snap.Agencies[ai]
		if newUnits {
			for ui := range A.Units {
				if u, ok := n.unitIdx[A.Units[ui].ID]; ok {
					n.units[u].src = &A.Units[ui]
				}
			}
		}
		if newGroups {
			for gi := range A.Groups {
				if g, ok := n.groupIdx[A.Groups[gi].ID]; ok {
					n.groups[g].src = &A.Groups[gi]
				}
			}
		}
		if newPages {
			for pi, x := range n.agencies[ai].pages {
				n.pages[x].src = &A.Pages[pi]
			}
		}
	}

	// Compile the changed elements, in the loader's order.
	var resolve []int32 // pages whose sections changed
	staffChanged := map[int32]bool{}
	for _, k := range keys {
		ai := k.agency
		switch k.sort {
		case segPerson:
			n.people[k.i].active = snap.People[k.i].Status == "active"
		case segOrgEditors:
			n.agencies[ai].orgEditors = c.personList(snap.Agencies[ai].OrgEditors, field(index("agencies", int(ai)), "org_editors"))
		case segOrgLeaders:
			n.agencies[ai].orgLeaders = c.personList(snap.Agencies[ai].OrgLeaders, field(index("agencies", int(ai)), "org_leaders"))
		case segCoordinators:
			c.compileCoordinators(ai)
		case segGroup:
			c.compileGroup(ai, int(k.i))
		case segUnit:
			c.compileUnit(ai, int(k.i))
		case segRecord:
			c.recompileRecord(ai, k.i, func(o int32) bool { return segs[segKey{sort: segRecord, agency: ai, i: o}] != nil && o > k.i })
			staffChanged[ai] = true
		case segPage:
			x := n.agencies[ai].pages[k.i]
			c.recompilePage(ai, int(k.i), x)
			if n.pages[x].kind.ownSecurity() {
				resolve = append(resolve, x)
			}
		}
		if len(r.problems) > 0 {
			return nil, &r.problems[0], true
		}
	}
	// reports-to of the agencies whose staff changed: loops, then who is above whom
	for ai := int32(0); ai < int32(len(n.agencies)); ai++ {
		if staffChanged[ai] && !c.checkReportsToCyclesIn(ai) {
			return nil, &r.problems[0], true
		}
	}
	for ai := range staffChanged {
		recs := n.agencies[ai].records
		for ri := range recs {
			recs[ri].above, recs[ri].aboveOK = nil, false
		}
		c.compileReportsAboveIn(ai)
	}
	// effective sections under the pages whose sections changed, parents first
	if len(resolve) > 0 {
		if n.pageHot != nil && !owned("pages") {
			n.pageHot = slices.Clone(m.pageHot)
		}
		for _, x := range resolve {
			n.resolveSubtree(x)
		}
	}
	// the document: the batch's rewritten segments so far, written out once it is applied
	n.patches = make(map[segKey][]byte, len(m.patches)+len(segs))
	for k, b := range m.patches {
		n.patches[k] = b
	}
	for k, b := range segs {
		n.patches[k] = b
	}
	return &n, nil, true
}

// sortLoaderOrder puts segments in the loader's order: people, then agency by agency, each
// sort of element in turn.
func sortLoaderOrder(keys []segKey) {
	slices.SortFunc(keys, func(p, q segKey) int {
		if (p.sort == segPerson) != (q.sort == segPerson) {
			if p.sort == segPerson {
				return -1
			}
			return 1
		}
		if p.agency != q.agency {
			return int(p.agency - q.agency)
		}
		if p.sort != q.sort {
			return int(p.sort) - int(q.sort)
		}
		return int(p.i - q.i)
	})
}

// recompileRecord compiles staff[ri] of agency ai again, with its place among the person's
// records: their dates, and the rule that a person's records in one agency do not overlap
// (reported, as the loader does, at the later of two records; laterTouched tells which later
// records are compiled again after this one, and report for themselves).
func (c *compiler) recompileRecord(ai, ri int32, laterTouched func(o int32) bool) {
	m := c.m
	staffPath := field(index("agencies", int(ai)), "staff")
	rec := c.compileRecord(ai, int(ri), staffPath)
	old := m.agencies[ai].records[ri]
	rec.above, rec.aboveOK = old.above, old.aboveOK
	m.agencies[ai].records[ri] = rec
	if rec.person < 0 {
		return
	}
	pc := &m.people[rec.person]
	if rec.start != old.start || rec.end != old.end {
		if !c.peopleOwned {
			m.people = slices.Clone(m.people)
			c.peopleOwned = true
			pc = &m.people[rec.person]
		}
		pc.records = slices.Clone(pc.records)
		for j := range pc.records {
			if pc.records[j].agency == ai && pc.records[j].rec == ri {
				pc.records[j].start, pc.records[j].end = rec.start, rec.end
			}
		}
	}
	src := m.agencies[ai].src.Staff
	for _, other := range pc.records {
		if other.agency != ai || other.rec == ri || laterTouched(other.rec) {
			continue
		}
		o := &m.agencies[ai].records[other.rec]
		if o.start < rec.end && rec.start < o.end {
			lo, hi := min(ri, other.rec), max(ri, other.rec)
			c.add(CodeInvalidValue, index(staffPath, int(hi)), "%s already has a record in this agency for an overlapping period (staff[%d])", src[hi].Person, lo)
		}
	}
}

// recompilePage compiles pages[pi] of agency ai (page x) again: its sections and the people
// of its kind-specific fields. Its kind, parent and the rest stay as they were.
func (c *compiler) recompilePage(ai int32, pi int, x int32) {
	m := c.m
	P := &m.pages[x]
	pg := P.src
	pl := lazyPath{base: field(index("agencies", int(ai)), "pages"), i: pi}
	c.pageSections(P, pg, ai, pl)
	c.pagePeople(P, pg, pl)
	pg.release() // as Load does
}

// resolveSubtree finds again the effective section of page x and of every page under it.
func (m *Model) resolveSubtree(x int32) {
	stack := []int32{x}
	for len(stack) > 0 {
		y := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		m.resolveSection(y)
		if m.pageHot != nil {
			P := &m.pages[y]
			m.pageHot[y] = pageHotC{entries: P.sec.entries, creators: P.creators, agency: P.agency, secOwner: P.secOwner, kind: P.kind, perf: P.perf}
		}
		stack = append(stack, m.pages[y].children...)
	}
}
