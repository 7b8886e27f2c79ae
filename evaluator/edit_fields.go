package evaluator

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

// Readers of an edit's fields (SPEC §5: shape and references are judged first). Each returns
// a zero value and records the failure once the edit has failed.

func (e *edit) get(key string) gjson.Result { return e.op.Get(key) }

// text reads a string field; required ones must be present and non-empty.
func (e *edit) text(key string, required bool) string {
	v := e.get(key)
	if e.err != nil {
		return ""
	}
	if !v.Exists() || v.Type == gjson.Null {
		if required {
			e.failAt(key, CodeInvalidValue, "%s is required", key)
		}
		return ""
	}
	if v.Type != gjson.String {
		e.failAt(key, CodeInvalidValue, "%s must be text, not %s", key, typeName(v))
		return ""
	}
	if required && v.Str == "" {
		e.failAt(key, CodeInvalidValue, "%s may not be empty", key)
	}
	return v.Str
}

// id reads a required id field.
func (e *edit) id(key string) string {
	s := e.text(key, true)
	if e.err == nil && !validID(s) {
		e.failAt(key, CodeInvalidValue, "%s", idProblem(s))
	}
	return s
}

func (e *edit) agency(key string) int32 {
	id := e.id(key)
	if e.err != nil {
		return -1
	}
	a, ok := e.m.agencyIdx[id]
	if !ok {
		e.failAt(key, CodeUnknownReference, "no agency has the id %q", id)
		return -1
	}
	return a
}

func (e *edit) person(key string) int32 {
	id := e.id(key)
	if e.err != nil {
		return -1
	}
	p, ok := e.m.personIdx[id]
	if !ok {
		e.failAt(key, CodeUnknownReference, "no person has the id %q", id)
		return -1
	}
	return p
}

func (e *edit) page(key string) int32 {
	id := e.id(key)
	if e.err != nil {
		return -1
	}
	x, ok := e.m.pageIdx.get(id)
	if !ok {
		e.failAt(key, CodeUnknownReference, "no page has the id %q", id)
		return -1
	}
	return x
}

// unit reads a unit id (any agency's: sameAgency judges that as an op rule).
func (e *edit) unit(key string) int32 {
	id := e.id(key)
	if e.err != nil {
		return -1
	}
	u, ok := e.m.unitIdx[id]
	if !ok {
		e.failAt(key, CodeUnknownReference, "no unit has the id %q", id)
		return -1
	}
	return u
}

// sameAgency refuses a unit of another agency with cross_agency.
func (e *edit) sameAgency(key string, u, a int32) {
	if e.err == nil && u >= 0 && e.m.units[u].agency != a {
		e.failAt(key, CodeCrossAgency, "the unit %s belongs to %s, not to %s", e.m.unitName(u), e.m.agencyName(e.m.units[u].agency), e.m.agencyName(a))
	}
}

func (e *edit) group(key string, a int32) int32 {
	id := e.id(key)
	if e.err != nil {
		return -1
	}
	g, ok := e.m.groupIdx[id]
	if !ok || e.m.groups[g].agency != a {
		e.failAt(key, CodeUnknownReference, "%s has no group with the id %q", e.m.agencyName(a), id)
		return -1
	}
	return g
}

// list reads a list of ids; a missing list is nil and, when required, a failure.
func (e *edit) list(key string, required bool) ([]string, bool) {
	v := e.get(key)
	if e.err != nil {
		return nil, false
	}
	if !v.Exists() || v.Type == gjson.Null {
		if required {
			e.failAt(key, CodeInvalidValue, "%s is required (a list)", key)
		}
		return nil, false
	}
	if !v.IsArray() {
		e.failAt(key, CodeInvalidValue, "%s must be a list, not %s", key, typeName(v))
		return nil, false
	}
	out := []string{}
	i := 0
	v.ForEach(func(_, x gjson.Result) bool {
		at := index(key, i)
		i++
		if x.Type != gjson.String || !validID(x.Str) {
			if x.Type != gjson.String {
				e.failAt(at, CodeInvalidValue, "must be an id, not %s", typeName(x))
			} else {
				e.failAt(at, CodeInvalidValue, "%s", idProblem(x.Str))
			}
			return false
		}
		out = append(out, x.Str)
		return true
	})
	return out, e.err == nil
}

// people reads a list of person ids.
func (e *edit) people(key string, required bool) ([]int32, bool) {
	ids, present := e.list(key, required)
	out := []int32{}
	for i, id := range ids {
		p, ok := e.m.personIdx[id]
		if !ok {
			e.failAt(index(key, i), CodeUnknownReference, "no person has the id %q", id)
			return nil, false
		}
		out = append(out, p)
	}
	return out, present
}

func (e *edit) functions(key string) []int32 {
	ids, _ := e.list(key, true)
	out := []int32{}
	for i, id := range ids {
		f, ok := e.m.functionIdx[id]
		if !ok {
			e.failAt(index(key, i), CodeUnknownReference, "no business function has the code %q", id)
			return nil
		}
		out = append(out, f)
	}
	return out
}

// date reads an optional date; missing gives def.
func (e *edit) date(key string, def Date) Date {
	v := e.get(key)
	if e.err != nil || !v.Exists() || v.Type == gjson.Null {
		return def
	}
	d, ok := parseDate(v.Str)
	if v.Type != gjson.String || !ok {
		e.failAt(key, CodeInvalidValue, "%s is not a date: write YYYY-MM-DD, a day that exists", describe(v))
		return def
	}
	return d
}

// Who may make an edit (SPEC §5).

// activeActor is the first check of "who may make it": an actor whose Person ID is not active
// may make no edit (§5 of the rules). It comes after the edit's shape and references, so a
// malformed edit fails as malformed whoever sends it.
func (e *edit) activeActor() bool {
	if e.err == nil && !e.m.people[e.actor].active {
		e.err = &EditError{Code: CodeNotAuthorized, Index: e.index, Path: "actor",
			Message: fmt.Sprintf("%s's Person ID is %s, so they may make no edit", e.m.personName(e.actor), e.m.people[e.actor].src.Status)}
	}
	return e.err == nil
}

// administrator requires a site administrator.
func (e *edit) administrator(what string) {
	if e.activeActor() && !e.m.people[e.actor].admin {
		e.failAt("", CodeNotAuthorized, "%s is not a site administrator; only administrators may %s", e.m.personName(e.actor), what)
	}
}

// isCoordinator: an administrator, or an active designated coordinator of agency a.
func (e *edit) isCoordinator(a int32) bool {
	if !e.activeActor() {
		return false
	}
	if e.m.people[e.actor].admin {
		return true
	}
	_, designated := e.m.agencies[a].coordinator[e.actor]
	return designated && e.m.activeRecord(e.actor, a, e.day) >= 0
}

// coordinator requires a coordinator of agency a, naming who is one when the actor is not.
func (e *edit) coordinator(a int32) {
	if e.activeActor() && !e.isCoordinator(a) {
		e.notCoordinator(a, "")
	}
}

func (e *edit) notCoordinator(a int32, also string) {
	var names []string
	for p, role := range e.m.agencies[a].coordinator {
		if e.m.activeRecord(p, a, e.day) >= 0 {
			names = append(names, fmt.Sprintf("%s (%s)", e.m.people[p].src.ID, role))
		}
	}
	sort.Strings(names)
	list := "none is active"
	if len(names) > 0 {
		list = strings.Join(names, ", ")
	}
	if e.err != nil {
		return
	}
	e.failAt("", CodeNotAuthorized, "%s is not a coordinator of %s%s; its coordinators: %s",
		e.m.people[e.actor].src.ID, e.m.agencies[a].src.ID, also, list)
	e.err.Could = e.m.coordinatorsOf(a)
}

// pageRight requires the actor to have the action on page x (decided as Check decides).
func (e *edit) pageRight(x int32, act actionKind, create kind) {
	if !e.activeActor() {
		return
	}
	q := query{person: e.actor, action: act, create: create, target: targetPage, ref: x, day: e.day, cap: -1}
	if e.m.decide(q, nil).allowed {
		return
	}
	ex := &explainer{m: e.m}
	e.m.decide(q, ex)
	var why []string
	for _, r := range ex.reasons {
		if r.Kind != "section" {
			why = append(why, r.Message)
		}
	}
	if e.err != nil {
		return
	}
	words, could := e.whoMay(q)
	e.failAt("", CodeNotAuthorized, "%s may not %s on %s: %s. %s", e.m.people[e.actor].src.ID, actionWords(act, create), e.m.pageName(x), strings.Join(why, "; "), words)
	e.err.Could = could
}

// whoMay names the people who could make an edit refused for want of a page right (§11 of
// the rules: a refused edit names who could make it): those with the right, administrators
// apart.
func (e *edit) whoMay(q query) (string, []SuggestionActor) {
	var names []string
	var could, admins []SuggestionActor
	for p := range e.m.people {
		q.person = int32(p)
		if !e.m.decide(q, nil).allowed {
			continue
		}
		a := SuggestionActor{Person: e.m.people[p].src.ID, Name: e.m.personName(int32(p)), Why: "has the right on that page"}
		if e.m.people[p].admin {
			a.Why = "an administrator may make any edit"
			admins = append(admins, a)
			continue
		}
		names = append(names, a.Name)
		could = append(could, a)
	}
	could = append(could, admins...)
	out := "Only the administrators may make this edit"
	switch {
	case len(names) > 3:
		out = fmt.Sprintf("%s and %d others may make this edit", strings.Join(names[:3], ", "), len(names)-3)
	case len(names) > 0:
		out = strings.Join(names, ", ") + " may make this edit"
	case len(admins) == 0:
		return "Nobody may make this edit now", could
	}
	if len(admins) > 0 && len(names) > 0 {
		out += ", and the administrators"
	}
	return out, could
}

func actionWords(act actionKind, create kind) string {
	switch act {
	case actRead:
		return "read"
	case actEdit:
		return "edit"
	case actManage:
		return "manage security"
	case actCreate:
		return "create " + article(create.String()) + " page"
	}
	return "do that"
}

// activeStaffRecord is the record of p in a active on the day, or a not_applicable failure.
func (e *edit) activeStaffRecord(p, a int32) int32 {
	if e.err != nil {
		return -1
	}
	r := e.m.activeRecord(p, a, e.day)
	if r < 0 {
		e.failAt("person", CodeNotApplicable, "%s has no staff record in %s active on %s", e.m.personName(p), e.m.agencyName(a), e.day)
	}
	return r
}

// activeElsewhere is the agency other than a where p has an active record, or -1.
func (m *Model) activeElsewhere(p, a int32, d Date) int32 {
	for _, rr := range m.people[p].records {
		rec := &m.agencies[rr.agency].records[rr.rec]
		if rr.agency != a && activeOn(rec.start, rec.end, d) {
			return rr.agency
		}
	}
	return -1
}

func (m *Model) temporaryUnit(a int32) int32 {
	for _, u := range m.agencies[a].units {
		if m.units[u].src.Temporary {
			return u
		}
	}
	return -1
}

func (m *Model) idsOf(people []int32) []string {
	out := make([]string, len(people))
	for i, p := range people {
		out[i] = m.people[p].src.ID
	}
	return out
}
