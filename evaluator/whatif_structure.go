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

// subtreeIDs adds to out the ids of the pages at or under page id in m.
func (m *Model) subtreeIDs(id string, out map[string]bool) {
	x, ok := m.pageIdx[id]
	if !ok {
		return
	}
	stack := []int32{x}
	for len(stack) > 0 {
		y := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out[m.pages[y].src.ID] = true
		stack = append(stack, m.pages[y].children...)
	}
}

// subtreePlaces are the places in m of the pages at or under the pages given by id.
func (m *Model) subtreePlaces(ids map[string]bool) map[int32]bool {
	out := map[int32]bool{}
	for id := range ids {
		x, ok := m.pageIdx[id]
		if !ok {
			continue
		}
		stack := []int32{x}
		for len(stack) > 0 {
			y := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			out[y] = true
			stack = append(stack, m.pages[y].children...)
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
		x, inM := m.pageIdx[id]
		y, inN := next.pageIdx[id]
		if inM != inN || inM && !m.samePageByID(next, x, y, chainsM, chainsN) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// accessDiffByID is accessDiff after a batch that added or removed elements: a changed person
// on the pages they can reach in either model, a changed page for the people who can reach it
// in either model.
func (m *Model) accessDiffByID(next *Model, people []string, ch *changeSet) []AccessChange {
	dirty := make(map[string]bool, len(people))
	for _, id := range people {
		dirty[id] = true
	}
	out := []AccessChange{}
	compare := func(person, page string) {
		if c, changed := m.changeByID(next, person, page); changed {
			out = append(out, c)
		}
	}
	if len(people) > 0 {
		rm, rn := m.reachOf(people), next.reachOf(people)
		var allPages []string
		for _, person := range people {
			if rm.everyPage[person] || rn.everyPage[person] {
				if allPages == nil {
					allPages = unionIDs(m.pages, next.pages, func(p pageC) string { return p.src.ID })
				}
				for _, page := range allPages {
					compare(person, page)
				}
				continue
			}
			seen := map[string]bool{}
			for _, r := range []*reach{rm, rn} {
				for _, x := range r.pages[person] {
					if page := r.m.pages[x].src.ID; !seen[page] {
						seen[page] = true
						compare(person, page)
					}
				}
			}
		}
	}
	var admins map[*Model][]int32
	for _, page := range m.changedPagesByIDAfter(next, ch) {
		if admins == nil {
			admins = map[*Model][]int32{m: m.admins(), next: next.admins()}
		}
		seen := map[string]bool{}
		for _, model := range []*Model{m, next} {
			x, ok := model.pageIdx[page]
			if !ok {
				continue
			}
			for _, p := range model.peopleReaching(x, admins[model]) {
				if person := model.people[p].src.ID; !seen[person] && !dirty[person] {
					seen[person] = true
					compare(person, page)
				}
			}
		}
	}
	sortAccess(out)
	return out
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
