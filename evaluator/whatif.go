package evaluator

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Cell is a person's access to a page in the access matrix of SPEC §6: the level and the
// kinds they may create there.
type Cell struct {
	Level  Level    `json:"level"`
	Create []string `json:"create"`
}

// AccessChange is one row of a what-if access diff (SPEC §6): a (person, page) whose answer
// changed. Pages and people created or deleted count from or to none.
type AccessChange struct {
	Subject  string `json:"subject"`
	Resource string `json:"resource"`
	Before   Cell   `json:"before"`
	After    Cell   `json:"after"`
}

// ProfileChange is a person whose business function profile changed, with the lines of the
// profile gained and lost.
type ProfileChange struct {
	Person string   `json:"person"`
	Gained []string `json:"gained"`
	Lost   []string `json:"lost"`
}

// LintChange lists the lint findings a batch adds and resolves.
type LintChange struct {
	Added    []Finding `json:"added"`
	Resolved []Finding `json:"resolved"`
}

// WhatIf is the impact of a batch before anyone applies it (SPEC §6). Error is set, and the
// rest empty, when the batch would be refused.
type WhatIf struct {
	Accepted bool           `json:"accepted"`
	Error    *EditError     `json:"error,omitempty"`
	Version  int64          `json:"version"`
	Summary  string         `json:"summary"`
	Access   []AccessChange `json:"access"`
	// AccessTotal counts every (person, page) whose answer changed; Access lists the first
	// of them (DefaultAccessRows unless asked otherwise), so fewer rows than this say the
	// list was cut.
	AccessTotal   int             `json:"access_total"`
	Functions     []ProfileChange `json:"functions"`
	Lint          LintChange      `json:"lint"`
	Notifications []Notification  `json:"notifications"`
}

// WhatIf applies the batch to a copy and tells who gains and who loses what (SPEC §6). The
// model is not changed. It lists the first DefaultAccessRows changes of access and counts
// them all.
func (m *Model) WhatIf(batchJSON []byte) *WhatIf {
	w, _, _ := m.whatIf(batchJSON, DefaultAccessRows, true)
	return w
}

// WhatIfN is WhatIf listing the first n changes of access (n < 0: every one; 0: none, only
// their count and summary).
func (m *Model) WhatIfN(batchJSON []byte, n int) *WhatIf {
	w, _, _ := m.whatIf(batchJSON, n, true)
	return w
}

// ApplyWithDiff applies the batch once and says what it changed: Apply's outcome and WhatIf's
// diff from one pass (the edge's single writer answers an edit with both, SPEC §10). A refused
// batch gives a nil *Applied and the WhatIf that carries the refusal.
// The diff lists the first DefaultAccessRows changes of access, as WhatIf's does.
func (m *Model) ApplyWithDiff(batchJSON []byte, at time.Time) (*Applied, *WhatIf) {
	return m.applyWithDiff(batchJSON, at, DefaultAccessRows)
}

func (m *Model) applyWithDiff(batchJSON []byte, at time.Time, n int) (*Applied, *WhatIf) {
	w, next, b := m.whatIf(batchJSON, n, false)
	if !w.Accepted {
		return nil, w
	}
	return &Applied{Model: next, Notifications: w.Notifications, Audit: AuditEntry{Version: next.snap.Version,
		Actor: b.actor, Time: at.UTC().Format(time.RFC3339), Edits: json.RawMessage(b.edits.Raw)}}, w
}

// whatIf is WhatIfN, with the model the batch made and the batch as read (nil when refused);
// trial when the caller drops that model.
func (m *Model) whatIf(batchJSON []byte, n int, trial bool) (*WhatIf, *Model, *batch) {
	w := &WhatIf{Access: []AccessChange{}, Functions: []ProfileChange{}, Notifications: []Notification{},
		Lint: LintChange{Added: []Finding{}, Resolved: []Finding{}}}
	b, err := parseBatch(batchJSON)
	var next *Model
	ch := &changeSet{}
	if err == nil {
		b.trial = trial
		next, err = m.applyEdits(b, ch)
	}
	if err != nil {
		w.Error = err.(*EditError)
		w.Version = m.snap.Version
		w.Summary = "refused: " + err.Error()
		return w, nil, b
	}
	w.Accepted, w.Version = true, next.snap.Version
	people := m.changedPeopleAfter(next, ch)
	var counts diffCounts
	w.Access, counts = m.accessDiffAfter(next, people, ch, n)
	w.AccessTotal = counts.total
	w.Functions = m.profileDiff(next, people)
	w.Notifications = notificationsOf(w.Functions, next.snap.Version)
	w.Lint = m.lintDiffAfter(next, ch)
	w.Summary = summarize(w, counts)
	return w, next, b
}

// notifications are the profile changes of an applied batch (SPEC §5.9).
func (m *Model) notifications(next *Model, people []string) []Notification {
	return notificationsOf(m.profileDiff(next, people), next.snap.Version)
}

func notificationsOf(changes []ProfileChange, version int64) []Notification {
	out := []Notification{}
	for _, c := range changes {
		out = append(out, Notification{Person: c.Person, Version: version, Added: c.Gained, Removed: c.Lost})
	}
	return out
}

// personSignature is everything about a person that a page decision or their profile reads
// from their side: status, administrator, records (units, dates, functions, reports-to,
// out-assignments), groups, organization and unit roles. Two models give a person the same
// signature exactly when nothing on the person's side changed.
func (m *Model) personSignatures() map[string]string {
	groups := map[int32][]string{}
	for g := range m.groups {
		for _, p := range m.groups[g].members {
			groups[p] = append(groups[p], m.groups[g].src.ID)
		}
	}
	roles := map[int32][]string{}
	for a := range m.agencies {
		for _, p := range m.agencies[a].orgEditors {
			roles[p] = append(roles[p], "org_editor:"+m.agencies[a].src.ID)
		}
		for _, p := range m.agencies[a].orgLeaders {
			roles[p] = append(roles[p], "org_leader:"+m.agencies[a].src.ID)
		}
	}
	for u := range m.units {
		for _, p := range m.units[u].editors {
			roles[p] = append(roles[p], "unit_editor:"+m.units[u].src.ID)
		}
		for _, p := range m.units[u].leaders {
			roles[p] = append(roles[p], "unit_leader:"+m.units[u].src.ID)
		}
	}
	out := make(map[string]string, len(m.people))
	var b strings.Builder
	for p := range m.people {
		out[m.people[p].src.ID] = m.personSignature(&b, int32(p), groups[int32(p)], roles[int32(p)])
	}
	return out
}

// personSignature is the signature of person p, given the groups they are in and their
// organization and unit roles.
func (m *Model) personSignature(b *strings.Builder, p int32, groups, roles []string) string {
	P := &m.people[p]
	b.Reset()
	fmt.Fprintf(b, "%v|%v|", P.active, P.admin)
	for _, rr := range P.records {
		rec := &m.agencies[rr.agency].records[rr.rec]
		fmt.Fprintf(b, "rec %s %s %d %d f", m.agencies[rr.agency].src.ID, m.unitID(rec.unit), rec.start, rec.end)
		for _, f := range rec.functions {
			b.WriteString(" " + m.functions[f].src.Code)
		}
		b.WriteString(" r")
		for _, q := range rec.reportsTo {
			b.WriteString(" " + m.people[q].src.ID)
		}
		for _, o := range rec.outs {
			fmt.Fprintf(b, " o %s %d %d", m.unitID(o.unit), o.start, o.end)
		}
		b.WriteString(";")
	}
	sort.Strings(groups)
	sort.Strings(roles)
	b.WriteString(strings.Join(groups, ",") + "|" + strings.Join(roles, ","))
	return b.String()
}

// personSignatureOf is personSignature, finding p's groups and roles.
func (m *Model) personSignatureOf(b *strings.Builder, p int32) string {
	var groups, roles []string
	for g := range m.groups {
		if has(m.groups[g].members, p) {
			groups = append(groups, m.groups[g].src.ID)
		}
	}
	for a := range m.agencies {
		if has(m.agencies[a].orgEditors, p) {
			roles = append(roles, "org_editor:"+m.agencies[a].src.ID)
		}
		if has(m.agencies[a].orgLeaders, p) {
			roles = append(roles, "org_leader:"+m.agencies[a].src.ID)
		}
	}
	for u := range m.units {
		if has(m.units[u].editors, p) {
			roles = append(roles, "unit_editor:"+m.units[u].src.ID)
		}
		if has(m.units[u].leaders, p) {
			roles = append(roles, "unit_leader:"+m.units[u].src.ID)
		}
	}
	return m.personSignature(b, p, groups, roles)
}

func (m *Model) unitID(u int32) string {
	if u < 0 {
		return "-"
	}
	return m.units[u].src.ID
}

// pageSignatures is everything about a page that a decision on it reads from the page's
// side: its kind, its effective section, its context (department unit, metric owners, people
// responsible, the individual and the people they report to, project roles) and creators.
func (m *Model) pageSignatures() map[string]string {
	chains := map[[2]int32]string{}
	out := make(map[string]string, len(m.pages))
	var b strings.Builder
	for x := range m.pages {
		out[m.pages[x].src.ID] = m.pageSignature(&b, int32(x), chains)
	}
	return out
}

// chainSignature is who g reports to in agency a and everyone above them, on the snapshot's
// day; chains keeps those already written, by person and agency.
func (m *Model) chainSignature(g, a int32, chains map[[2]int32]string) string {
	if s, ok := chains[[2]int32{g, a}]; ok {
		return s
	}
	above := m.idsOf(m.chainAbove(g, a, m.snap.AsOf))
	sort.Strings(above)
	s := strings.Join(m.idsOf(m.managersOf(g, a, m.snap.AsOf)), ",") + "/" + strings.Join(above, ",")
	chains[[2]int32{g, a}] = s
	return s
}

// pageSignature is the signature of page x.
func (m *Model) pageSignature(b *strings.Builder, x int32, chains map[[2]int32]string) string {
	P := &m.pages[x]
	b.Reset()
	fmt.Fprintf(b, "%d %s %v|", P.kind, m.agencies[P.agency].src.ID, P.perf)
	for i := range P.sec.entries {
		e := &P.sec.entries[i]
		fmt.Fprintf(b, "%s %d %d;", e.text.principal, e.role, e.createSet())
	}
	b.WriteString("|" + m.unitID(P.deptUnit) + "|")
	if P.metric >= 0 {
		b.WriteString(strings.Join(m.idsOf(m.pages[P.metric].owners()), ","))
	}
	b.WriteString("|")
	if P.task >= 0 {
		b.WriteString(strings.Join(m.idsOf(m.pages[P.task].responsible()), ","))
	}
	b.WriteString("|")
	if P.individual >= 0 {
		g := m.pages[P.individual].person
		b.WriteString(m.people[g].src.ID + ":" + m.chainSignature(g, P.agency, chains))
	}
	b.WriteString("|")
	if P.project >= 0 {
		for _, r := range m.pages[P.project].roles {
			b.WriteString(strings.Join(m.idsOf(r), ",") + "/")
		}
	}
	b.WriteString("|" + strings.Join(m.idsOf(P.creators), ","))
	return b.String()
}

// changedPeople are the ids of people whose signature differs between m and next, or who
// exist in only one of them.
func (m *Model) changedPeople(next *Model) []string {
	return changedKeys(m.personSignatures(), next.personSignatures())
}

func changedKeys(before, after map[string]string) []string {
	var out []string
	for k, v := range before {
		if w, ok := after[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// cell is p's row of the access matrix on page x (SPEC §6).
func (m *Model) cell(p, x int32) (role, kindSet) {
	o := m.decide(query{person: p, action: actRead, target: targetPage, ref: x, day: m.snap.AsOf, cap: -1}, nil)
	return o.level, o.create
}

// changeByID is the change of person's access to page from m to next, matched by id.
func (m *Model) changeByID(next *Model, person, page string) (AccessChange, bool) {
	bl, bc := m.cellByID(person, page)
	al, ac := next.cellByID(person, page)
	if bl == al && bc == ac {
		return AccessChange{}, false
	}
	return AccessChange{Subject: person, Resource: "page:" + page, Before: cellOf(bl, bc), After: cellOf(al, ac)}, true
}

func (m *Model) cellByID(person, page string) (role, kindSet) {
	p, ok := m.personIdx[person]
	x, ok2 := m.pageIdx.get(page)
	if !ok || !ok2 {
		return roleNotSet, 0
	}
	return m.cell(p, x)
}

// accessDiff compares the matrices of m and next on the pairs a change can reach: the
// people whose side changed against every page, and every person against the pages whose
// side changed. Every other pair reads the same data in both models and so cannot differ.
func (m *Model) accessDiff(next *Model, people []string) []AccessChange {
	pages := changedKeys(m.pageSignatures(), next.pageSignatures())
	allPeople := unionIDs(m.people, next.people, func(p personC) string { return p.src.ID })
	allPages := unionIDs(m.pages, next.pages, func(p pageC) string { return p.src.ID })
	dirtyPerson := map[string]bool{}
	for _, p := range people {
		dirtyPerson[p] = true
	}
	out := []AccessChange{}
	compare := func(person, page string) {
		if c, changed := m.changeByID(next, person, page); changed {
			out = append(out, c)
		}
	}
	for _, person := range people {
		for _, page := range allPages {
			compare(person, page)
		}
	}
	for _, page := range pages {
		for _, person := range allPeople {
			if !dirtyPerson[person] {
				compare(person, page)
			}
		}
	}
	sortAccess(out)
	return out
}

func cellOf(r role, c kindSet) Cell {
	if r == roleDenied {
		c = 0
	}
	names := c.names()
	if names == nil {
		names = []string{}
	}
	return Cell{Level: levelOf[r], Create: names}
}

func unionIDs[T any](a, b []T, id func(T) string) []string {
	seen := make(map[string]bool, len(a)+len(b))
	var out []string
	for _, list := range [][]T{a, b} {
		for _, x := range list {
			if s := id(x); !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// profileLines are the lines of a person's profile: each function held and each right.
func (m *Model) profileLines(person string) []string {
	if _, ok := m.personIdx[person]; !ok {
		return nil
	}
	pr, err := m.Profile(person, "")
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range pr.Records {
		for _, f := range r.Functions {
			out = append(out, "function "+f.Code+" ("+f.Name+") in "+r.Agency)
		}
		for _, rt := range r.Viewing {
			out = append(out, rt.Line)
		}
		for _, rt := range r.Maintaining {
			out = append(out, rt.Line)
		}
	}
	return out
}

// profileDiff lists the people among those given whose profile lines changed.
func (m *Model) profileDiff(next *Model, people []string) []ProfileChange {
	out := []ProfileChange{}
	for _, p := range people {
		before, after := m.profileLines(p), next.profileLines(p)
		gained, lost := minus(after, before), minus(before, after)
		if len(gained)+len(lost) > 0 {
			out = append(out, ProfileChange{Person: p, Gained: gained, Lost: lost})
		}
	}
	return out
}

func minus(a, b []string) []string {
	out := []string{}
	for _, s := range a {
		found := false
		for _, t := range b {
			found = found || s == t
		}
		if !found {
			out = append(out, s)
		}
	}
	return out
}

func lintDiff(before, after []Finding) LintChange {
	key := func(f Finding) string { return f.Code + "|" + f.Target + "|" + f.Section }
	in := func(list []Finding) map[string]bool {
		s := map[string]bool{}
		for _, f := range list {
			s[key(f)] = true
		}
		return s
	}
	b, a := in(before), in(after)
	out := LintChange{Added: []Finding{}, Resolved: []Finding{}}
	for _, f := range after {
		if !b[key(f)] {
			out.Added = append(out.Added, f)
		}
	}
	for _, f := range before {
		if !a[key(f)] {
			out.Resolved = append(out.Resolved, f)
		}
	}
	return out
}

// summarize words a what-if in one line, counting every change of access however many rows
// are listed: "3 people gain reader on 41 pages; 1 person loses editor on 2 pages; lint: +1
// staff_in_temporary_unit".
func summarize(w *WhatIf, c diffCounts) string {
	var parts []string
	levels := [4]Level{1: LevelReader, 2: LevelEditor, 3: LevelFull}
	for r := 1; r <= 3; r++ {
		if n := c.gains[r]; n[0] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s %s on %d %s", n[0], plural(n[0], "person gains", "people gain"), levels[r], n[1], plural(n[1], "page", "pages")))
		}
	}
	for r := 1; r <= 3; r++ {
		if n := c.losses[r]; n[0] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s %s on %d %s", n[0], plural(n[0], "person loses", "people lose"), levels[r], n[1], plural(n[1], "page", "pages")))
		}
	}
	if c.creates > 0 {
		parts = append(parts, fmt.Sprintf("%d %s of create rights or deny", c.creates, plural(c.creates, "change", "changes")))
	}
	if len(parts) == 0 {
		parts = append(parts, "no page access changes")
	}
	if n := len(w.Functions); n > 0 {
		parts = append(parts, fmt.Sprintf("%d business function %s", n, plural(n, "profile changes", "profiles change")))
	}
	var lint []string
	lint = appendCounts(lint, "+", w.Lint.Added)
	lint = appendCounts(lint, "-", w.Lint.Resolved)
	if len(lint) > 0 {
		parts = append(parts, "lint: "+strings.Join(lint, ", "))
	}
	return strings.Join(parts, "; ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// appendCounts words findings as "+2 staff_in_temporary_unit", one item per code.
func appendCounts(out []string, sign string, findings []Finding) []string {
	counts := map[string]int{}
	var codes []string
	for _, f := range findings {
		if counts[f.Code] == 0 {
			codes = append(codes, f.Code)
		}
		counts[f.Code]++
	}
	for _, c := range codes {
		out = append(out, fmt.Sprintf("%s%d %s", sign, counts[c], c))
	}
	return out
}

// chainAbove is everyone above g in the reports-to tree of agency a on day d.
func (m *Model) chainAbove(g, a int32, d Date) []int32 {
	var seen []int32
	stack := []int32{g}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, mgr := range m.managersOf(x, a, d) {
			if !containsID(seen, mgr) {
				seen = append(seen, mgr)
				stack = append(stack, mgr)
			}
		}
	}
	return seen
}

// sortAccess puts access changes in the order of SPEC §6: by person, then by page.
func sortAccess(out []AccessChange) {
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Resource < out[j].Resource
	})
}
