package evaluator

import (
	"sort"
	"strings"
)

// The what-if of a batch that added or removed elements (edit_structure.go): places moved, so
// people and pages are matched by id, but only those the batch reached (changeIDs) are
// compared, as after a known change.

// changedPeopleByID is changedPeople for the people the batch reached.
func (m *Model) changedPeopleByID(next *Model, ch *changeSet) []string {
	var out []string
	var b strings.Builder
	for id := range ch.ids.people {
		p, inM := m.personIdx[id]
		q, inN := next.personIdx[id]
		switch {
		case inM && inN:
			if m.personSignatureOf(&b, p) != next.personSignatureOf(&b, q) {
				out = append(out, id)
			}
		case inM || inN:
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// walkSubtree calls f for page x of m and every page under it.
func (m *Model) walkSubtree(x int32, f func(y int32)) {
	stack := []int32{x}
	for len(stack) > 0 {
		y := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		f(y)
		stack = append(stack, m.pages[y].children...)
	}
}

// subtreeIDs adds to out the ids of the pages at or under page id in m.
func (m *Model) subtreeIDs(id string, out map[string]bool) {
	if x, ok := m.pageIdx.get(id); ok {
		m.walkSubtree(x, func(y int32) { out[m.pages[y].src.ID] = true })
	}
}

// subtreePlaces are the places in m of the pages at or under the pages given by id.
func (m *Model) subtreePlaces(ids map[string]bool) map[int32]bool {
	out := map[int32]bool{}
	for id := range ids {
		if x, ok := m.pageIdx.get(id); ok {
			m.walkSubtree(x, func(y int32) { out[y] = true })
		}
	}
	return out
}

// changedPagesByIDAfter is changedPagesByID for the pages the batch reached: those at or
// under a page rewritten, added or removed, in either model, and the pages about an
// individual whose reports-to chain may have moved.
func (m *Model) changedPagesByIDAfter(next *Model, ch *changeSet) []string {
	cands := map[string]bool{}
	for id := range ch.ids.pages {
		m.subtreeIDs(id, cands)
		next.subtreeIDs(id, cands)
	}
	chainsM, chainsN := map[[2]int32]string{}, map[[2]int32]string{}
	for a := range m.agencies {
		if !ch.ids.staff[m.agencies[a].src.ID] {
			continue
		}
		for _, x := range m.agencies[a].pages {
			if ind := m.pages[x].individual; ind >= 0 && !cands[m.pages[x].src.ID] {
				g := m.pages[ind].person
				h, ok := next.personIdx[m.people[g].src.ID]
				if !ok || m.chainSignature(g, int32(a), chainsM) != next.chainSignature(h, int32(a), chainsN) {
					cands[m.pages[x].src.ID] = true
				}
			}
		}
	}
	var out []string
	for id := range cands {
		x, inM := m.pageIdx.get(id)
		y, inN := next.pageIdx.get(id)
		if inM != inN || inM && !m.samePageByID(next, x, y, chainsM, chainsN) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// accessDiffByID is accessDiff after a batch that added or removed elements: a changed person
// on the pages they can reach in either model, a changed page for the people who can reach it
// in either model; it lists the first n rows (n < 0: all) and counts every change.
func (m *Model) accessDiffByID(next *Model, people []string, ch *changeSet, n int) ([]AccessChange, diffCounts) {
	return m.accessDiffOn(next, people, m.changedPagesByIDAfter(next, ch), n)
}

// lintDiffByID is lintDiffAfter after a batch that added or removed elements: both models are
// linted in the scopes it reached (lintDiffIn).
func (m *Model) lintDiffByID(next *Model, ch *changeSet) LintChange {
	if len(m.agencies) != len(next.agencies) {
		return lintDiff(m.lintScopes().all(), next.Lint())
	}
	agencies := make([]bool, len(m.agencies))
	for a := range agencies {
		agencies[a] = ch.ids.allAgencies || ch.ids.agencies[m.agencies[a].src.ID]
	}
	return m.lintDiffIn(next, agencies, m.subtreePlaces(ch.ids.pages), next.subtreePlaces(ch.ids.pages))
}
