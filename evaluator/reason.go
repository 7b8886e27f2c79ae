package evaluator

import (
	"fmt"
	"strings"
)

// Reason is one step of a decision, worded for a security coordinator (SPEC §4.1).
// Kind says what sort of step it is:
//   - person_id_inactive, administrator, no_active_staff_record: steps 2–4 of §4.1;
//   - section: which section governs the page and the inheritance hop that chose it;
//   - entry: an entry that applies, with the principal, the role and how the person is a member;
//   - deny: the denied entry overrides everything else;
//   - creator: the creator's implicit full access (§4.4);
//   - no_entry: no entry of the section applies to the person;
//   - owner_page: manage_security decided on the page that owns the section (§4.1 step 8);
//   - create: whether the applying entries carry the create right asked for;
//   - fixed_rule: the performance report rule (§4.6);
//   - function, no_function: business functions and their security attributes (§4.5).
type Reason struct {
	Kind      string   `json:"kind"`
	Message   string   `json:"message"`
	Page      string   `json:"page,omitempty"`
	Section   string   `json:"section,omitempty"`
	Principal string   `json:"principal,omitempty"`
	Role      string   `json:"role,omitempty"`
	Via       []string `json:"via,omitempty"`
}

// explainer collects reasons; a nil explainer collects nothing and costs nothing.
type explainer struct {
	m       *Model
	reasons []Reason
}

func (ex *explainer) add(r Reason) { ex.reasons = append(ex.reasons, r) }

func (m *Model) personName(p int32) string {
	src := m.people[p].src
	if src.Name == "" {
		return src.ID
	}
	return src.Name + " (" + src.ID + ")"
}

func (m *Model) pageName(x int32) string {
	P := &m.pages[x]
	if P.src.Title == "" {
		return fmt.Sprintf("%s page %s", P.kind.label(), P.src.ID)
	}
	return fmt.Sprintf("%s page “%s” (%s)", P.kind.label(), P.src.Title, P.src.ID)
}

func (m *Model) unitName(u int32) string {
	src := m.units[u].src
	if src.Name == "" {
		return src.ID
	}
	return src.Name + " (" + src.ID + ")"
}

func (m *Model) agencyName(a int32) string {
	src := m.agencies[a].src
	if src.Name == "" {
		return src.ID
	}
	return src.Name + " (" + src.ID + ")"
}

// sectionName is "security" or the default kind, as SPEC §7 names sections.
func sectionName(k kind) string {
	if k == kindInvalid {
		return "security"
	}
	return k.String()
}

func (m *Model) sectionLabel(owner int32, k kind) string {
	if k == kindInvalid {
		return "the security of the " + m.pageName(owner)
	}
	return fmt.Sprintf("the default section for %ss (%s) of the %s", k.label(), k, m.pageName(owner))
}

func (ex *explainer) personInactive(p int32) {
	if ex == nil {
		return
	}
	ex.add(Reason{Kind: "person_id_inactive", Message: fmt.Sprintf("%s's Person ID is %s, so they have no access at all, whatever any entry says",
		ex.m.personName(p), ex.m.people[p].src.Status)})
}

func (ex *explainer) administrator(p int32) {
	if ex == nil {
		return
	}
	ex.add(Reason{Kind: "administrator", Message: fmt.Sprintf("%s is a site administrator: every action is allowed, whatever any entry says", ex.m.personName(p))})
}

func (ex *explainer) noStaffRecord(p int32, d Date) {
	if ex == nil {
		return
	}
	ex.add(Reason{Kind: "no_active_staff_record", Message: fmt.Sprintf("%s has no staff record active on %s in any agency, so they have no access", ex.m.personName(p), d)})
}

// section explains which section governs page x, hop by hop (SPEC §3).
func (ex *explainer) section(x int32) {
	if ex == nil {
		return
	}
	m := ex.m
	P := &m.pages[x]
	var hops []string
	for y := x; ; {
		Y := &m.pages[y]
		if Y.kind.ownSecurity() {
			if y == x {
				hops = append(hops, fmt.Sprintf("the %s has security of its own", m.pageName(y)))
			}
			break
		}
		if Y.kind == kindItem {
			hops = append(hops, fmt.Sprintf("%s is an item, so it follows the page it is on, %s", Y.src.ID, m.pageName(Y.parent)))
			y = Y.parent
			continue
		}
		s := m.nearestOwnSecurity(Y.parent)
		if m.defaultsOf(s, Y.kind) != nil {
			hops = append(hops, fmt.Sprintf("%s is %s, which has no security of its own: it is governed by %s", Y.src.ID, article(Y.kind.label()), m.sectionLabel(s, Y.kind)))
			break
		}
		hops = append(hops, fmt.Sprintf("%s is %s, which has no security of its own, and the %s has no default section for %ss, so it follows its parent %s",
			Y.src.ID, article(Y.kind.label()), m.pageName(s), Y.kind.label(), m.pages[Y.parent].src.ID))
		y = Y.parent
	}
	ex.add(Reason{Kind: "section", Page: m.pages[P.secOwner].src.ID, Section: sectionName(P.secKind),
		Message: strings.Join(hops, "; ") + "."})
}

func (ex *explainer) entry(e *entryC, p, x int32, d Date) {
	if ex == nil {
		return
	}
	m := ex.m
	P := &m.pages[x]
	how, via := m.membership(e, p, x, d)
	verb := "gives"
	if e.role == roleDenied {
		verb = "denies"
	}
	role := e.role.String()
	msg := fmt.Sprintf("the entry %s (%s) in %s %s %s: %s", e.text.principal, role, m.sectionLabel(P.secOwner, P.secKind), verb, m.personName(p), how)
	if e.role == roleDenied {
		msg = fmt.Sprintf("the entry %s (denied) in %s applies to %s: %s", e.text.principal, m.sectionLabel(P.secOwner, P.secKind), m.personName(p), how)
	} else if e.role == roleNotSet {
		msg = fmt.Sprintf("the entry %s (not set) in %s applies to %s but adds no level: %s", e.text.principal, m.sectionLabel(P.secOwner, P.secKind), m.personName(p), how)
	}
	if len(e.text.create) > 0 {
		msg += "; it lets them create " + strings.Join(e.text.create, ", ")
	}
	ex.add(Reason{Kind: "entry", Page: m.pages[P.secOwner].src.ID, Section: sectionName(P.secKind),
		Principal: e.text.principal, Role: role, Via: via, Message: msg})
}

// membership says how p belongs to an entry's principal on page x.
func (m *Model) membership(e *entryC, p, x int32, d Date) (string, []string) {
	P := &m.pages[x]
	a := P.agency
	switch e.principal {
	case pEveryone:
		return fmt.Sprintf("they are active staff of %s", m.agencyName(a)), nil
	case pOrgEditor:
		return fmt.Sprintf("they are an organization editor of %s", m.agencyName(a)), nil
	case pOrgLeader:
		return fmt.Sprintf("they are an organization leader of %s", m.agencyName(a)), nil
	case pDeptMember, pDeptEditor, pDeptLeader, pUnit:
		u := P.deptUnit
		if e.principal == pUnit {
			u = e.ref
		}
		_, out := m.memberOfUnit(p, u, d)
		how := "in-assigned to " + m.unitName(u)
		if out {
			how = "out-assigned to " + m.unitName(u) + m.outUntil(p, u, d)
		}
		switch e.principal {
		case pDeptEditor:
			how = "a department editor of " + m.unitName(u) + " and " + how
		case pDeptLeader:
			how = "a department leader of " + m.unitName(u) + " and " + how
		}
		if e.principal != pUnit && u >= 0 && m.units[u].deptPage >= 0 {
			how += ", the unit of the department page " + m.pages[m.units[u].deptPage].src.ID
		}
		return "they are " + how, nil
	case pMetricOwner:
		return "they own the metric " + m.pageName(P.metric), nil
	case pPersonResponsible:
		return "they are responsible for the task " + m.pageName(P.task), nil
	case pGivenIndividual:
		return "the page is about them (" + m.pageName(P.individual) + ")", nil
	case pReportsTo, pReportsToAbove:
		g := m.pages[P.individual].person
		chain := m.reportsChain(p, g, a, d)
		ids := make([]string, len(chain))
		for i, c := range chain {
			ids[i] = m.people[c].src.ID
		}
		return fmt.Sprintf("%s: %s", e.text.principal, strings.Join(ids, " → ")), ids
	case pProjectSponsor, pProjectLeader, pProjectMember, pProjectConsultant:
		return fmt.Sprintf("they are a project %s of %s", projectRoleNames[e.principal-pProjectSponsor], m.pageName(P.project)), nil
	case pUser:
		return "the entry names them", nil
	case pGroup:
		return fmt.Sprintf("they are a member of the group %s (%s)", m.groups[e.ref].src.Name, m.groups[e.ref].src.ID), nil
	case pFunction:
		f := m.functions[e.ref].src
		return fmt.Sprintf("they hold the business function %s (%s) in %s", f.Code, f.Name, m.agencyName(a)), nil
	}
	return "", nil
}

func (m *Model) outUntil(p, u int32, d Date) string {
	a := m.units[u].agency
	r := m.activeRecord(p, a, d)
	if r < 0 {
		return ""
	}
	for _, o := range m.agencies[a].records[r].outs {
		if o.unit == u && activeOn(o.start, o.end, d) && o.end != openEnd {
			return " until " + o.end.String()
		}
	}
	return ""
}

func (ex *explainer) denied(x int32) {
	if ex == nil {
		return
	}
	ex.add(Reason{Kind: "deny", Page: ex.m.pages[ex.m.pages[x].secOwner].src.ID, Section: sectionName(ex.m.pages[x].secKind),
		Message: "a denied entry overrides every other entry and the creator's access: no access to the " + ex.m.pageName(x)})
}

func (ex *explainer) creator(p, x int32) {
	if ex == nil {
		return
	}
	m := ex.m
	P := &m.pages[x]
	what := "they created the " + m.pageName(x)
	if P.src.CreatedBy != m.people[p].src.ID {
		what = "they created the page this item is on"
	}
	ex.add(Reason{Kind: "creator", Page: P.src.ID, Message: fmt.Sprintf("%s has full access as its creator: %s and are active staff of %s", m.personName(p), what, m.agencyName(P.agency))})
}

func (ex *explainer) noEntry(p, x int32) {
	if ex == nil {
		return
	}
	m := ex.m
	P := &m.pages[x]
	ex.add(Reason{Kind: "no_entry", Page: m.pages[P.secOwner].src.ID, Section: sectionName(P.secKind),
		Message: fmt.Sprintf("no entry of %s applies to %s", m.sectionLabel(P.secOwner, P.secKind), m.personName(p))})
}

func (ex *explainer) ownerPage(x, owner int32) {
	if ex == nil {
		return
	}
	m := ex.m
	ex.add(Reason{Kind: "owner_page", Page: m.pages[owner].src.ID,
		Message: fmt.Sprintf("%s has no security of its own: managing the security that governs it is a right over the %s, so it needs full access there", m.pages[x].src.ID, m.pageName(owner))})
}

func (ex *explainer) createRight(k kind, ok bool) {
	if ex == nil {
		return
	}
	msg := fmt.Sprintf("an entry that applies lets them create %ss (%s)", k.label(), k)
	if !ok {
		msg = fmt.Sprintf("no entry that applies lets them create %ss (%s); create rights come only from entries, not from the role or from being the creator", k.label(), k)
	}
	ex.add(Reason{Kind: "create", Message: msg})
}

func (ex *explainer) performanceReport(q query, reads bool) {
	if ex == nil {
		return
	}
	m := ex.m
	P := &m.pages[q.ref]
	who := "nobody"
	if P.individual >= 0 {
		who = m.personName(m.pages[P.individual].person)
	}
	msg := fmt.Sprintf("performance reports follow a fixed rule: only %s and the people they report to, up to the top, may read it; nobody may do anything else, whatever the entries say", who)
	r := Reason{Kind: "fixed_rule", Message: msg}
	if reads && P.individual >= 0 && m.pages[P.individual].person != q.person {
		chain := m.reportsChain(q.person, m.pages[P.individual].person, P.agency, q.day)
		for _, c := range chain {
			r.Via = append(r.Via, m.people[c].src.ID)
		}
		r.Message += "; reports_to_above: " + strings.Join(r.Via, " → ")
	}
	ex.add(r)
}

func (ex *explainer) function(q query, a int32, rec *recordC, f int32, at *attrC) {
	if ex == nil {
		return
	}
	m := ex.m
	fn := m.functions[f].src
	ex.add(Reason{Kind: "function", Message: fmt.Sprintf("%s holds the business function %s (%s) on their record in %s; its security attribute %q grants %s with %s scope, which covers %s",
		m.personName(q.person), fn.Code, fn.Name, m.agencyName(a), at.src.Name, q.capName, at.src.Scope, m.scopeCoverage(at.scope, a, rec, q))})
}

func (m *Model) scopeCoverage(s scope, a int32, rec *recordC, q query) string {
	switch s {
	case scopeSystem:
		return "everything"
	case scopeSelf:
		return "themselves"
	case scopeAgency:
		return "all of " + m.agencyName(a)
	}
	switch q.target {
	case targetUnit:
		return "their unit " + m.unitName(q.ref)
	case targetPerson:
		r := m.activeRecord(q.ref, a, q.day)
		return fmt.Sprintf("%s, in-assigned to their unit %s", m.personName(q.ref), m.unitName(m.agencies[a].records[r].unit))
	}
	return ""
}

func (ex *explainer) noCapability(q query) {
	if ex == nil {
		return
	}
	m := ex.m
	ex.add(Reason{Kind: "no_function", Message: fmt.Sprintf("no business function on %s's active staff records has a security attribute granting %s with a scope that covers %s",
		m.personName(q.person), q.capName, m.targetName(q))})
}

func (m *Model) targetName(q query) string {
	switch q.target {
	case targetAgency:
		return m.agencyName(q.ref)
	case targetUnit:
		return "the unit " + m.unitName(q.ref)
	case targetPerson:
		return m.personName(q.ref)
	}
	return m.pageName(q.ref)
}
