package evaluator

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Units, coordinators and organization groups (SPEC §5.2–5.4).

// agencyUnit reads the agency and one of its units (a unit of another agency is cross_agency).
func (e *edit) agencyUnit() (a, u int32) {
	a = e.agency("agency")
	u = e.unit("unit")
	return a, u
}

// newID reads the id of something new: a valid id no one uses yet (ids are unique across
// people, agencies, units, pages and groups, SPEC §1).
func (e *edit) newID(obj gjson.Result, key string) string {
	v := obj.Get("id")
	if e.err != nil {
		return ""
	}
	if v.Type != gjson.String || !validID(v.Str) {
		if v.Type != gjson.String {
			e.failAt(key+".id", CodeInvalidValue, "the new id is required")
		} else {
			e.failAt(key+".id", CodeInvalidValue, "%s", idProblem(v.Str))
		}
		return ""
	}
	if e.m.idTaken(v.Str) {
		e.failAt(key+".id", CodeDuplicateID, "the id %q is already used (person, agency, unit, page and group ids are unique across the snapshot)", v.Str)
	}
	return v.Str
}

func (m *Model) idTaken(id string) bool {
	_, p := m.personIdx[id]
	_, a := m.agencyIdx[id]
	_, u := m.unitIdx[id]
	_, x := m.pageIdx.get(id)
	_, g := m.groupIdx[id]
	_, e := slices.BinarySearch(m.snap.idsElsewhere, id)
	return p || a || u || x || g || e
}

// object reads a required object field.
func (e *edit) object(key string) gjson.Result {
	v := e.get(key)
	if e.err == nil && !v.IsObject() {
		e.failAt(key, CodeInvalidValue, "%s must be an object, not %s", key, typeName(v))
	}
	return v
}

// create_unit (SPEC §5.2).
func opCreateUnit(e *edit) {
	a := e.agency("agency")
	obj := e.object("unit")
	e.newID(obj, "unit")
	if e.ok() {
		if n := obj.Get("name"); n.Type != gjson.String || n.Str == "" {
			e.failAt("unit.name", CodeInvalidValue, "the new unit needs a name")
		}
	}
	e.coordinator(a)
	// the rules of set_unit_approver and set_unit_roles hold for a unit created with them: the
	// approver is active staff of the agency, and nobody is a member of a new unit yet
	if ap := obj.Get("approver"); e.ok() && ap.Type == gjson.String {
		if p, ok := e.m.personIdx[ap.Str]; ok && e.m.activeRecord(p, a, e.day) < 0 {
			e.failAt("unit.approver", CodeInvalidValue, "%s is not active staff of %s, so they cannot approve for a unit", e.m.personName(p), e.m.agencyName(a))
		}
	}
	for _, key := range []string{"editors", "leaders"} {
		if l := obj.Get(key); e.ok() && l.IsArray() && len(l.Array()) > 0 {
			e.failAt("unit."+key, CodeInvalidValue, "a new unit has no members yet, so it has no %s: set them with set_unit_roles once staff are in it", key)
		}
	}
	e.reloadPath = "unit"
	e.set(agencyPath(a)+".units.-1", rawJSON(obj.Raw))
}

// set_unit_specialization (SPEC §5.2).
func opSetUnitSpecialization(e *edit) {
	a, u := e.agencyUnit()
	spec := e.text("specialization", false)
	e.coordinator(a)
	e.sameAgency("unit", u, a)
	if e.ok() {
		e.set(e.m.unitPath(u)+".specialization", spec)
	}
}

// set_unit_approver (SPEC §5.2): the approver is active staff of the agency, or null.
func opSetUnitApprover(e *edit) {
	a, u := e.agencyUnit()
	var approver int32 = -1
	if v := e.get("approver"); v.Exists() && v.Type != gjson.Null {
		approver = e.person("approver")
	}
	e.coordinator(a)
	e.sameAgency("unit", u, a)
	if e.ok() && approver >= 0 && e.m.activeRecord(approver, a, e.day) < 0 {
		e.failAt("approver", CodeInvalidValue, "%s is not active staff of %s, so they cannot approve for a unit", e.m.personName(approver), e.m.agencyName(a))
	}
	if !e.ok() {
		return
	}
	if approver < 0 {
		e.set(e.m.unitPath(u)+".approver", nil)
	} else {
		e.set(e.m.unitPath(u)+".approver", e.m.people[approver].src.ID)
	}
}

// set_unit_roles (SPEC §5.2): a coordinator or a department leader of the unit; each editor
// and leader is an active member of the unit.
func opSetUnitRoles(e *edit) {
	a, u := e.agencyUnit()
	editors, hasEditors := e.people("editors", false)
	leaders, hasLeaders := e.people("leaders", false)
	if e.ok() && !hasEditors && !hasLeaders {
		e.failAt("", CodeInvalidValue, "give editors, leaders or both")
	}
	e.sameAgency("unit", u, a)
	if e.ok() && !e.isCoordinator(a) {
		if ok, _ := e.m.memberOfUnit(e.actor, u, e.day); !ok || !has(e.m.units[u].leaders, e.actor) {
			e.notCoordinator(a, " nor a department leader of "+e.m.units[u].src.ID)
		}
	}
	for _, list := range []struct {
		key    string
		people []int32
	}{{"editors", editors}, {"leaders", leaders}} {
		for i, p := range list.people {
			if ok, _ := e.m.memberOfUnit(p, u, e.day); e.ok() && !ok {
				e.failAt(index(list.key, i), CodeInvalidValue, "%s is not an active member of %s", e.m.personName(p), e.m.unitName(u))
			}
		}
	}
	if hasEditors {
		e.set(e.m.unitPath(u)+".editors", jsonText(e.m.idsOf(editors)))
	}
	if hasLeaders {
		e.set(e.m.unitPath(u)+".leaders", jsonText(e.m.idsOf(leaders)))
	}
}

// consolidate_units (SPEC §5.2).
func opConsolidateUnits(e *edit) {
	a := e.agency("agency")
	fromIDs, _ := e.list("from", true)
	into := e.unit("into")
	var from []int32
	for i, id := range fromIDs {
		u, ok := e.m.unitIdx[id]
		if e.ok() && !ok {
			e.failAt(index("from", i), CodeUnknownReference, "no unit has the id %q", id)
		}
		// a unit named twice is consolidated once (deleting it twice would delete another)
		if !slices.Contains(from, u) {
			from = append(from, u)
		}
	}
	if e.ok() && len(from) == 0 {
		e.failAt("from", CodeInvalidValue, "name at least one unit to consolidate")
	}
	e.coordinator(a)
	e.sameAgency("into", into, a)
	for i, u := range from {
		e.sameAgency(index("from", i), u, a)
		if e.ok() && u == into {
			e.failAt(index("from", i), CodeInvalidValue, "%s is the unit the others are consolidated into", e.m.unitName(u))
		}
	}
	if !e.ok() {
		return
	}
	m := e.m
	ac := &m.agencies[a]
	intoID := m.units[into].src.ID
	// staff records and out-assignments; an out-assignment that would point at the worker's
	// own unit is dropped
	moved := func(u int32) int32 {
		if slices.Contains(from, u) {
			return into
		}
		return u
	}
	for r := range ac.records {
		rec := &ac.records[r]
		path := recordPath(a, int32(r))
		unit := moved(rec.unit)
		if unit != rec.unit {
			e.set(path+".unit", intoID)
		}
		touched := false
		for _, o := range rec.outs {
			touched = touched || moved(o.unit) != o.unit || o.unit == unit
		}
		if !touched {
			continue // read the document only for the records the consolidation changes
		}
		var kept []string
		changed := false
		for i, o := range e.read(path + ".out_assignments").Array() {
			ou := moved(rec.outs[i].unit)
			switch {
			case ou == unit:
				changed = true
			case ou != rec.outs[i].unit:
				changed = true
				o2, _ := sjson.Set(o.Raw, "unit", intoID)
				kept = append(kept, o2)
			default:
				kept = append(kept, o.Raw)
			}
		}
		if changed {
			e.set(path+".out_assignments", rawJSON("["+strings.Join(kept, ", ")+"]"))
		}
	}
	// editors and leaders
	editors, leaders := slices.Clone(m.units[into].editors), slices.Clone(m.units[into].leaders)
	for _, u := range from {
		editors = append(editors, m.units[u].editors...)
		leaders = append(leaders, m.units[u].leaders...)
	}
	e.set(m.unitPath(into)+".editors", jsonText(m.idsOf(uniqueKeepOrder(editors))))
	e.set(m.unitPath(into)+".leaders", jsonText(m.idsOf(uniqueKeepOrder(leaders))))
	// department pages: children move under into's department page
	target := m.units[into].deptPage
	var dropPages []int32
	for _, u := range from {
		dp := m.units[u].deptPage
		if dp < 0 {
			continue
		}
		if target < 0 {
			// into has no department page yet: the first one becomes its own
			target = dp
			e.set(m.pagePath(dp)+".unit", intoID)
			continue
		}
		for _, c := range m.pages[dp].children {
			e.set(m.pagePath(c)+".parent", m.pages[target].src.ID)
		}
		dropPages = append(dropPages, dp)
	}
	// entries naming a consolidated unit now name the unit they went into
	for _, u := range from {
		e.renameUnit(a, u, "unit:"+intoID)
	}
	// delete the pages and units, highest index first so the paths stay right
	e.deletePages(dropPages)
	e.deleteUnits(from)
}

func uniqueKeepOrder(list []int32) []int32 {
	var out []int32
	for _, x := range list {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// deletePages removes pages from the document, highest position first.
func (e *edit) deletePages(pages []int32) {
	paths := make([]string, 0, len(pages))
	for _, x := range pages {
		paths = append(paths, e.m.pagePath(x))
	}
	e.deleteAll(paths)
}

func (e *edit) deleteUnits(units []int32) {
	paths := make([]string, 0, len(units))
	for _, u := range units {
		paths = append(paths, e.m.unitPath(u))
	}
	e.deleteAll(paths)
}

// deleteAll deletes array elements given as "….N" paths, the highest N of each array first.
func (e *edit) deleteAll(paths []string) {
	slices.SortFunc(paths, func(p, q string) int {
		pi, qi := strings.LastIndexByte(p, '.'), strings.LastIndexByte(q, '.')
		if c := strings.Compare(p[:pi], q[:qi]); c != 0 {
			return c
		}
		n, _ := strconv.Atoi(p[pi+1:])
		k, _ := strconv.Atoi(q[qi+1:])
		return k - n
	})
	for _, p := range paths {
		e.delete(p)
	}
}

// delete_unit (SPEC §5.2).
func opDeleteUnit(e *edit) {
	a, u := e.agencyUnit()
	e.coordinator(a)
	e.sameAgency("unit", u, a)
	if !e.ok() {
		return
	}
	m := e.m
	ac := &m.agencies[a]
	for r := range ac.records {
		rec := &ac.records[r]
		if rec.unit == u && rec.end > e.day {
			e.failAt("unit", CodeUnitNotEmpty, "%s still has staff (%s): move them first", m.unitName(u), m.personName(rec.person))
			return
		}
		for _, o := range rec.outs {
			if o.unit == u && o.end > e.day && rec.end > e.day {
				e.failAt("unit", CodeUnitNotEmpty, "%s is out-assigned to %s: end that out-assignment first", m.personName(rec.person), m.unitName(u))
				return
			}
		}
	}
	dp := m.units[u].deptPage
	if dp >= 0 && len(m.pages[dp].children) > 0 {
		e.failAt("unit", CodeUnitNotEmpty, "the department page %s still has pages under it", m.pageName(dp))
		return
	}
	if where := m.principalUse(a, "unit:"+m.units[u].src.ID); where != "" {
		e.failAt("unit", CodeInUse, "an entry names this unit (in %s): change that security first", where)
		return
	}
	// ended records keep their history without a unit; ended out-assignments there go
	for r := range ac.records {
		rec := &ac.records[r]
		path := recordPath(a, int32(r))
		if rec.unit == u {
			e.set(path+".unit", nil)
		}
		var drop []string
		for i, o := range rec.outs {
			if o.unit == u {
				drop = append(drop, path+".out_assignments."+strconv.Itoa(i))
			}
		}
		e.deleteAll(drop)
	}
	if dp >= 0 {
		e.deletePages([]int32{dp})
	}
	e.deleteUnits([]int32{u})
}

// principalUse names a section of agency a with an entry for the principal, or "".
func (m *Model) principalUse(a int32, principal string) string {
	for _, x := range m.agencies[a].pages {
		P := &m.pages[x]
		if P.own != nil && sectionNames(P.own, principal) {
			return m.sectionLabel(x, kindInvalid)
		}
		for _, d := range P.defaults {
			if sectionNames(d.sec, principal) {
				return m.sectionLabel(x, d.kind)
			}
		}
	}
	return ""
}

func sectionNames(s *sectionC, principal string) bool {
	for i := range s.entries {
		if s.entries[i].text.principal == principal {
			return true
		}
	}
	return false
}

// establish_coordinator (SPEC §5.3).
func opEstablishCoordinator(e *edit) {
	a, p := e.staffTarget()
	role := e.text("role", true)
	if e.ok() && role != "primary" && role != "backup" {
		e.failAt("role", CodeInvalidValue, "%q is not a coordinator role: primary or backup", role)
	}
	e.coordinator(a)
	if e.ok() && (e.m.activeRecord(p, a, e.day) < 0 || !e.m.people[p].active) {
		e.failAt("person", CodeInvalidValue, "%s is not active staff of %s: only active staff can be coordinators", e.m.personName(p), e.m.agencyName(a))
	}
	if !e.ok() {
		return
	}
	if role == "backup" && e.m.agencies[a].coordinator[p] == "primary" && !e.m.otherActivePrimary(a, p, e.day) {
		e.failAt("role", CodeLastCoordinator, "%s is the only active primary coordinator of %s: establish another primary first, then make them a backup", e.m.personName(p), e.m.agencyName(a))
		return
	}
	for i, c := range e.m.agencies[a].src.Coordinators {
		if c.Person == e.m.people[p].src.ID {
			e.set(agencyPath(a)+".coordinators."+strconv.Itoa(i)+".role", role)
			return
		}
	}
	e.set(agencyPath(a)+".coordinators.-1", jsonText(map[string]string{"person": e.m.people[p].src.ID, "role": role}))
}

// remove_coordinator (SPEC §5.3): another coordinator of the agency, or an administrator.
func opRemoveCoordinator(e *edit) {
	a, p := e.staffTarget()
	if e.ok() && e.actor == p && !e.m.people[e.actor].admin {
		e.failAt("person", CodeNotAuthorized, "coordinators do not remove themselves: the coordinator who takes over removes %s", e.m.people[p].src.ID)
	}
	e.coordinator(a)
	if !e.ok() {
		return
	}
	at := -1
	for i, c := range e.m.agencies[a].src.Coordinators {
		if c.Person == e.m.people[p].src.ID {
			at = i
		}
	}
	if at < 0 {
		e.failAt("person", CodeNotApplicable, "%s is not a coordinator of %s", e.m.personName(p), e.m.agencyName(a))
		return
	}
	if !e.m.otherActivePrimary(a, p, e.day) {
		e.failAt("person", CodeLastCoordinator, "without %s, %s would have no active primary coordinator: establish one first", e.m.personName(p), e.m.agencyName(a))
		return
	}
	e.delete(agencyPath(a) + ".coordinators." + strconv.Itoa(at))
}

// orgSecurity requires manage_security on the agency's organization page (SPEC §5.4).
func (e *edit) orgSecurity(a int32) {
	if e.ok() {
		e.pageRight(e.m.agencies[a].org, actManage, 0)
	}
}

// set_org_roles (SPEC §5.4).
func opSetOrgRoles(e *edit) {
	a := e.agency("agency")
	editors, hasEditors := e.people("editors", false)
	leaders, hasLeaders := e.people("leaders", false)
	if e.ok() && !hasEditors && !hasLeaders {
		e.failAt("", CodeInvalidValue, "give editors, leaders or both")
	}
	e.orgSecurity(a)
	if hasEditors {
		e.set(agencyPath(a)+".org_editors", jsonText(e.m.idsOf(editors)))
	}
	if hasLeaders {
		e.set(agencyPath(a)+".org_leaders", jsonText(e.m.idsOf(leaders)))
	}
}

// create_group (SPEC §5.4).
func opCreateGroup(e *edit) {
	a := e.agency("agency")
	obj := e.object("group")
	e.newID(obj, "group")
	if e.ok() {
		for i, m := range obj.Get("members").Array() {
			if _, ok := e.m.personIdx[m.Str]; !ok {
				e.failAt(index("group.members", i), CodeUnknownReference, "no person has the id %s", describe(m))
			}
		}
	}
	e.orgSecurity(a)
	e.reloadPath = "group"
	e.set(agencyPath(a)+".groups.-1", rawJSON(obj.Raw))
}

// set_group_members (SPEC §5.4).
func opSetGroupMembers(e *edit) {
	a := e.agency("agency")
	g := e.group("group", a)
	members, _ := e.people("members", true)
	e.orgSecurity(a)
	if e.ok() {
		e.set(e.m.groupPath(g)+".members", jsonText(e.m.idsOf(members)))
	}
}

// delete_group (SPEC §5.4): in_use while an entry names it.
func opDeleteGroup(e *edit) {
	a := e.agency("agency")
	g := e.group("group", a)
	e.orgSecurity(a)
	if !e.ok() {
		return
	}
	if where := e.m.principalUse(a, "group:"+e.m.groups[g].src.ID); where != "" {
		e.failAt("group", CodeInUse, "an entry names this group (in %s): change that security first", where)
		return
	}
	e.delete(e.m.groupPath(g))
}

// record_security_review (§5.10 of the rules): a coordinator of the agency records that its
// security was reviewed today, appending {date, by, version, note} to security_reviews, oldest
// first. It changes no access.
func opRecordSecurityReview(e *edit) {
	a := e.agency("agency")
	note := e.text("note", false)
	e.coordinator(a)
	if !e.ok() {
		return
	}
	review := `{"date": "` + e.day.String() + `", "by": ` + string(jsonText(e.m.people[e.actor].src.ID)) + `, "version": ` + strconv.FormatInt(e.m.snap.Version, 10)
	if note != "" {
		review += `, "note": ` + string(jsonText(note))
	}
	e.set(agencyPath(a)+".security_reviews.-1", rawJSON(review+"}"))
}
