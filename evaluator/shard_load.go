package evaluator

import (
	"fmt"
	"slices"

	"github.com/tidwall/gjson"
)

// This file reads and checks an agency shard's records_elsewhere (RULES.md §10.3) and answers
// the two questions they are there for: step 4 of §4.1 (is the person active anywhere?) and
// the scopes of §4.5 that reach past the agency a record is in.

// recordElsewhere is one element of records_elsewhere as written: a staff record held in
// another agency's shard, with that agency. It has no reports_to: reports-to is read in the
// page's agency only (§4.2), and that agency is held here.
type recordElsewhere struct {
	staffRecord
	Agency, AgencyName, UnitName string
}

// elsewhereC is a compiled record elsewhere. Its units are ids of the other agency, which this
// document does not hold, so they are kept as text and only compared with each other.
type elsewhereC struct {
	agency, agencyName string
	unit, unitName     string // unit "" for an ended record whose unit was deleted
	start, end         Date
	functions          []int32
	outs               []outElsewhere
}

type outElsewhere struct {
	unit       string
	start, end Date
}

// parseElsewhere reads records_elsewhere: a list of staff records, each with the agency that
// holds it (and that agency's name, for reasons).
func (r *reader) parseElsewhere(v gjson.Result) []recordElsewhere {
	var out []recordElsewhere
	r.array(v, "records_elsewhere", func(i int, e gjson.Result, at string) {
		var re recordElsewhere
		if rec, ok := r.parseStaff(e, "records_elsewhere", i); ok {
			re.staffRecord = rec
			re.Agency = r.id(e.Get("agency"), field(at, "agency"), true)
			re.AgencyName = r.text(e.Get("agency_name"), field(at, "agency_name"), false)
			re.UnitName = r.text(e.Get("unit_name"), field(at, "unit_name"), false)
			if rt := e.Get("reports_to"); rt.Exists() && rt.Type != gjson.Null {
				r.add(CodeInvalidValue, field(at, "reports_to"), "a record held in another agency carries no reports_to: reports-to is read on the record in the page's own agency")
			}
		}
		out = append(out, re)
	})
	return out
}

// compileElsewhere checks records_elsewhere against the rest of the document and gives each
// person their records elsewhere. A record elsewhere names a known person and business
// functions of the catalog, an agency (and units) this document does not hold, and a period
// that does not overlap the person's other records in that agency.
func (c *compiler) compileElsewhere() {
	m := c.m
	for i := range m.snap.Elsewhere {
		e := &m.snap.Elsewhere[i]
		at := index("records_elsewhere", i)
		p := c.person(e.Person, field(at, "person"))
		held := false
		if _, ok := m.agencyIdx[e.Agency]; ok {
			held = true
			c.add(CodeInvalidValue, field(at, "agency"), "the agency %s is held in this document: %s's records there belong in its staff list, not in records_elsewhere", e.Agency, e.Person)
		}
		ec := elsewhereC{agency: e.Agency, agencyName: e.AgencyName, unit: e.Unit, unitName: e.UnitName, start: e.Start, end: e.End}
		if e.Unit == "" && e.End == openEnd && !c.unread(lazyPath{base: field(at, "end"), i: -1}) {
			c.add(CodeInvalidValue, field(at, "unit"), "a staff record without an end date needs a unit")
		}
		c.notHeldUnit(e.Unit, e.Agency, field(at, "unit"))
		if e.End <= e.Start {
			c.add(CodeInvalidValue, field(at, "end"), "the record ends (%s) on or before it starts (%s)", e.End, e.Start)
		}
		for j, code := range e.Functions {
			if f, ok := m.functionIdx[code]; ok {
				ec.functions = append(ec.functions, f)
			} else if code != "" {
				c.unknown(lostFunctions, index(field(at, "functions"), j), "no business function has the code %q", code)
			}
		}
		for j, o := range e.OutAssignments {
			op := index(field(at, "out_assignments"), j)
			c.notHeldUnit(o.Unit, e.Agency, field(op, "unit"))
			if o.End <= o.Start {
				c.add(CodeInvalidValue, field(op, "end"), "the out-assignment ends (%s) on or before it starts (%s)", o.End, o.Start)
			}
			ec.outs = append(ec.outs, outElsewhere{unit: o.Unit, start: o.Start, end: o.End})
		}
		if p < 0 || held || c.periodUnread(lazyPath{base: "records_elsewhere", i: i}) {
			continue
		}
		pc := &m.people[p]
		for _, o := range pc.elsewhere {
			if o.agency == ec.agency && o.start < ec.end && ec.start < o.end {
				c.add(CodeInvalidValue, at, "%s already has a record in %s for an overlapping period in records_elsewhere", e.Person, e.Agency)
				break
			}
		}
		pc.elsewhere = append(pc.elsewhere, ec)
	}
}

// notHeldUnit: a unit of a record elsewhere is one of that agency's, so not one held here.
func (c *compiler) notHeldUnit(id, agency, path string) {
	if u, ok := c.m.unitIdx[id]; ok && id != "" {
		c.add(CodeInvalidValue, path, "the unit %s belongs to %s, which is held in this document; a record held in %s names a unit of %s", id, c.m.agencies[c.m.units[u].agency].src.ID, agency, agency)
	}
}

// activeInRecordsElsewhere reports whether p has a record elsewhere active on d (§4.1 step 4 counts
// it as any other staff record).
func (m *Model) activeInRecordsElsewhere(p int32, d Date) bool {
	for i := range m.people[p].elsewhere {
		if r := &m.people[p].elsewhere[i]; activeOn(r.start, r.end, d) {
			return true
		}
	}
	return false
}

// coveredElsewhere applies §4.5 to the subject's records elsewhere: a function on one of them
// whose attribute grants the capability covers the target when its scope is system, self and
// the target is the subject, or agency or unit and the target is a person whose active record
// in that same agency (held elsewhere too) is there or in one of those units. An agency or a
// unit target is held here, so another agency's agency or unit scope never covers it.
func (m *Model) coveredElsewhere(q query, ex *explainer) bool {
	if q.cap < 0 {
		return false
	}
	for i := range m.people[q.person].elsewhere {
		rec := &m.people[q.person].elsewhere[i]
		if !activeOn(rec.start, rec.end, q.day) {
			continue
		}
		for _, f := range rec.functions {
			for j := range m.functions[f].attrs {
				at := &m.functions[f].attrs[j]
				if at.capability != q.cap {
					continue
				}
				if ok, covered := m.coversElsewhere(at.scope, rec, q); ok {
					if ex != nil {
						fn := m.functions[f].src
						ex.add(Reason{Kind: "function", Message: fmt.Sprintf("%s holds the business function %s (%s) on their record in %s; its security attribute %q grants %s with %s scope, which covers %s",
							m.personName(q.person), fn.Code, fn.Name, rec.agencyLabel(), at.src.Name, q.capName, at.src.Scope, covered)})
					}
					return true
				}
			}
		}
	}
	return false
}

// coversElsewhere is covers for a record elsewhere, with the coverage in words.
func (m *Model) coversElsewhere(s scope, rec *elsewhereC, q query) (bool, string) {
	switch s {
	case scopeSystem:
		return true, "everything"
	case scopeSelf:
		return q.target == targetPerson && q.ref == q.person, "themselves"
	}
	if q.target != targetPerson {
		return false, ""
	}
	var t *elsewhereC
	for i := range m.people[q.ref].elsewhere {
		if r := &m.people[q.ref].elsewhere[i]; r.agency == rec.agency && activeOn(r.start, r.end, q.day) {
			t = r
			break
		}
	}
	if t == nil {
		return false, ""
	}
	if s == scopeAgency {
		return true, "all of " + rec.agencyLabel()
	}
	if t.unit != "" && rec.inUnit(t.unit, q.day) {
		return true, fmt.Sprintf("%s, in-assigned to their unit %s", m.personName(q.ref), t.unitLabel())
	}
	return false, ""
}

// inUnit: u is the record's in-assigned unit or one it is out-assigned to on day d.
func (rec *elsewhereC) inUnit(u string, d Date) bool {
	if rec.unit == u {
		return true
	}
	for _, o := range rec.outs {
		if o.unit == u && activeOn(o.start, o.end, d) {
			return true
		}
	}
	return false
}

// unitLabel words the in-assigned unit of a record elsewhere as unitName words a held one.
func (rec *elsewhereC) unitLabel() string {
	if rec.unitName == "" {
		return rec.unit
	}
	return rec.unitName + " (" + rec.unit + ")"
}

// agencyLabel words the agency of a record elsewhere as agencyName words a held one.
func (rec *elsewhereC) agencyLabel() string {
	if rec.agencyName == "" {
		return rec.agency
	}
	return rec.agencyName + " (" + rec.agency + ")"
}

// compileIDsElsewhere indexes ids_elsewhere: the ids of a writer's cut that other shards hold
// (pages of other agencies, README "The edge"). Each is taken (SPEC §1), so none may also be
// an id of this document.
func (c *compiler) compileIDsElsewhere() {
	s := c.m.snap
	if len(s.IDsElsewhere) == 0 {
		return
	}
	for i, id := range s.IDsElsewhere {
		if c.taken(id) {
			c.add(CodeDuplicateID, index("ids_elsewhere", i), "the id %q is held in this document and listed in ids_elsewhere; an id is held in one shard", id)
		}
	}
	slices.Sort(s.IDsElsewhere) // in place, once its problems are named by their indexes
	s.idsElsewhere = s.IDsElsewhere
}
