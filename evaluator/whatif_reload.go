package evaluator

import "sort"

// accessDiffReloaded is accessDiff after a batch applied by loading the document again, where
// people and pages may have moved, come or gone: pairs are matched by id. It compares a changed
// person on the pages they can reach in either model, and a changed page for the people it
// can reach in either model (reach), not every pair.
func (m *Model) accessDiffReloaded(next *Model, people []string) []AccessChange {
	dirty := make(map[string]bool, len(people))
	for _, id := range people {
		dirty[id] = true
	}
	out := []AccessChange{}
	compare := func(person, page string) {
		bl, bc := m.cellByID(person, page)
		al, ac := next.cellByID(person, page)
		if bl != al || bc != ac {
			out = append(out, AccessChange{Subject: person, Resource: "page:" + page, Before: cellOf(bl, bc), After: cellOf(al, ac)})
		}
	}
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
	admins := map[*Model][]int32{m: m.admins(), next: next.admins()}
	for _, page := range changedKeys(m.pageSignatures(), next.pageSignatures()) {
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
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

// reach is, for some people of a model, the pages where they can have access: the pages of
// every agency where they have a staff record, and the pages that name them (namedBy), or
// every page for an administrator. Anyone else is none on a page: the other forms of
// principal and the creator rule match only staff of the page's agency (SPEC §4.2, §4.4).
type reach struct {
	m         *Model
	everyPage map[string]bool
	pages     map[string][]int32
}

func (m *Model) reachOf(people []string) *reach {
	r := &reach{m: m, everyPage: map[string]bool{}, pages: map[string][]int32{}}
	wanted := map[int32]bool{}
	for _, id := range people {
		p, ok := m.personIdx[id]
		if !ok {
			continue
		}
		if m.people[p].admin {
			r.everyPage[id] = true
			continue
		}
		wanted[p] = true
		agencies := map[int32]bool{}
		for _, rr := range m.people[p].records {
			if !agencies[rr.agency] {
				agencies[rr.agency] = true
				r.pages[id] = append(r.pages[id], m.agencies[rr.agency].pages...)
			}
		}
	}
	if len(wanted) == 0 {
		return r
	}
	var named []int32
	chains := map[int32][]int32{}
	for x := range m.pages {
		named = m.namedByChains(int32(x), named[:0], chains)
		for _, p := range named {
			if wanted[p] {
				id := m.people[p].src.ID
				r.pages[id] = append(r.pages[id], int32(x))
			}
		}
	}
	return r
}

// peopleReaching are the people who can have access to page x: the staff of its agency, the
// people it names and the administrators given (see reach).
func (m *Model) peopleReaching(x int32, admins []int32) []int32 {
	out := m.agencyPeople(m.pages[x].agency)
	out = m.namedBy(x, out)
	return append(out, admins...)
}

func (m *Model) admins() []int32 {
	var out []int32
	for p := range m.people {
		if m.people[p].admin {
			out = append(out, int32(p))
		}
	}
	return out
}
