package evaluator

import (
	"fmt"
	"sort"
)

// Finding is a lint finding (SPEC §7): not an error, something a coordinator should look at.
// Target is typed (agency:, unit:, person:, function:, page:); Section names the section of a
// page finding where it is about one.
type Finding struct {
	Code    string `json:"code"`
	Target  string `json:"target"`
	Section string `json:"section,omitempty"`
	Message string `json:"message"`
}

// Lint lists every finding of SPEC §7 on the snapshot's day, in a stable order. The findings
// are found once per model, and a model applied from another by edits to fields finds them
// again only where the edits reach (lint_scoped.go).
//
// A model loaded for reading (LoadForReading) keeps no findings: it is never the model an
// edit starts from, so nothing would lint again from them, and a reader's memory is what it
// holds at its largest. Its findings are found each time, once (lintAll), without the copy
// by scope and the count by key.
func (m *Model) Lint() []Finding {
	if m.readOnly() {
		return m.lintAll()
	}
	return m.lintScopes().all()
}

// lintAll finds every finding of the model at once, as Lint gives them.
func (m *Model) lintAll() []Finding {
	l := linter{m: m, d: m.snap.AsOf}
	for a := range m.agencies {
		l.agency(int32(a))
	}
	l.people()
	l.build()
	for x := range m.pages {
		l.page(int32(x))
	}
	sortFindings(l.out)
	return l.out
}

type linter struct {
	m   *Model
	d   Date
	out []Finding
}

func (l *linter) add(code, target, section, format string, args ...any) {
	l.out = append(l.out, Finding{Code: code, Target: target, Section: section, Message: fmt.Sprintf(format, args...)})
}

// active: in lint, a person is active in an agency when they have a record there active on
// as_of and an active Person ID (SPEC §7).
func (l *linter) active(p, a int32) bool {
	return p >= 0 && l.m.people[p].active && l.m.activeRecord(p, a, l.d) >= 0
}

func (l *linter) agency(a int32) {
	m := l.m
	ac := &m.agencies[a]
	primary, backup := false, false
	for p, role := range ac.coordinator {
		if l.active(p, a) {
			primary = primary || role == "primary"
			backup = backup || role == "backup"
		}
	}
	t := "agency:" + ac.src.ID
	if !primary {
		l.add("no_primary_coordinator", t, "", "%s has no active primary Security Coordinator: establish one", m.agencyName(a))
	}
	if !backup {
		l.add("no_backup_coordinator", t, "", "%s has no active backup Security Coordinator: establish one, so security work goes on when the primary is away", m.agencyName(a))
	}
	l.reviewOverdue(a, t)
	for i := range ac.records {
		rec := &ac.records[i]
		if rec.person < 0 || !activeOn(rec.start, rec.end, l.d) {
			continue
		}
		if rec.unit >= 0 && m.units[rec.unit].src.Temporary && m.people[rec.person].active {
			l.add("staff_in_temporary_unit", "person:"+m.people[rec.person].src.ID, "", "%s is still in the temporary unit %s: move them to their unit",
				m.personName(rec.person), m.unitName(rec.unit))
		}
		for _, o := range rec.outs {
			if o.end <= l.d {
				l.add("out_assignment_expired", "person:"+m.people[rec.person].src.ID, "", "%s's out-assignment to %s ended on %s: end-date or remove it from the record",
					m.personName(rec.person), m.unitName(o.unit), o.end)
			}
		}
	}
	for _, u := range ac.units {
		l.unit(a, u)
	}
}

func (l *linter) unit(a, u int32) {
	m := l.m
	uc := &m.units[u]
	t := "unit:" + uc.src.ID
	if !uc.src.Temporary {
		empty := true
		for i := range m.agencies[a].records {
			rec := &m.agencies[a].records[i]
			if rec.person < 0 || !activeOn(rec.start, rec.end, l.d) || !m.people[rec.person].active {
				continue
			}
			if inUnits(rec, u, l.d) {
				empty = false
				break
			}
		}
		if empty {
			l.add("empty_unit", t, "", "the unit %s has no active staff and no active out-assignment: consolidate or delete it", m.unitName(u))
		}
		if uc.approver < 0 {
			l.add("unit_without_approver", t, "", "the unit %s has no approver: set one", m.unitName(u))
		}
	}
	if uc.approver >= 0 && !l.active(uc.approver, a) {
		l.add("approver_not_active", t, "", "the approver of %s, %s, is not active staff of the agency: change the approver", m.unitName(u), m.personName(uc.approver))
	}
	for _, p := range uc.leaders {
		if ok, _ := m.memberOfUnit(p, u, l.d); !ok || !m.people[p].active {
			l.add("leader_not_member", t, "", "%s leads %s but is not an active member of it", m.personName(p), m.unitName(u))
		}
	}
}

// people finds leavers whose Person ID is still active: every record ended on or before as_of.
// In an agency shard a person's records elsewhere count too (RULES.md §10.3), so the shard
// of an agency where they have a record words the finding as the whole snapshot does.
func (l *linter) people() {
	m := l.m
	for p := range m.people {
		pc := &m.people[p]
		if !pc.active || len(pc.records)+len(pc.elsewhere) == 0 {
			continue
		}
		left := true
		var last Date
		ended := func(end Date) bool {
			if end > l.d {
				left = false
			} else if end > last {
				last = end
			}
			return left
		}
		for _, r := range pc.records {
			if !ended(m.agencies[r.agency].records[r.rec].end) {
				break
			}
		}
		for i := 0; left && i < len(pc.elsewhere); i++ {
			ended(pc.elsewhere[i].end)
		}
		if left {
			l.add("end_dated_person_id_active", "person:"+pc.src.ID, "", "%s left on %s but their Person ID is still active: disable it", m.personName(int32(p)), last)
		}
	}
}

// build finds functions of the newest build that no active staff holds.
func (l *linter) build() {
	m := l.m
	newest := ""
	var newestDate string
	for i := range m.snap.Builds {
		b := &m.snap.Builds[i]
		if newest == "" || b.Date >= newestDate {
			newest, newestDate = b.ID, b.Date
		}
	}
	if newest == "" {
		return
	}
	held := make([]bool, len(m.functions))
	for a := range m.agencies {
		for i := range m.agencies[a].records {
			rec := &m.agencies[a].records[i]
			if rec.person >= 0 && activeOn(rec.start, rec.end, l.d) && m.people[rec.person].active {
				for _, f := range rec.functions {
					held[f] = true
				}
			}
		}
	}
	for f := range m.functions {
		src := m.functions[f].src
		if src.Build == newest && !held[f] {
			l.add("build_functions_unassigned", "function:"+src.Code, "", "%s (%s) came with the newest build %s and nobody holds it yet: see its candidates", src.Code, src.Name, newest)
		}
	}
}

func (l *linter) page(x int32) {
	m := l.m
	P := &m.pages[x]
	if !P.kind.ownSecurity() {
		return
	}
	t := "page:" + P.src.ID
	if !hasEveryone(P.own) {
		l.add("missing_everyone_entry", t, "security", "the security of the %s has no Everyone entry", m.pageName(x))
	}
	for _, d := range P.defaults {
		if !hasEveryone(d.sec) {
			l.add("missing_everyone_entry", t, d.kind.String(), "the default section for %ss of the %s has no Everyone entry", d.kind.label(), m.pageName(x))
		}
	}
	if tmpl, from := m.templateFor(P.kind, P.parent); tmpl != nil && !sameEntries(tmpl, P.own) {
		l.add("differs_from_defaults", t, "security", "the security of the %s differs from %s: propagating the defaults would change it", m.pageName(x), from)
	}
}

func hasEveryone(s *sectionC) bool {
	for i := range s.entries {
		if s.entries[i].principal == pEveryone {
			return true
		}
	}
	return false
}

// templateFor is the section a new page of kind k under parent would copy its security from
// (SPEC §5.5): the nearest page with own security at or above parent with a default section
// for k, else the site template for k; nil when there is none. from describes it.
func (m *Model) templateFor(k kind, parent int32) (*sectionC, string) {
	for y := parent; y >= 0; y = m.pages[y].parent {
		if !m.pages[y].kind.ownSecurity() {
			continue
		}
		if d := m.defaultsOf(y, k); d != nil {
			return d, m.sectionLabel(y, k)
		}
	}
	if parent >= 0 {
		if t := m.siteDefaults[k]; t != nil {
			return &t.security, "the site template for " + k.label() + " pages"
		}
	}
	return nil, ""
}

// sameEntries compares two sections as sets of entries (SPEC §7): an entry is its principal,
// role and create rights, and one written twice counts once.
func sameEntries(a, b *sectionC) bool {
	if len(a.entries)*len(b.entries) > 1024 {
		x, y := entrySet(a), entrySet(b)
		return len(x) == len(y) && entrySetWithin(x, y)
	}
	return entriesWithin(a, b) && entriesWithin(b, a)
}

type entryKey struct {
	principal string
	role      role
	create    kindSet
}

func entrySet(s *sectionC) map[entryKey]bool {
	out := make(map[entryKey]bool, len(s.entries))
	for i := range s.entries {
		e := &s.entries[i]
		out[entryKey{e.text.principal, e.role, e.createSet()}] = true
	}
	return out
}

func entrySetWithin(x, y map[entryKey]bool) bool {
	for k := range x {
		if !y[k] {
			return false
		}
	}
	return true
}

// entriesWithin tells whether every entry of a is also an entry of b. Sections are short, so
// a search through b for each entry of a costs less than building sets.
func entriesWithin(a, b *sectionC) bool {
	for i := range a.entries {
		e := &a.entries[i]
		found := false
		for j := range b.entries {
			f := &b.entries[j]
			if e.role == f.role && e.createSet() == f.createSet() && e.text.principal == f.text.principal {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sortFindings orders findings by code, target and section.
// SortFindings puts findings in Lint's order: by code, target and section, findings alike in
// those kept in the order they came (a reader composing lint from agency shards sorts them so).
func SortFindings(f []Finding) { sortFindings(f) }

func sortFindings(f []Finding) {
	sort.SliceStable(f, func(i, j int) bool {
		if f[i].Code != f[j].Code {
			return f[i].Code < f[j].Code
		}
		if f[i].Target != f[j].Target {
			return f[i].Target < f[j].Target
		}
		return f[i].Section < f[j].Section
	})
}

// reviewOverdue: an agency reviews its security at least every two years (§5.10, §7 of the
// rules): no review, or the latest review's day plus two years on or before as_of, is
// security_review_overdue. A review made on 29 February falls due on 1 March.
func (l *linter) reviewOverdue(a int32, t string) {
	var last Date
	for _, d := range l.m.agencies[a].src.Reviews {
		last = max(last, d)
	}
	switch {
	case last == 0:
		l.add("security_review_overdue", t, "", "%s has no security review on record: review its CONNECTIONS security (at least every two years) and record the review", l.m.agencyName(a))
	case last+20000 <= l.d:
		l.add("security_review_overdue", t, "", "%s last reviewed its CONNECTIONS security on %s, more than two years ago: review it and record the review", l.m.agencyName(a), last)
	}
}
