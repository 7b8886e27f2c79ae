package evaluator

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The lint findings of SPEC §7 come scope by scope: each agency (its coordinators, staff and
// units), the people, the newest build, each page with security of its own. A what-if after a
// known change (changeSet) lints again only the scopes the change reaches, and compares them
// with the findings of the model before, kept by scope.

// lintScopes are a model's findings by scope, in the order Lint finds them, and how many
// findings have each key (code, target, section) in all.
type lintScopes struct {
	agencies [][]Finding
	people   []Finding
	build    []Finding
	pages    map[int32][]Finding
	keys     map[string]int
}

// lintCache holds a model's lintScopes once found; a model made from another starts a new one.
// A model applied from another by a known change (changeSet) is given the findings of the one
// it was made from, when those were found, and finds its own from them.
type lintCache struct {
	once   sync.Once
	scopes atomic.Pointer[lintScopes]
	base   *lintScopes
	ch     *changeSet
}

// lintCacheAfter is the lint cache of a model made from m by ch.
func (m *Model) lintCacheAfter(ch *changeSet) *lintCache {
	c := &lintCache{}
	if ch.known() && m.lint != nil {
		if base := m.lint.scopes.Load(); base != nil {
			c.base, c.ch = base, ch
		}
	}
	return c
}

// all is every finding, in the order Lint gives them.
func (s *lintScopes) all() []Finding {
	var out []Finding
	for _, f := range s.agencies {
		out = append(out, f...)
	}
	out = append(out, s.people...)
	out = append(out, s.build...)
	for _, x := range slices.Sorted(maps.Keys(s.pages)) {
		out = append(out, s.pages[x]...)
	}
	sortFindings(out)
	return out
}

func findingKey(f Finding) string { return f.Code + "|" + f.Target + "|" + f.Section }

// lintScopes finds the model's findings by scope, once.
func (m *Model) lintScopes() *lintScopes {
	if m.lint == nil {
		return m.findLintScopes()
	}
	m.lint.once.Do(func() {
		if m.lint.base != nil {
			m.lint.scopes.Store(m.relint(m.lint.base, m.lint.ch).scopes)
			m.lint.base, m.lint.ch = nil, nil
			return
		}
		m.lint.scopes.Store(m.findLintScopes())
	})
	return m.lint.scopes.Load()
}

func (m *Model) findLintScopes() *lintScopes {
	l := linter{m: m, d: m.snap.AsOf}
	s := &lintScopes{agencies: make([][]Finding, len(m.agencies)), pages: map[int32][]Finding{}, keys: map[string]int{}}
	scope := func(run func()) []Finding {
		start := len(l.out)
		run()
		return l.out[start:len(l.out):len(l.out)]
	}
	for a := range m.agencies {
		s.agencies[a] = scope(func() { l.agency(int32(a)) })
	}
	s.people = scope(l.people)
	s.build = scope(l.build)
	for x := range m.pages {
		if f := scope(func() { l.page(int32(x)) }); len(f) > 0 {
			s.pages[int32(x)] = f
		}
	}
	for _, f := range l.out {
		s.keys[findingKey(f)]++
	}
	return s
}

// relinted is the outcome of linting a model again in the scopes a known change reaches:
// the findings of those scopes before and after, in the order Lint finds them, and the
// model's findings by scope.
type relinted struct {
	before, after []Finding
	scopes        *lintScopes
}

// reached are the scopes a known change ch reaches in m (or in the model m was made from: a
// known change keeps every index): the agencies whose staff, units or coordinators changed
// (all of them when a person's Person ID changed), and the pages at or under a rewritten page.
// The people and the build are linted again after every change.
func (m *Model) reached(ch *changeSet) ([]bool, map[int32]bool) {
	agencies := make([]bool, len(m.agencies))
	pages := map[int32]bool{}
	for k := range ch.keys {
		switch k.sort {
		case segPerson:
			for a := range agencies {
				agencies[a] = true
			}
		case segRecord, segUnit, segCoordinators:
			agencies[k.agency] = true
		case segPage:
			stack := []int32{m.agencies[k.agency].pages[k.i]}
			for len(stack) > 0 {
				x := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				pages[x] = true
				stack = append(stack, m.pages[x].children...)
			}
		}
	}
	return agencies, pages
}

// relint lints m, made from a model whose findings were old by the known change ch, only in
// the scopes ch reaches: the agencies whose staff, units or coordinators changed (all of them
// when a person's Person ID changed), the people, the build, and the pages at or under a
// rewritten page. Every other scope finds the same in both models.
func (m *Model) relint(old *lintScopes, ch *changeSet) relinted {
	agencies, pages := m.reached(ch)
	s := &lintScopes{agencies: slices.Clone(old.agencies), pages: maps.Clone(old.pages), keys: maps.Clone(old.keys)}
	var r relinted
	l := linter{m: m, d: m.snap.AsOf}
	scope := func(was []Finding, run func()) []Finding {
		r.before = append(r.before, was...)
		start := len(l.out)
		run()
		now := l.out[start:len(l.out):len(l.out)]
		for _, f := range was {
			if k := findingKey(f); s.keys[k] > 1 {
				s.keys[k]--
			} else {
				delete(s.keys, k)
			}
		}
		for _, f := range now {
			s.keys[findingKey(f)]++
		}
		return now
	}
	for a, touched := range agencies {
		if touched {
			s.agencies[a] = scope(old.agencies[a], func() { l.agency(int32(a)) })
		}
	}
	s.people = scope(old.people, l.people)
	s.build = scope(old.build, l.build)
	for x := range m.pages { // in the order of the pages, as Lint finds them
		if pages[int32(x)] {
			if f := scope(old.pages[int32(x)], func() { l.page(int32(x)) }); len(f) > 0 {
				s.pages[int32(x)] = f
			} else {
				delete(s.pages, int32(x))
			}
		}
	}
	r.after, r.scopes = l.out, s
	return r
}

// lintDiffAfter is lintDiff(m.Lint(), next.Lint()); after a known change it lints next only
// in the scopes the change reaches (relint).
func (m *Model) lintDiffAfter(next *Model, ch *changeSet) LintChange {
	if ch.byID() {
		return m.lintDiffByID(next, ch)
	}
	if !ch.known() {
		return lintDiff(m.lintScopes().all(), next.Lint())
	}
	if m.lint != nil && m.lint.scopes.Load() == nil {
		return m.lintDiffFirst(next, ch)
	}
	old := m.lintScopes()
	r := next.relint(old, ch)
	before, after := r.before, r.after
	// before and after are the findings of the scopes linted again; every other finding is in
	// both models alike, so it is neither added nor resolved, and its key is taken
	inBefore, inAfter := map[string]int{}, map[string]bool{}
	for _, f := range before {
		inBefore[findingKey(f)]++
	}
	for _, f := range after {
		inAfter[findingKey(f)] = true
	}
	out := LintChange{Added: []Finding{}, Resolved: []Finding{}}
	for _, f := range after {
		if old.keys[findingKey(f)] == 0 {
			out.Added = append(out.Added, f)
		}
	}
	for _, f := range before {
		k := findingKey(f)
		if !inAfter[k] && old.keys[k] == inBefore[k] {
			out.Resolved = append(out.Resolved, f)
		}
	}
	sortFindings(out.Added)
	sortFindings(out.Resolved)
	return out
}

// lintIn is m's findings in the scopes given, the people and the build, in the order Lint
// finds them.
func (m *Model) lintIn(agencies []bool, pages map[int32]bool) []Finding {
	l := linter{m: m, d: m.snap.AsOf}
	for a, in := range agencies {
		if in {
			l.agency(int32(a))
		}
	}
	l.people()
	l.build()
	for x := range m.pages {
		if pages[int32(x)] {
			l.page(int32(x))
		}
	}
	return l.out
}

// lintDiffFirst is lintDiffAfter for a model whose findings were never found (the first
// what-if after a load): both models are linted only in the scopes ch reaches, so the first
// what-if does not pay for a whole lint. A finding of a scope not reached is the same in both
// models; the only findings whose key a scope not reached may also have are a person's
// staff_in_temporary_unit and out_assignment_expired (one per agency the person is staffed
// in), so for those the other agencies of the person are linted as well.
func (m *Model) lintDiffFirst(next *Model, ch *changeSet) LintChange {
	agencies, pages := next.reached(ch)
	return m.lintDiffIn(next, agencies, pages, pages)
}

// lintDiffIn is lintDiffFirst in the scopes given: the agencies (the same in both models),
// and the pages of m and of next.
func (m *Model) lintDiffIn(next *Model, agencies []bool, pagesM, pagesN map[int32]bool) LintChange {
	before, after := m.lintIn(agencies, pagesM), next.lintIn(agencies, pagesN)
	inBefore, inAfter := map[string]int{}, map[string]bool{}
	for _, f := range before {
		inBefore[findingKey(f)]++
	}
	for _, f := range after {
		inAfter[findingKey(f)] = true
	}
	others := map[int32]map[string]bool{} // agency not reached → the keys of its findings in m
	elsewhere := func(f Finding) bool {
		if f.Code != "staff_in_temporary_unit" && f.Code != "out_assignment_expired" {
			return false
		}
		p, ok := m.personIdx[strings.TrimPrefix(f.Target, "person:")]
		if !ok {
			return false
		}
		for _, r := range m.people[p].records {
			if agencies[r.agency] {
				continue
			}
			keys, done := others[r.agency]
			if !done {
				keys = map[string]bool{}
				l := linter{m: m, d: m.snap.AsOf}
				l.agency(r.agency)
				for _, g := range l.out {
					keys[findingKey(g)] = true
				}
				others[r.agency] = keys
			}
			if keys[findingKey(f)] {
				return true
			}
		}
		return false
	}
	out := LintChange{Added: []Finding{}, Resolved: []Finding{}}
	for _, f := range after {
		if inBefore[findingKey(f)] == 0 && !elsewhere(f) {
			out.Added = append(out.Added, f)
		}
	}
	for _, f := range before {
		if !inAfter[findingKey(f)] && !elsewhere(f) {
			out.Resolved = append(out.Resolved, f)
		}
	}
	sortFindings(out.Added)
	sortFindings(out.Resolved)
	return out
}
