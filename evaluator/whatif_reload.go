package evaluator

import "sort"

// accessDiffReloaded is accessDiff after a batch applied by loading the document again, where
// people and pages may have moved, come or gone: pairs are matched by id. It compares a changed
// person on the pages they can reach in either model, and a changed page for the people it
// can reach in either model (reach), not every pair; it lists the first n rows (n < 0: all)
// and counts every change.
func (m *Model) accessDiffReloaded(next *Model, people []string, n int) ([]AccessChange, diffCounts) {
	return m.accessDiffOn(next, people, m.changedPagesByID(next), n)
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
	// staffOfAll[a]: every one wanted has a record in agency a, so each has its every page
	// already, and the pages of a need not be searched for the names they hold
	staffOfAll := make([]int, len(m.agencies))
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
				staffOfAll[rr.agency]++
				r.pages[id] = append(r.pages[id], m.agencies[rr.agency].pages...)
			}
		}
	}
	if len(wanted) == 0 {
		return r
	}
	var named []int32
	chains := map[[2]int32][]int32{}
	for x := range m.pages {
		if staffOfAll[m.pages[x].agency] == len(wanted) {
			continue
		}
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

func (m *Model) admins() []int32 {
	var out []int32
	for p := range m.people {
		if m.people[p].admin {
			out = append(out, int32(p))
		}
	}
	return out
}

// changedPagesByID are the ids of the pages whose signature (pageSignature) differs between m
// and next, or that are in only one of them, sorted: it compares what the signature writes
// out, matching people, units and pages by id, without writing it.
func (m *Model) changedPagesByID(next *Model) []string {
	var out []string
	chainsM, chainsN := map[[2]int32]string{}, map[[2]int32]string{}
	for x := range m.pages {
		id := m.pages[x].src.ID
		y, ok := next.pageIdx.get(id)
		if !ok || !m.samePageByID(next, int32(x), y, chainsM, chainsN) {
			out = append(out, id)
		}
	}
	for y := range next.pages {
		if _, ok := m.pageIdx.get(next.pages[y].src.ID); !ok {
			out = append(out, next.pages[y].src.ID)
		}
	}
	sort.Strings(out)
	return out
}

// samePageByID reports whether page x of m and page y of next have the same signature.
func (m *Model) samePageByID(next *Model, x, y int32, chainsM, chainsN map[[2]int32]string) bool {
	P, N := &m.pages[x], &next.pages[y]
	if P.kind != N.kind || P.perf != N.perf || m.agencies[P.agency].src.ID != next.agencies[N.agency].src.ID ||
		m.unitID(P.deptUnit) != next.unitID(N.deptUnit) || len(P.sec.entries) != len(N.sec.entries) {
		return false
	}
	for i := range P.sec.entries {
		e, f := &P.sec.entries[i], &N.sec.entries[i]
		if e.text.principal != f.text.principal || e.role != f.role || e.createSet() != f.createSet() {
			return false
		}
	}
	samePeople := func(a, b []int32) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if m.people[a[i]].src.ID != next.people[b[i]].src.ID {
				return false
			}
		}
		return true
	}
	// a context the page lacks in one model reads as no one, as the signature writes it
	context := func(px, nx int32, list func(*pageC) []int32) bool {
		var a, b []int32
		if px >= 0 {
			a = list(&m.pages[px])
		}
		if nx >= 0 {
			b = list(&next.pages[nx])
		}
		return samePeople(a, b)
	}
	if !context(P.metric, N.metric, func(p *pageC) []int32 { return p.owners() }) ||
		!context(P.task, N.task, func(p *pageC) []int32 { return p.responsible() }) ||
		!samePeople(P.creators, N.creators) || (P.individual >= 0) != (N.individual >= 0) || (P.project >= 0) != (N.project >= 0) {
		return false
	}
	if P.individual >= 0 {
		g, h := m.pages[P.individual].person, next.pages[N.individual].person
		if m.people[g].src.ID != next.people[h].src.ID ||
			m.chainSignature(g, P.agency, chainsM) != next.chainSignature(h, N.agency, chainsN) {
			return false
		}
	}
	if P.project >= 0 {
		for i := range m.pages[P.project].roles {
			if !samePeople(m.pages[P.project].roles[i], next.pages[N.project].roles[i]) {
				return false
			}
		}
	}
	return true
}
