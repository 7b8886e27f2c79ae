package evaluator

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// ops are the edits of SPEC §5, by name. Each judges its edit in the order of §5: shape and
// references, then who may make it, then its own rules; then it writes the document.
var ops map[string]func(*edit)

func init() {
	ops = map[string]func(*edit){
		"add_staff": opAddStaff, "move_staff": opMoveStaff,
		"assign_functions": opAssignFunctions, "remove_functions": opRemoveFunctions,
		"add_out_assignment": opAddOutAssignment, "end_out_assignment": opEndOutAssignment,
		"set_reports_to": opSetReportsTo, "end_date_staff": opEndDateStaff,
		"reinstate_staff": opReinstateStaff, "set_person_id": opSetPersonID,
		"create_unit": opCreateUnit, "set_unit_specialization": opSetUnitSpecialization,
		"set_unit_approver": opSetUnitApprover, "set_unit_roles": opSetUnitRoles,
		"consolidate_units": opConsolidateUnits, "delete_unit": opDeleteUnit,
		"establish_coordinator": opEstablishCoordinator, "remove_coordinator": opRemoveCoordinator,
		"set_org_roles": opSetOrgRoles, "create_group": opCreateGroup,
		"set_group_members": opSetGroupMembers, "delete_group": opDeleteGroup,
		"create_page": opCreatePage, "delete_page": opDeletePage, "set_page_people": opSetPagePeople,
		"set_security": opSetSecurity, "set_default_security": opSetDefaultSecurity,
		"set_site_defaults": opSetSiteDefaults, "propagate_defaults": opPropagateDefaults,
		"create_agency": opCreateAgency, "import_build": opImportBuild,
		"record_security_review": opRecordSecurityReview,
	}
}

func opNames() []string {
	names := make([]string, 0, len(ops))
	for n := range ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// staffTarget reads the agency and person of a staff op.
func (e *edit) staffTarget() (a, p int32) {
	a = e.agency("agency")
	p = e.person("person")
	return a, p
}

// add_staff (SPEC §5.1): a new record in the agency's temporary unit; the person is created
// when unknown.
func opAddStaff(e *edit) {
	a := e.agency("agency")
	id := e.id("person")
	start := e.date("start", e.day)
	name, nt := e.text("name", false), e.text("nt_account", false)
	p, known := e.m.personIdx[id]
	if e.ok() && !known && (name == "" || nt == "") {
		key := "name"
		if name != "" {
			key = "nt_account"
		}
		e.failAt(key, CodeInvalidValue, "%q is a new person: give their name and NT account", id)
	}
	if e.ok() && !known {
		if q := e.m.personByLogin(nt); q >= 0 {
			e.failAt("nt_account", CodeDuplicateID, "the NT login %q is already %s's: a login names one person", nt, e.m.personName(q))
		}
	}
	e.coordinator(a)
	if !e.ok() {
		return
	}
	if known {
		for _, rr := range e.m.people[p].records {
			if rr.agency == a {
				e.failAt("person", CodeAlreadyStaff, "%s already has a staff record in %s: reinstate or move them instead", e.m.personName(p), e.m.agencyName(a))
				return
			}
		}
		if !e.free(p, a) {
			return
		}
	}
	tmp := e.m.temporaryUnit(a)
	if tmp < 0 {
		e.failAt("agency", CodeNoTemporaryUnit, "%s has no temporary unit for new staff: create one first", e.m.agencyName(a))
		return
	}
	if !known {
		e.set("people.-1", jsonText(map[string]string{"id": id, "name": name, "nt_account": nt, "person_id": "active"}))
	}
	e.set(agencyPath(a)+".staff.-1", rawJSON(`{"person": `+string(jsonText(id))+`, "unit": `+string(jsonText(e.m.units[tmp].src.ID))+
		`, "start": "`+start.String()+`", "end": null, "functions": [], "reports_to": [], "out_assignments": []}`))
}

// move_staff (SPEC §5.1): a transfer within the agency.
func opMoveStaff(e *edit) {
	a, p := e.staffTarget()
	u := e.unit("unit")
	e.coordinator(a)
	r := e.activeStaffRecord(p, a)
	e.sameAgency("unit", u, a)
	if e.ok() {
		e.set(recordPath(a, r)+".unit", e.m.units[u].src.ID)
	}
}

func opAssignFunctions(e *edit) { changeFunctions(e, true) }

func opRemoveFunctions(e *edit) { changeFunctions(e, false) }

// assign_functions / remove_functions (SPEC §5.1): restricted functions are for
// administrators; a function already held (or not held) is no change.
func changeFunctions(e *edit, assign bool) {
	a, p := e.staffTarget()
	fs := e.functions("functions")
	e.coordinator(a)
	for i, f := range fs {
		if e.ok() && e.m.functions[f].src.Restricted && !e.m.people[e.actor].admin {
			e.failAt(index("functions", i), CodeNotAuthorized, "%s is a restricted business function: only a site administrator may assign or remove it", e.m.functions[f].src.Code)
		}
	}
	r := e.activeStaffRecord(p, a)
	if !e.ok() {
		return
	}
	held := slices.Clone(e.m.agencies[a].records[r].functions)
	changed := false
	for _, f := range fs {
		i := slices.Index(held, f)
		switch {
		case assign && i < 0:
			held, changed = append(held, f), true
		case !assign && i >= 0:
			held, changed = slices.Delete(held, i, i+1), true
		}
	}
	if changed {
		codes := make([]string, len(held))
		for i, f := range held {
			codes[i] = e.m.functions[f].src.Code
		}
		e.set(recordPath(a, r)+".functions", jsonText(codes))
	}
}

// add_out_assignment (SPEC §5.1).
func opAddOutAssignment(e *edit) {
	a, p := e.staffTarget()
	u := e.unit("unit")
	start := e.date("start", e.day)
	end := e.date("end", openEnd)
	if e.ok() && end <= start {
		e.failAt("end", CodeInvalidValue, "the out-assignment ends (%s) before it starts (%s); the end is the first day it no longer holds", end, start)
	}
	e.coordinator(a)
	r := e.activeStaffRecord(p, a)
	e.sameAgency("unit", u, a)
	if !e.ok() {
		return
	}
	switch {
	case e.m.agencies[a].records[r].unit == u:
		e.failAt("unit", CodeInvalidValue, "%s is already in-assigned to %s", e.m.personName(p), e.m.unitName(u))
	case e.m.units[u].src.Temporary:
		e.failAt("unit", CodeInvalidValue, "%s is the temporary unit: nobody is out-assigned there", e.m.unitName(u))
	}
	o := `{"unit": ` + string(jsonText(e.m.units[u].src.ID)) + `, "start": "` + start.String() + `", "end": `
	if end == openEnd {
		o += "null}"
	} else {
		o += `"` + end.String() + `"}`
	}
	e.set(recordPath(a, r)+".out_assignments.-1", rawJSON(o))
}

// end_out_assignment (SPEC §5.1): ends the worker's out-assignment to the unit that has not
// ended yet (default: as_of).
func opEndOutAssignment(e *edit) {
	a, p := e.staffTarget()
	u := e.unit("unit")
	end := e.date("end", e.day)
	e.coordinator(a)
	r := e.activeStaffRecord(p, a)
	if !e.ok() {
		return
	}
	for i, o := range e.m.agencies[a].records[r].outs {
		if o.unit == u && o.end > e.day {
			if end <= o.start {
				e.failAt("end", CodeInvalidValue, "the out-assignment starts on %s; it cannot end on %s", o.start, end)
				return
			}
			e.set(recordPath(a, r)+".out_assignments."+strconv.Itoa(i)+".end", end.String())
			return
		}
	}
	e.failAt("unit", CodeNotApplicable, "%s has no running out-assignment to %s", e.m.personName(p), e.m.unitName(u))
}

// set_reports_to (SPEC §5.1): managers need a record in the agency; a loop is a cycle.
func opSetReportsTo(e *edit) {
	a, p := e.staffTarget()
	managers, _ := e.people("managers", true)
	e.coordinator(a)
	r := e.activeStaffRecord(p, a)
	for i, mgr := range managers {
		if !e.ok() {
			return
		}
		if e.m.readRecord(mgr, a, e.day) < 0 {
			e.failAt(index("managers", i), CodeInvalidValue, "%s has no staff record in %s, so nobody there reports to them", e.m.personName(mgr), e.m.agencyName(a))
		}
		if mgr == p || e.ok() && e.m.reportsToAbove(p, mgr, a, e.day) {
			e.failAt(index("managers", i), CodeCycle, "%s reports (through the reports-to tree) to %s already: the tree would loop", e.m.personName(mgr), e.m.personName(p))
		}
	}
	e.reloadPath = "managers"
	e.set(recordPath(a, r)+".reports_to", jsonText(e.m.idsOf(managers)))
}

// end_date_staff (SPEC §5.1): the record ends (default as_of), and its out-assignments with it.
func opEndDateStaff(e *edit) {
	a, p := e.staffTarget()
	end := e.date("end", e.day)
	e.coordinator(a)
	r := e.activeStaffRecord(p, a)
	if !e.ok() {
		return
	}
	rec := &e.m.agencies[a].records[r]
	if end <= rec.start {
		e.failAt("end", CodeInvalidValue, "the record starts on %s; it cannot end on %s", rec.start, end)
		return
	}
	// a primary coordinator's end leaves the agency without one from the end day on (today,
	// for an end in the past), unless another primary is active that day
	if on := max(end, e.day); e.m.agencies[a].coordinator[p] == "primary" && !e.m.otherActivePrimary(a, p, on) {
		e.failAt("person", CodeLastCoordinator, "%s is the only active primary coordinator of %s on %s: establish another primary coordinator first", e.m.personName(p), e.m.agencyName(a), on)
		return
	}
	path := recordPath(a, r)
	e.set(path+".end", end.String())
	// running out-assignments end with the record; one that would only start on or after the
	// record's end never takes effect, so it is cancelled (an end on or before its start
	// would not be a valid out-assignment)
	var cancel []string
	for i, o := range rec.outs {
		at := path + ".out_assignments." + strconv.Itoa(i)
		switch {
		case o.start >= end:
			cancel = append(cancel, at)
		case o.end > end:
			e.set(at+".end", end.String())
		}
	}
	e.deleteAll(cancel)
}

// otherActivePrimary: agency a has an active primary coordinator other than p on d.
func (m *Model) otherActivePrimary(a, p int32, d Date) bool {
	for q, role := range m.agencies[a].coordinator {
		if q != p && role == "primary" && m.people[q].active && m.activeRecord(q, a, d) >= 0 {
			return true
		}
	}
	return false
}

// reinstate_staff (SPEC §5.1): the latest record that started on or before as_of, ended on
// or before it, opens again in its old unit (the temporary unit if that one is gone).
func opReinstateStaff(e *edit) {
	a, p := e.staffTarget()
	e.coordinator(a)
	if !e.ok() {
		return
	}
	r := e.m.latestStartedRecord(p, a, e.day)
	if r < 0 {
		e.failAt("person", CodeNotApplicable, "%s has no staff record in %s to reinstate", e.m.personName(p), e.m.agencyName(a))
		return
	}
	rec := &e.m.agencies[a].records[r]
	if rec.end > e.day {
		e.failAt("person", CodeNotApplicable, "%s's record in %s has not ended (it runs until %s): there is nothing to reinstate", e.m.personName(p), e.m.agencyName(a), endWords(rec.end))
		return
	}
	if !e.free(p, a) {
		return
	}
	path := recordPath(a, r)
	if rec.unit < 0 {
		tmp := e.m.temporaryUnit(a)
		if tmp < 0 {
			e.failAt("agency", CodeNoTemporaryUnit, "the old unit of %s is gone and %s has no temporary unit to put them in", e.m.personName(p), e.m.agencyName(a))
			return
		}
		e.set(path+".unit", e.m.units[tmp].src.ID)
	}
	e.set(path+".end", nil)
}

func endWords(d Date) string {
	if d == openEnd {
		return "no end"
	}
	return d.String()
}

// latestStartedRecord is p's latest record in a that started on or before d, or -1.
func (m *Model) latestStartedRecord(p, a int32, d Date) int32 {
	best := int32(-1)
	var bestStart Date = -1
	for _, rr := range m.people[p].records {
		rec := &m.agencies[rr.agency].records[rr.rec]
		if rr.agency == a && rec.start <= d && rec.start > bestStart {
			best, bestStart = rr.rec, rec.start
		}
	}
	return best
}

// set_person_id (SPEC §5.1): administrators; a coordinator of an agency where the person has a
// record may disable or delete it once no record is active anywhere.
func opSetPersonID(e *edit) {
	p := e.person("person")
	status := e.text("status", true)
	if e.ok() && status != "active" && status != "disabled" && status != "deleted" {
		e.failAt("status", CodeInvalidValue, "%q is not a Person ID status: active, disabled or deleted", status)
	}
	if !e.activeActor() {
		return
	}
	if !e.m.people[e.actor].admin {
		allowed := false
		var last int32 = -1
		for _, rr := range e.m.people[p].records {
			last = rr.agency
			allowed = allowed || (status != "active" && e.isCoordinator(rr.agency))
		}
		if !allowed {
			switch {
			case status == "active":
				e.failAt("", CodeNotAuthorized, "%s is not a site administrator; only administrators reactivate a Person ID", e.m.people[e.actor].src.ID)
			case last >= 0:
				e.notCoordinator(last, " (nor of any agency where "+e.m.people[p].src.ID+" has a record)")
			default:
				e.failAt("", CodeNotAuthorized, "%s has no staff record anywhere, so only a site administrator may change their Person ID", e.m.personName(p))
			}
			return
		}
	}
	if status != "active" && e.m.activeAnywhere(p, e.day) {
		e.failAt("person", CodeStaffStillActive, "%s still has an active staff record: end-date it first, then disable the Person ID", e.m.personName(p))
		return
	}
	e.set("people."+strconv.Itoa(int(p))+".person_id", status)
}

// free: person p may take up a record in agency a (add_staff, reinstate_staff, SPEC §5.1):
// not active staff of another agency (active_elsewhere), and their Person ID is active
// (person_id_inactive).
func (e *edit) free(p, a int32) bool {
	if other := e.m.activeElsewhere(p, a, e.day); other >= 0 {
		e.failAt("person", CodeActiveElsewhere, "%s is active staff of %s: that agency's coordinator end-dates them first", e.m.personName(p), e.m.agencyName(other))
		return false
	}
	if !e.m.people[p].active {
		e.failAt("person", CodePersonIDInactive, "the Person ID of %s is %s: an administrator reactivates it first", e.m.personName(p), e.m.people[p].src.Status)
		return false
	}
	return true
}

// personByLogin is the person whose NT login is nt (compared without regard to case), or -1.
func (m *Model) personByLogin(nt string) int32 {
	for i := range m.people {
		if strings.EqualFold(m.people[i].src.NTAccount, nt) {
			return int32(i)
		}
	}
	return -1
}
