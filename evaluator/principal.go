package evaluator

import "strings"

// principalKind is one of the principal forms of SPEC §4.2.
type principalKind uint8

const (
	pInvalid principalKind = iota
	pEveryone
	pOrgEditor
	pOrgLeader
	pDeptMember
	pDeptEditor
	pDeptLeader
	pMetricOwner
	pPersonResponsible
	pGivenIndividual
	pReportsTo
	pReportsToAbove
	pProjectSponsor
	pProjectLeader
	pProjectMember
	pProjectConsultant
	pUser
	pGroup
	pUnit
	pFunction
)

var principalByName = map[string]principalKind{
	"everyone": pEveryone, "org_editor": pOrgEditor, "org_leader": pOrgLeader,
	"dept_member": pDeptMember, "dept_editor": pDeptEditor, "dept_leader": pDeptLeader,
	"metric_owner": pMetricOwner, "person_responsible": pPersonResponsible,
	"given_individual": pGivenIndividual, "reports_to": pReportsTo, "reports_to_above": pReportsToAbove,
	"project_sponsor": pProjectSponsor, "project_leader": pProjectLeader,
	"project_member": pProjectMember, "project_consultant": pProjectConsultant,
}

// principalLabels word each form for a coordinator.
var principalLabels = map[principalKind]string{
	pEveryone: "Everyone (active staff of the agency)", pOrgEditor: "Organization Editor", pOrgLeader: "Organization Leader",
	pDeptMember: "Department Member", pDeptEditor: "Department Editor", pDeptLeader: "Department Leader",
	pMetricOwner: "Metric Owner", pPersonResponsible: "Person Responsible", pGivenIndividual: "Given Individual",
	pReportsTo: "Reports To", pReportsToAbove: "Reports To and above",
	pProjectSponsor: "Project Sponsor", pProjectLeader: "Project Leader", pProjectMember: "Project Member",
	pProjectConsultant: "Project Consultant",
}

// splitPrincipal reads "user:p-1" style principals; plain names have no prefix.
func splitPrincipal(s string) (principalKind, string) {
	if k, ok := principalByName[s]; ok {
		return k, ""
	}
	prefix, rest, ok := strings.Cut(s, ":")
	if !ok || rest == "" { // "user:" names no one
		return pInvalid, ""
	}
	switch prefix {
	case "user":
		return pUser, rest
	case "group":
		return pGroup, rest
	case "unit":
		return pUnit, rest
	case "function":
		return pFunction, rest
	}
	return pInvalid, ""
}

// needsAgencyMembership: these forms match only active staff of the page's agency (SPEC §4.2).
func (k principalKind) needsAgencyMembership() bool {
	switch k {
	case pEveryone, pOrgEditor, pOrgLeader, pDeptMember, pDeptEditor, pDeptLeader, pUnit, pFunction:
		return true
	}
	return false
}

// activeRecord is p's staff record in agency a active on day d, or -1.
func (m *Model) activeRecord(p, a int32, d Date) int32 {
	for _, r := range m.people[p].records {
		if r.agency == a && activeOn(r.start, r.end, d) {
			return r.rec
		}
	}
	return -1
}

// readRecord is p's record in agency a as SPEC §4.2 reads reports-to: the one active on d,
// else the latest one that started on or before d; -1 when there is none.
func (m *Model) readRecord(p, a int32, d Date) int32 {
	best := int32(-1)
	var bestStart Date = -1
	for _, r := range m.people[p].records {
		if r.agency != a {
			continue
		}
		if activeOn(r.start, r.end, d) {
			return r.rec
		}
		if r.start <= d && r.start > bestStart {
			best, bestStart = r.rec, r.start
		}
	}
	return best
}

// activeAnywhere reports whether p has a staff record active on d in any agency (§4.1 step 4).
func (m *Model) activeAnywhere(p int32, d Date) bool {
	for _, r := range m.people[p].records {
		if activeOn(r.start, r.end, d) {
			return true
		}
	}
	return m.activeInRecordsElsewhere(p, d)
}

// memberOfUnit reports whether p is an active member of unit u on d: in-assigned on an active
// record, or out-assigned there by an out-assignment active on d of an active record (§4.2,
// §4.3). The second result says which.
func (m *Model) memberOfUnit(p, u int32, d Date) (bool, bool) {
	return m.memberOfUnitRec(m.activeRecord(p, m.units[u].agency, d), u, d)
}

// memberOfUnitRec is memberOfUnit given r, the person's record in the unit's agency active on
// d (-1: none).
func (m *Model) memberOfUnitRec(r, u int32, d Date) (bool, bool) {
	if r < 0 {
		return false, false
	}
	rec := &m.agencies[m.units[u].agency].records[r]
	if rec.unit == u {
		return true, false
	}
	for _, o := range rec.outs {
		if o.unit == u && activeOn(o.start, o.end, d) {
			return true, true
		}
	}
	return false, false
}

// holdsFunction reports whether p's active record in agency a on d holds function f.
func (m *Model) holdsFunction(p, a, f int32, d Date) bool {
	return m.holdsFunctionRec(m.activeRecord(p, a, d), a, f)
}

// holdsFunctionRec is holdsFunction given r, p's record in agency a active on d (-1: none).
func (m *Model) holdsFunctionRec(r, a, f int32) bool {
	if r < 0 {
		return false
	}
	for _, g := range m.agencies[a].records[r].functions {
		if g == f {
			return true
		}
	}
	return false
}

// managersOf lists the reports_to of person g as read in agency a on day d.
func (m *Model) managersOf(g, a int32, d Date) []int32 {
	r := m.readRecord(g, a, d)
	if r < 0 {
		return nil
	}
	return m.agencies[a].records[r].reportsTo
}

// reportsToAbove reports whether p is among the managers of g, their managers and so on to the
// top (SPEC §4.2). It does not allocate for chains up to 64 people.
func (m *Model) reportsToAbove(p, g, a int32, d Date) bool {
	if d == m.aboveDay { // the day the people above g were listed on their record
		r := m.readRecord(g, a, d)
		if r < 0 {
			return false
		}
		if rec := &m.agencies[a].records[r]; rec.aboveOK {
			return has(rec.above, p)
		}
	}
	var seenBuf [64]int32
	var stackBuf [64]int32
	seen := seenBuf[:0]
	stack := append(stackBuf[:0], g)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, mgr := range m.managersOf(x, a, d) {
			if mgr == p {
				return true
			}
			if !containsID(seen, mgr) {
				seen = append(seen, mgr)
				stack = append(stack, mgr)
			}
		}
	}
	return false
}

// compileReportsAbove lists, on each record reports-to reads on the snapshot's day, everyone
// above its person on that day (reportsToAbove). Reports-to has no loop that day (the loader
// refused it otherwise); should one be met all the same, the records on it keep no list and
// reportsToAbove walks the tree.
func (c *compiler) compileReportsAbove() {
	c.m.aboveDay = c.m.snap.AsOf
	for ai := range c.m.agencies {
		c.compileReportsAboveIn(int32(ai))
	}
}

// compileReportsAboveIn is compileReportsAbove for the records of agency a0.
func (c *compiler) compileReportsAboveIn(a0 int32) {
	m := c.m
	d := m.snap.AsOf
	state := make([][]uint8, len(m.agencies)) // 0 todo, 1 doing, 2 done, 3 failed
	var above func(a, r int32) bool
	above = func(a, r int32) bool {
		switch state[a][r] {
		case 1, 3:
			state[a][r] = 3
			return false
		case 2:
			return true
		}
		state[a][r] = 1
		rec := &m.agencies[a].records[r]
		var list []int32
		for _, mgr := range rec.reportsTo {
			list = append(list, mgr)
			if mr := m.readRecord(mgr, a, d); mr >= 0 {
				if !above(a, mr) {
					state[a][r] = 3
					return false
				}
				list = append(list, m.agencies[a].records[mr].above...)
			}
		}
		if state[a][r] == 3 {
			return false
		}
		if list == nil {
			list = []int32{}
		}
		rec.above, rec.aboveOK = sortedIDs(list), true
		state[a][r] = 2
		return true
	}
	state[a0] = make([]uint8, len(m.agencies[a0].records))
	for ri := range m.agencies[a0].records {
		rec := &m.agencies[a0].records[ri]
		if rec.person >= 0 && m.readRecord(rec.person, a0, d) == int32(ri) {
			above(a0, int32(ri))
		}
	}
}

// reportsChain is the path from g up to p through reports-to, for reasons
// ("p-1001 → p-5 → p-9"); nil when p is not above g.
func (m *Model) reportsChain(p, g, a int32, d Date) []int32 {
	prev := map[int32]int32{g: -1}
	queue := []int32{g}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for _, mgr := range m.managersOf(x, a, d) {
			if _, ok := prev[mgr]; ok {
				continue
			}
			prev[mgr] = x
			if mgr == p {
				var path []int32
				for y := p; y != -1; y = prev[y] {
					path = append(path, y)
				}
				for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				return path
			}
			queue = append(queue, mgr)
		}
	}
	return nil
}

func containsID(list []int32, x int32) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// matches reports whether entry e's principal includes person p, in the context of page pg on
// day d (SPEC §4.2). The caller has already passed steps 2–4 of §4.1 for p.
func (m *Model) matches(e *entryC, p, pg int32, d Date) bool {
	return m.matchesRec(e, p, pg, d, m.activeRecord(p, m.pages[pg].agency, d))
}

// matchesRec is matches given rec, p's staff record in the page's agency active on d (-1:
// none), which the entries of a section ask for again and again.
func (m *Model) matchesRec(e *entryC, p, pg int32, d Date, rec int32) bool {
	return m.matchesHot(e.principal, e.ref, p, pg, m.pages[pg].agency, d, rec)
}

// matchesHot is matchesRec for an entry's principal and ref, a being the page's agency. It
// reads the page's context only for the relative principals.
func (m *Model) matchesHot(principal principalKind, ref, p, pg, a int32, d Date, rec int32) bool {
	if rec < 0 && principal.needsAgencyMembership() {
		return false
	}
	switch principal {
	case pEveryone:
		return true
	case pOrgEditor:
		return has(m.agencies[a].orgEditors, p)
	case pOrgLeader:
		return has(m.agencies[a].orgLeaders, p)
	case pDeptMember, pDeptEditor, pDeptLeader:
		u := m.pages[pg].deptUnit
		if u < 0 {
			return false
		}
		if ok, _ := m.memberOfUnitAt(p, u, d, a, rec); !ok {
			return false
		}
		switch principal {
		case pDeptEditor:
			return has(m.units[u].editors, p)
		case pDeptLeader:
			return has(m.units[u].leaders, p)
		}
		return true
	case pMetricOwner:
		P := &m.pages[pg]
		return P.metric >= 0 && has(m.pages[P.metric].owners(), p)
	case pPersonResponsible:
		P := &m.pages[pg]
		return P.task >= 0 && has(m.pages[P.task].responsible(), p)
	case pGivenIndividual:
		P := &m.pages[pg]
		return P.individual >= 0 && m.pages[P.individual].person == p
	case pReportsTo:
		P := &m.pages[pg]
		if P.individual < 0 {
			return false
		}
		return containsID(m.managersOf(m.pages[P.individual].person, a, d), p)
	case pReportsToAbove:
		P := &m.pages[pg]
		return P.individual >= 0 && m.reportsToAbove(p, m.pages[P.individual].person, a, d)
	case pProjectSponsor, pProjectLeader, pProjectMember, pProjectConsultant:
		P := &m.pages[pg]
		return P.project >= 0 && has(m.pages[P.project].roles[principal-pProjectSponsor], p)
	case pUser:
		return ref == p
	case pGroup:
		return has(m.groups[ref].members, p)
	case pUnit:
		ok, _ := m.memberOfUnitAt(p, ref, d, a, rec)
		return ok
	case pFunction:
		return m.holdsFunctionRec(rec, a, ref)
	}
	return false
}

// memberOfUnitAt is memberOfUnit, given rec, p's record in agency a active on d.
func (m *Model) memberOfUnitAt(p, u int32, d Date, a, rec int32) (bool, bool) {
	if m.units[u].agency == a {
		return m.memberOfUnitRec(rec, u, d)
	}
	return m.memberOfUnit(p, u, d)
}
