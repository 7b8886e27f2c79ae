package evaluator

import "sync"

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
type lintCache struct {
	once   sync.Once
	scopes *lintScopes
}

func findingKey(f Finding) string { return f.Code + "|" + f.Target + "|" + f.Section }

// lintScopes finds the model's findings by scope, once.
func (m *Model) lintScopes() *lintScopes {
	if m.lint == nil {
		return m.findLintScopes()
	}
	m.lint.once.Do(func() { m.lint.scopes = m.findLintScopes() })
	return m.lint.scopes
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

// lintDiffAfter is lintDiff(m.Lint(), next.Lint()); after a known change it lints next only
// in the scopes the change reaches: the agencies whose staff, units or coordinators changed
// (all of them when a person's Person ID changed), the people, the build, and the pages at or
// under a rewritten page. Every other scope finds the same in both models.
func (m *Model) lintDiffAfter(next *Model, ch *changeSet) LintChange {
	if !ch.known() {
		return lintDiff(m.Lint(), next.Lint())
	}
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
	old := m.lintScopes()
	var before []Finding
	l := linter{m: next, d: next.snap.AsOf}
	for a, touched := range agencies {
		if touched {
			before = append(before, old.agencies[a]...)
			l.agency(int32(a))
		}
	}
	before = append(before, old.people...)
	l.people()
	before = append(before, old.build...)
	l.build()
	for x := range m.pages { // in the order of the pages, as Lint finds them
		if pages[int32(x)] {
			before = append(before, old.pages[int32(x)]...)
			l.page(int32(x))
		}
	}
	after := l.out
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
