package evaluator

import (
	"strings"
)

// Level is a person's access to a page (SPEC §4): none < reader < editor < full; denied is no
// access at all, forced by a denied entry.
type Level string

const (
	LevelNone   Level = "none"
	LevelReader Level = "reader"
	LevelEditor Level = "editor"
	LevelFull   Level = "full"
	LevelDenied Level = "denied"
)

var levelOf = [...]Level{roleNotSet: LevelNone, roleReader: LevelReader, roleEditor: LevelEditor, roleFull: LevelFull, roleDenied: LevelDenied}

// Request asks whether a person may take an action on a resource (SPEC §4, §8).
// Action is read, edit, manage_security, create:<kind> or a capability (case.view …);
// Resource is typed: page:<id>, or agency:, unit:, person: for capabilities.
// AsOf names another day than the snapshot's own.
type Request struct {
	Subject  string `json:"subject"`
	Action   string `json:"action"`
	Resource string `json:"resource"`
	AsOf     string `json:"as_of,omitempty"`
}

// Decision is the answer to a Request, with the reasons a coordinator reads.
// Level is the person's level on the page asked about (page requests only); Create lists the
// kinds they may create there.
type Decision struct {
	Allowed bool     `json:"allowed"`
	Level   Level    `json:"level,omitempty"`
	Create  []string `json:"create,omitempty"`
	Reasons []Reason `json:"reasons"`
}

type actionKind uint8

const (
	actRead actionKind = iota + 1
	actEdit
	actManage
	actCreate
	actCapability
)

type targetKind uint8

const (
	targetPage targetKind = iota + 1
	targetAgency
	targetUnit
	targetPerson
)

// query is a Request resolved against the model.
type query struct {
	person  int32
	action  actionKind
	create  kind
	cap     int32 // capability id; -1 when no function grants it
	capName string
	target  targetKind
	ref     int32
	day     Date
	// brief: the reasons are for a row of who or what, which leaves out the governing
	// section, a missing entry and the create right, so those are not worded at all.
	brief bool
	// memo: the person's remembered memberships, when one person is decided on many pages
	// (What); nil otherwise
	memo *personMemo
}

// resolve checks a request's references (SPEC §4.1 step 1). It does not allocate unless the
// request is in error.
func (m *Model) resolve(r Request) (query, error) {
	q := query{cap: -1}
	d, err := m.day(r.AsOf)
	if err != nil {
		return q, err
	}
	q.day = d
	p, ok := m.personIndex(r.Subject)
	if !ok {
		return q, requestErr(CodeUnknownReference, "no person has the id %q", r.Subject)
	}
	q.person = p
	typ, id, ok := strings.Cut(r.Resource, ":")
	if !ok {
		return q, requestErr(CodeInvalidValue, "the resource %q needs its type: page:<id>, agency:<id>, unit:<id> or person:<id>", r.Resource)
	}
	switch typ {
	case "page":
		var x int32
		x, ok = m.pageIndex(id)
		q.target, q.ref = targetPage, x
	case "agency":
		var x int32
		x, ok = m.agencyIdx[id]
		q.target, q.ref = targetAgency, x
	case "unit":
		var x int32
		x, ok = m.unitIdx[id]
		q.target, q.ref = targetUnit, x
	case "person":
		var x int32
		x, ok = m.personIndex(id)
		q.target, q.ref = targetPerson, x
	default:
		return q, requestErr(CodeInvalidValue, "%q is not a resource type: use page, agency, unit or person", typ)
	}
	if !ok {
		return q, requestErr(CodeUnknownReference, "no %s has the id %q", typ, id)
	}
	switch {
	case r.Action == "read":
		q.action = actRead
	case r.Action == "edit":
		q.action = actEdit
	case r.Action == "manage_security":
		q.action = actManage
	case strings.HasPrefix(r.Action, "create:"):
		q.action = actCreate
		q.create = parseKind(r.Action[len("create:"):])
	case r.Action == "":
		return q, requestErr(CodeInvalidValue, "the action is missing")
	default:
		q.action = actCapability
		q.capName = r.Action
		if c, ok := m.capIdx[r.Action]; ok {
			q.cap = c
		}
	}
	if q.action == actCapability && q.target == targetPage {
		return q, requestErr(CodeInvalidValue, "%q is a capability of a business function; it is asked of an agency, a unit or a person, not of a page (page actions are read, edit, manage_security, create:<kind>)", r.Action)
	}
	if q.action != actCapability && q.target != targetPage {
		return q, requestErr(CodeInvalidValue, "%q is an action on a page; %s is not a page", r.Action, r.Resource)
	}
	if q.action == actCreate {
		pk := m.pages[q.ref].kind
		if q.create == kindInvalid || !kindRules[pk].children.has(q.create) {
			return q, requestErr(CodeInvalidValue, "%s cannot be created under %s page; what can: %s",
				article(r.Action[len("create:"):]), article(pk.String()), strings.Join(kindRules[pk].children.names(), ", "))
		}
	}
	return q, nil
}

// outcome is a decision without its words.
type outcome struct {
	allowed bool
	level   role
	create  kindSet
	// hits: bit i is set when entry i of the page's section applied (pages decided without
	// words, sections of up to 64 entries; hitsOK), so that a row need not match them again
	hits   uint64
	hitsOK bool
}

// Allowed answers a request without reasons; it is the hot path of every check and does not
// allocate. It decides exactly as Check does.
func (m *Model) Allowed(r Request) (bool, error) {
	q, err := m.resolve(r)
	if err != nil {
		return false, err
	}
	return m.decide(q, nil).allowed, nil
}

// Prepared is a Request resolved against a model: its ids looked up and its action read
// once, for a caller that holds the model and asks the same requests again and again (a
// policy enforcement point's hot list, a benchmark). It answers for the model that prepared
// it only.
type Prepared struct {
	m *Model
	q query
}

// Prepare resolves a request for AllowedPrepared; its errors are those of Allowed.
func (m *Model) Prepare(r Request) (Prepared, error) {
	q, err := m.resolve(r)
	if err != nil {
		return Prepared{}, err
	}
	return Prepared{m: m, q: q}, nil
}

// AllowedPrepared answers a prepared request as Allowed answers the request itself, without
// looking its ids up again; it does not allocate. A request prepared on another model (an
// earlier version, say) is an error: prepare it again on this one.
func (m *Model) AllowedPrepared(p Prepared) (bool, error) {
	if p.m != m {
		return false, requestErr(CodeInvalidValue, "the request was prepared on another model; prepare it again on this one")
	}
	return m.decide(p.q, nil).allowed, nil
}

// Check answers a request with the reasons behind the answer (SPEC §4). A request about an
// unknown person, page or target is an error (*RequestError), not a deny.
func (m *Model) Check(r Request) (Decision, error) {
	q, err := m.resolve(r)
	if err != nil {
		return Decision{}, err
	}
	ex := &explainer{m: m}
	o := m.decide(q, ex)
	d := Decision{Allowed: o.allowed, Reasons: ex.reasons}
	if q.target == targetPage {
		d.Level = levelOf[o.level]
		d.Create = o.create.names()
	}
	return d, nil
}

func (m *Model) decide(q query, ex *explainer) outcome {
	p := &m.people[q.person]
	// §4.1 step 2: an inactive Person ID opens nothing, administrators included.
	if !p.active {
		ex.personInactive(q.person)
		return outcome{}
	}
	// step 3: administrators may do everything.
	if p.admin {
		ex.administrator(q.person)
		o := outcome{allowed: true, level: roleFull}
		if q.target == targetPage {
			kd, _, _ := m.pageHead(q.ref)
			o.create = kindRules[kd].children
		}
		return o
	}
	// step 4: no active staff record, no access.
	if !m.activeAnywhere(q.person, q.day) {
		ex.noStaffRecord(q.person, q.day)
		return outcome{}
	}
	if q.action == actCapability {
		return outcome{allowed: m.decideCapability(q, ex)}
	}
	return m.decidePage(q, ex)
}

// decidePage applies steps 5–8 of SPEC §4.1 and the fixed rule of §4.6.
func (m *Model) decidePage(q query, ex *explainer) outcome {
	kd, perf, owner := m.pageHead(q.ref)
	if perf {
		return m.decidePerformanceReport(q, ex)
	}
	if !q.brief {
		ex.section(q.ref)
	}
	lvl, create, hits, hitsOK := m.sectionLevelHits(q.person, q.ref, q.day, ex, q.brief, q.memo)
	o := outcome{level: lvl, hits: hits, hitsOK: hitsOK}
	if lvl != roleDenied {
		o.create = create
	}
	switch q.action {
	case actRead:
		o.allowed = lvl >= roleReader && lvl != roleDenied
	case actEdit:
		o.allowed = lvl >= roleEditor && lvl != roleDenied
	case actManage:
		if kd.ownSecurity() {
			o.allowed = lvl == roleFull
		} else {
			// step 8: a right over the section that governs the page, decided on its owner.
			ex.ownerPage(q.ref, owner)
			olvl, _ := m.sectionLevelOf(q.person, owner, q.day, ex, q.brief, q.memo)
			o.allowed = olvl == roleFull
		}
	case actCreate:
		o.allowed = lvl != roleDenied && create.has(q.create)
		if !q.brief {
			ex.createRight(q.create, o.allowed)
		}
	}
	return o
}

// pageHead is page x's kind, whether the fixed rule of §4.6 governs it, and the page that owns
// its effective section.
func (m *Model) pageHead(x int32) (kind, bool, int32) {
	if len(m.pageHot) == len(m.pages) {
		H := &m.pageHot[x]
		return H.kind, H.perf, H.secOwner
	}
	P := &m.pages[x]
	return P.kind, P.perf, P.secOwner
}

// sectionLevel is p's level on page x from its effective section and the creator rule
// (steps 5–6), with the union of the create lists of the entries that apply (step 7), kept to
// the kinds that may hang under x: a create right for any other kind adds nothing there.
func (m *Model) sectionLevel(p, x int32, d Date, ex *explainer) (role, kindSet) {
	return m.sectionLevelOf(p, x, d, ex, false, nil)
}

// sectionLevelOf is sectionLevel; brief leaves out the words for no entry (query.brief).
// Without words to collect it reads the packed pageHot and stops at the first denied entry,
// which decides the answer whatever else applies; memo, when not nil, is p's on day d.
func (m *Model) sectionLevelOf(p, x int32, d Date, ex *explainer, brief bool, memo *personMemo) (role, kindSet) {
	lvl, create, _, _ := m.sectionLevelHits(p, x, d, ex, brief, memo)
	return lvl, create
}

// sectionLevelHits is sectionLevelOf with the entries that applied, as bits (hits, when
// hitsOK: decided without words, not denied, a section of at most 64 entries).
func (m *Model) sectionLevelHits(p, x int32, d Date, ex *explainer, brief bool, memo *personMemo) (lvl role, create kindSet, hits uint64, hitsOK bool) {
	if ex != nil || len(m.pageHot) != len(m.pages) {
		lvl, create = m.sectionLevelWords(p, x, d, ex, brief)
		return lvl, create, 0, false
	}
	if memo != nil && memo.slots != nil && memo.p == p && memo.d == d {
		return memo.sectionLevelIndexed(x) // the same steps, each entry's answer kept in its slot
	}
	H := &m.pageHot[x]
	a := H.agency
	rec := m.activeRecord(p, a, d) // p's record in the page's agency, asked by many entries
	lvl = roleNotSet
	for i := range H.entries {
		e := &H.entries[i]
		var ok bool
		if memo != nil {
			ok = memo.matches(e.principal, e.ref, x, a, rec)
		} else {
			ok = m.matchesHot(e.principal, e.ref, p, x, a, d, rec)
		}
		if !ok {
			continue
		}
		if e.role == roleDenied {
			return roleDenied, 0, 0, false
		}
		if e.role > lvl {
			lvl = e.role
		}
		if e.withCreate {
			create |= e.text.createSet
		}
		hits |= 1 << (uint(i) & 63)
	}
	if rec >= 0 && containsID(H.creators, p) { // isCreator, with the record found above
		lvl = roleFull
	}
	return lvl, create & kindRules[H.kind].children, hits, len(H.entries) <= 64
}

// sectionLevelWords is sectionLevelOf with the words of each step.
func (m *Model) sectionLevelWords(p, x int32, d Date, ex *explainer, brief bool) (role, kindSet) {
	P := &m.pages[x]
	lvl := roleNotSet
	var create kindSet
	denied := false
	rec := m.activeRecord(p, P.agency, d) // p's record in the page's agency, asked by many entries
	for i := range P.sec.entries {
		e := &P.sec.entries[i]
		if !m.matchesRec(e, p, x, d, rec) {
			continue
		}
		ex.entry(e, p, x, d)
		if e.role == roleDenied {
			denied = true
			continue
		}
		if e.role > lvl {
			lvl = e.role
		}
		if e.withCreate {
			create |= e.text.createSet
		}
	}
	if denied {
		ex.denied(x)
		return roleDenied, 0
	}
	if rec >= 0 && containsID(P.creators, p) { // isCreator, with the record found above
		ex.creator(p, x)
		lvl = roleFull
	}
	if lvl == roleNotSet && create == 0 && !brief {
		ex.noEntry(p, x)
	}
	return lvl, create & kindRules[P.kind].children
}

// isCreator: the creator of a page, or of the page an item hangs under, has full access while
// they are active staff of the page's agency (SPEC §4.4).
func (m *Model) isCreator(p, x int32, d Date) bool {
	P := &m.pages[x]
	return containsID(P.creators, p) && m.activeRecord(p, P.agency, d) >= 0
}

// decidePerformanceReport is the fixed rule of SPEC §4.6.
func (m *Model) decidePerformanceReport(q query, ex *explainer) outcome {
	P := &m.pages[q.ref]
	o := outcome{}
	if P.individual >= 0 {
		g := m.pages[P.individual].person
		if g == q.person || m.reportsToAbove(q.person, g, P.agency, q.day) {
			o.level = roleReader
		}
	}
	o.allowed = q.action == actRead && o.level == roleReader
	ex.performanceReport(q, o.level == roleReader)
	return o
}

// decideCapability applies SPEC §4.5 after steps 1–4.
func (m *Model) decideCapability(q query, ex *explainer) bool {
	if q.cap < 0 {
		ex.noCapability(q)
		return false
	}
	for _, rr := range m.people[q.person].records {
		rec := &m.agencies[rr.agency].records[rr.rec]
		if !activeOn(rec.start, rec.end, q.day) {
			continue
		}
		for _, f := range rec.functions {
			for i := range m.functions[f].attrs {
				at := &m.functions[f].attrs[i]
				if at.capability == q.cap && m.covers(at.scope, rr.agency, rec, q) {
					ex.function(q, rr.agency, rec, f, at)
					return true
				}
			}
		}
	}
	if m.coveredElsewhere(q, ex) { // records held in other agencies' shards (shard_load.go)
		return true
	}
	ex.noCapability(q)
	return false
}

// covers reports whether a scope on record rec (agency a) covers the query's target (§4.5).
func (m *Model) covers(s scope, a int32, rec *recordC, q query) bool {
	switch s {
	case scopeSystem:
		return true
	case scopeSelf:
		return q.target == targetPerson && q.ref == q.person
	case scopeAgency:
		switch q.target {
		case targetAgency:
			return q.ref == a
		case targetUnit:
			return m.units[q.ref].agency == a
		case targetPerson:
			return m.activeRecord(q.ref, a, q.day) >= 0
		}
	case scopeUnit:
		switch q.target {
		case targetUnit:
			return inUnits(rec, q.ref, q.day)
		case targetPerson:
			r := m.activeRecord(q.ref, a, q.day)
			return r >= 0 && m.agencies[a].records[r].unit >= 0 && inUnits(rec, m.agencies[a].records[r].unit, q.day)
		}
	}
	return false
}

// inUnits: u is the record's in-assigned unit or one it is out-assigned to on day d.
func inUnits(rec *recordC, u int32, d Date) bool {
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
