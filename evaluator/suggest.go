package evaluator

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Suggestion is an edit batch that would allow a request that is not allowed (§11 of the
// rules): the edits, as a coordinator would make them; the people who may make them, the
// first of whom it was verified for; and its reach, the batch's what-if without the cell asked
// about: everyone else who gains or loses what. Kind says what sort of change it is:
// remove_deny, user_entry, raise_entry, join_group, out_assignment, function, reinstate,
// person_id, add_staff; and
// explanation for a request no edit can allow (a performance report's fixed rule), which has
// no edits.
type Suggestion struct {
	Kind    string            `json:"kind"`
	Summary string            `json:"summary"`
	Edits   []json.RawMessage `json:"edits"`
	Actors  []SuggestionActor `json:"actors"`
	Reach   Reach             `json:"reach"`
}

// SuggestionActor is a person who may make a suggestion's edits, and why they may.
type SuggestionActor struct {
	Person string `json:"person"`
	Name   string `json:"name"`
	Why    string `json:"why"`
}

// Reach is what a suggestion does besides granting the request: every access that changes
// but the cell asked about (rows as in a what-if diff), with the changes of other people
// counted as gains and losses, in words.
type Reach struct {
	Summary string         `json:"summary"`
	Gains   int            `json:"gains"`
	Losses  int            `json:"losses"`
	Access  []AccessChange `json:"access"`
}

// suggestAt is the time a verification applies a batch at (the audit entry's time; it
// decides nothing).
var suggestAt = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Suggest lists the edit batches that would allow r, each verified: accepted when its first
// actor makes it, and r allowed after it. They are ordered by reach (fewest other gains
// first), then by fewer edits; for a deny, the removal of the deny comes first. An allowed
// request gets none; a request in error is the error.
func (m *Model) Suggest(r Request) ([]Suggestion, error) {
	if m.readOnly() { // each suggestion is tried as an edit
		return nil, readOnlyError(", so no change can be tried on it: open it for editing to ask what would grant an access")
	}
	d, err := m.Check(r)
	if err != nil {
		return nil, err
	}
	out := []Suggestion{}
	if d.Allowed {
		return out, nil
	}
	s := suggester{m: m, r: r, d: d, p: m.personIdx[r.Subject]}
	for _, reason := range d.Reasons {
		if reason.Kind == "fixed_rule" {
			return []Suggestion{{Kind: "explanation", Edits: []json.RawMessage{}, Actors: []SuggestionActor{},
				Summary: "No edit can allow this: a performance report follows a fixed rule, not its entries. " + reason.Message,
				Reach:   Reach{Summary: "nothing changes", Access: []AccessChange{}}}}, nil
		}
	}
	s.candidates()
	sort.SliceStable(s.found, func(i, j int) bool {
		a, b := s.found[i], s.found[j]
		if (a.Kind == "remove_deny") != (b.Kind == "remove_deny") {
			return a.Kind == "remove_deny"
		}
		if a.Reach.Gains != b.Reach.Gains {
			return a.Reach.Gains < b.Reach.Gains
		}
		return len(a.Edits) < len(b.Edits)
	})
	return append(out, s.found...), nil
}

type suggester struct {
	m     *Model
	r     Request
	d     Decision
	p     int32
	found []Suggestion
}

// candidates proposes what may fit, each verified before it is kept.
func (s *suggester) candidates() {
	m, p := s.m, s.p
	day, _ := m.day(s.r.AsOf)
	for _, reason := range s.d.Reasons {
		switch reason.Kind {
		case "person_id_inactive":
			// an administrator sets the Person ID active; without an active record the
			// missing record comes in the same batch
			edits := []json.RawMessage{editJSON("set_person_id", "person", m.people[p].src.ID, "status", "active")}
			summary := fmt.Sprintf("Set the Person ID of %s active", m.personName(p))
			if !m.hasActiveRecord(p, day) {
				if _, words, _, e := s.gate(day); e != nil {
					edits, summary = append(edits, e), summary+", then "+strings.ToLower(words[:1])+words[1:]
				}
			}
			s.try("person_id", summary, m.administrators("an administrator sets Person IDs active"), edits...)
			return
		case "no_active_staff_record":
			if kind, words, actors, e := s.gate(day); e != nil {
				s.try(kind, words, actors, e)
			}
			return
		}
	}
	if strings.HasPrefix(s.r.Resource, "page:") {
		s.pageCandidates()
		return
	}
	s.functionCandidates(day)
}

// gate is the missing staff record: reinstate the latest record that ended, or add the person
// to the agency the request concerns.
func (s *suggester) gate(day Date) (kind, words string, actors []SuggestionActor, e json.RawMessage) {
	m, p := s.m, s.p
	id := m.people[p].src.ID
	var latest *recRef
	for i := range m.people[p].records {
		r := &m.people[p].records[i]
		if r.start <= day && r.end <= day && (latest == nil || r.start > latest.start) {
			latest = r
		}
	}
	if latest != nil {
		a := latest.agency
		return "reinstate", fmt.Sprintf("Reinstate %s in %s", m.personName(p), m.agencyName(a)),
			m.coordinatorsOf(a), editJSON("reinstate_staff", "agency", m.agencies[a].src.ID, "person", id)
	}
	if a := m.AgencyOf(strings.SplitN(s.r.Resource, ":", 2)[1]); a != "" {
		ai := m.agencyIdx[a]
		return "add_staff", fmt.Sprintf("Add %s to the staff of %s", m.personName(p), m.agencyName(ai)),
			m.coordinatorsOf(ai), editJSON("add_staff", "agency", a, "person", id)
	}
	return "", "", nil, nil
}

// hasActiveRecord: the person has a staff record active on day in some agency.
func (m *Model) hasActiveRecord(p int32, day Date) bool {
	for _, r := range m.people[p].records {
		if activeOn(r.start, r.end, day) {
			return true
		}
	}
	return false
}

var roleRank = map[string]int{"not_set": 0, "reader": 1, "editor": 2, "full": 3}

// pageCandidates: the deny that overrides, a user: entry with the least role that suffices,
// raising an applying entry's role; all in the section that governs the page (for
// manage_security, the owning page's).
func (s *suggester) pageCandidates() {
	m := s.m
	page := strings.TrimPrefix(s.r.Resource, "page:")
	sec, err := m.Section(page)
	if err != nil {
		return
	}
	need, create := "reader", ""
	switch {
	case s.r.Action == "edit":
		need = "editor"
	case s.r.Action == "manage_security":
		need = "full"
	case strings.HasPrefix(s.r.Action, "create:"):
		need, create = "not_set", strings.TrimPrefix(s.r.Action, "create:")
	}
	actors := m.securityManagers(sec.Owner)
	where := sectionWords(sec)
	who := m.personName(s.p)
	user := "user:" + m.people[s.p].src.ID
	applying := map[string]bool{}
	var denied []string
	for _, reason := range s.d.Reasons {
		if reason.Kind == "entry" && reason.Page == sec.Owner {
			applying[reason.Principal] = true
			if reason.Role == "denied" {
				denied = append(denied, reason.Principal)
			}
		}
	}
	base := slices.DeleteFunc(slices.Clone(sec.Entries), func(e Entry) bool { return slices.Contains(denied, e.Principal) && e.Role == "denied" })
	withUser := func(entries []Entry) []Entry {
		out := slices.Clone(entries)
		for i, e := range out {
			if e.Principal == user {
				if roleRank[e.Role] < roleRank[need] {
					out[i].Role = need
				}
				if create != "" && !slices.Contains(e.Create, create) {
					out[i].Create = append(slices.Clone(e.Create), create)
				}
				return out
			}
		}
		e := Entry{Principal: user, Role: need}
		if create != "" {
			e.Create = []string{create}
		}
		return append(out, e)
	}
	what := map[string]string{"reader": "read access to", "editor": "edit access to", "full": "full access to", "not_set": "the right to create " + create + " under"}[need]
	if len(denied) > 0 {
		s.try("remove_deny", fmt.Sprintf("Take the denied entry %s out of %s", strings.Join(denied, ", "), where),
			actors, sectionEdit(sec, base))
		s.try("user_entry", fmt.Sprintf("Give %s %s %s: take the denied entry %s out of %s and add %s (%s)", who, what, sec.Title, strings.Join(denied, ", "), where, user, need),
			actors, sectionEdit(sec, withUser(base)))
		return
	}
	s.try("user_entry", fmt.Sprintf("Give %s %s %s: add %s (%s) to %s", who, what, sec.Title, user, need, where),
		actors, sectionEdit(sec, withUser(sec.Entries)))
	for i, e := range sec.Entries {
		if !applying[e.Principal] || e.Principal == user || e.Role == "denied" {
			continue
		}
		raised := slices.Clone(sec.Entries)
		if roleRank[e.Role] < roleRank[need] {
			raised[i].Role = need
		}
		if create != "" && !slices.Contains(e.Create, create) {
			raised[i].Create = append(slices.Clone(e.Create), create)
		}
		s.try("raise_entry", fmt.Sprintf("Raise the entry %s (%s) in %s to %s", e.Principal, e.Role, where, raised[i].Role),
			actors, sectionEdit(sec, raised))
	}
	// an entry that would suffice but does not apply: join its group, or be out-assigned
	// to its unit
	for _, e := range sec.Entries {
		if applying[e.Principal] || e.Role == "denied" || roleRank[e.Role] < roleRank[need] || create != "" && !slices.Contains(e.Create, create) {
			continue
		}
		s.joinEntry(e, where)
	}
}

// joinEntry proposes making the person one of an entry's principal: a member of its custom
// group (by those with full access to the organization page's security), or out-assigned to
// its unit (by the agency's coordinators), when they are staff of that agency.
func (s *suggester) joinEntry(e Entry, where string) {
	m, p := s.m, s.p
	day, _ := m.day(s.r.AsOf)
	id := m.people[p].src.ID
	if g, ok := strings.CutPrefix(e.Principal, "group:"); ok {
		gi, found := m.groupIdx[g]
		if !found {
			return
		}
		G := &m.groups[gi]
		members := append(slices.Clone(G.src.Members), id)
		a := G.agency
		s.try("join_group", fmt.Sprintf("Add %s to the group %s, whose entry (%s) in %s suffices", m.personName(p), G.src.Name, e.Role, where),
			m.securityManagers(m.pages[m.agencies[a].org].src.ID),
			editJSON("set_group_members", "agency", m.agencies[a].src.ID, "group", g, "members", members))
		return
	}
	if u, ok := strings.CutPrefix(e.Principal, "unit:"); ok {
		ui, found := m.unitIdx[u]
		if !found {
			return
		}
		a := m.units[ui].agency
		if m.activeRecord(p, a, day) < 0 {
			return
		}
		s.try("out_assignment", fmt.Sprintf("Out-assign %s to %s, whose entry (%s) in %s suffices", m.personName(p), m.unitName(ui), e.Role, where),
			m.coordinatorsOf(a), editJSON("add_out_assignment", "agency", m.agencies[a].src.ID, "person", id, "unit", u))
	}
}

var scopeRank = map[string]int{"self": 0, "unit": 1, "agency": 2, "system": 3}

// functionCandidates: the business functions whose security attribute grants the capability,
// least scope first, on each of the person's active records; the first that verifies at each
// scope is kept.
func (s *suggester) functionCandidates(day Date) {
	m, p := s.m, s.p
	type option struct {
		f     *function
		scope string
	}
	var options []option
	for i := range m.snap.Functions {
		f := &m.snap.Functions[i]
		for _, at := range f.Attributes {
			if at.Capability == s.r.Action {
				options = append(options, option{f, at.Scope})
				break
			}
		}
	}
	sort.SliceStable(options, func(i, j int) bool { return scopeRank[options[i].scope] < scopeRank[options[j].scope] })
	kept := map[string]bool{}
	for _, rec := range m.people[p].records {
		if !activeOn(rec.start, rec.end, day) {
			continue
		}
		a := rec.agency
		for _, o := range options {
			if kept[o.scope] {
				continue
			}
			actors := m.coordinatorsOf(a)
			if o.f.Restricted {
				actors = m.administrators("only administrators assign a restricted function")
			}
			if s.try("function", fmt.Sprintf("Assign %s (%s) to %s in %s: its %s scope covers %s", o.f.Code, o.f.Name, m.personName(p), m.agencyName(a), o.scope, s.r.Resource),
				actors, editJSON("assign_functions", "agency", m.agencies[a].src.ID, "person", m.people[p].src.ID, "functions", []string{o.f.Code})) {
				kept[o.scope] = true
			}
		}
	}
}

// try verifies a batch for its first actor and keeps it when it is accepted and allows the
// request; it says whether it was kept.
func (s *suggester) try(kind, summary string, actors []SuggestionActor, edits ...json.RawMessage) bool {
	if len(actors) == 0 || len(edits) == 0 || edits[0] == nil {
		return false
	}
	batch, _ := json.Marshal(map[string]any{"actor": actors[0].Person, "edits": edits})
	applied, w := s.m.applyWithDiff(batch, suggestAt, -1) // every change: the reach counts them all
	if applied == nil || w == nil || !w.Accepted {
		return false
	}
	if ok, err := applied.Model.Allowed(s.r); err != nil || !ok {
		return false
	}
	reach := Reach{Access: []AccessChange{}}
	for _, c := range w.Access {
		if c.Subject == s.r.Subject && c.Resource == s.r.Resource {
			continue
		}
		reach.Access = append(reach.Access, c)
		if c.Subject == s.r.Subject {
			continue // counted are the others' changes
		}
		if cellRank(c.After) > cellRank(c.Before) {
			reach.Gains++
		} else {
			reach.Losses++
		}
	}
	reach.Summary = s.reachWords(reach)
	others := ""
	switch n := len(actors) - 1; {
	case n == 1:
		others = " and 1 other"
	case n > 1:
		others = fmt.Sprintf(" and the %d others", n)
	}
	s.found = append(s.found, Suggestion{Kind: kind, Edits: edits, Actors: actors, Reach: reach,
		Summary: fmt.Sprintf("%s — %s%s can make this edit; %s", summary, actors[0].Name, others, reach.Summary)})
	return true
}

func cellRank(c Cell) int {
	r := map[Level]int{LevelNone: 0, LevelDenied: 0, LevelReader: 1, LevelEditor: 2, LevelFull: 3}[c.Level]
	return r*100 + len(c.Create)
}

// reachWords says who else the batch changes access for (the person asked about may gain
// more than the cell asked for: that is said apart).
func (s *suggester) reachWords(r Reach) string {
	others, own := map[string]bool{}, 0
	for _, c := range r.Access {
		if c.Subject == s.r.Subject {
			own++
		} else {
			others[c.Subject] = true
		}
	}
	also := ""
	if own > 0 {
		also = fmt.Sprintf(" (%s also changes on %d other %s)", s.m.personName(s.p), own, plural(own, "page", "pages"))
	}
	n := len(others)
	if n == 0 {
		return "nobody else gains or loses access" + also
	}
	return fmt.Sprintf("%d other %s %s access%s", n, plural(n, "person", "people"), plural(n, "changes", "change"), also)
}

// editJSON writes one edit of §5 from its op and field/value pairs.
func editJSON(op string, kv ...any) json.RawMessage {
	e := map[string]any{"op": op}
	for i := 0; i+1 < len(kv); i += 2 {
		e[kv[i].(string)] = kv[i+1]
	}
	b, _ := json.Marshal(e)
	return b
}

// sectionEdit replaces the entries of the section that governs a page.
func sectionEdit(sec *EffectiveSection, entries []Entry) json.RawMessage {
	out := make([]map[string]any, len(entries))
	for i, e := range entries {
		out[i] = map[string]any{"principal": e.Principal, "role": e.Role}
		if len(e.Create) > 0 {
			out[i]["create"] = e.Create
		}
	}
	if sec.Section == "security" {
		return editJSON("set_security", "page", sec.Owner, "entries", out)
	}
	return editJSON("set_default_security", "page", sec.Owner, "kind", sec.Section, "entries", out)
}

func sectionWords(sec *EffectiveSection) string {
	title := sec.OwnerTitle
	if title == "" {
		title = sec.Owner
	}
	if sec.Section == "security" {
		return fmt.Sprintf("the security of “%s” (%s)", title, sec.Owner)
	}
	return fmt.Sprintf("the default section “%s” of “%s” (%s), which governs every such page below it", sec.Section, title, sec.Owner)
}

// securityManagers is who may change the section a page owns: those with manage_security on it.
func (m *Model) securityManagers(owner string) []SuggestionActor {
	rows, err := m.Who("manage_security", "page:"+owner, "")
	if err != nil {
		return nil
	}
	out := make([]SuggestionActor, 0, len(rows))
	for _, r := range rows {
		if !m.people[m.personIdx[r.Person]].admin {
			out = append(out, SuggestionActor{Person: r.Person, Name: m.personName(m.personIdx[r.Person]), Why: "has full access to that security"})
		}
	}
	return append(out, m.administrators("an administrator may make any edit")...)
}

// coordinatorsOf is the agency's active designated coordinators, then the administrators.
func (m *Model) coordinatorsOf(a int32) []SuggestionActor {
	var out []SuggestionActor
	for _, c := range m.agencies[a].src.Coordinators {
		p, ok := m.personIdx[c.Person]
		if ok && m.people[p].active && m.activeRecord(p, a, m.snap.AsOf) >= 0 {
			out = append(out, SuggestionActor{Person: c.Person, Name: m.personName(p), Why: fmt.Sprintf("%s coordinator of %s", c.Role, m.agencyName(a))})
		}
	}
	return append(out, m.administrators("an administrator may make any edit")...)
}

func (m *Model) administrators(why string) []SuggestionActor {
	var out []SuggestionActor
	for _, id := range m.snap.Administrators {
		if p, ok := m.personIdx[id]; ok && m.people[p].active {
			out = append(out, SuggestionActor{Person: id, Name: m.personName(p), Why: why})
		}
	}
	return out
}
