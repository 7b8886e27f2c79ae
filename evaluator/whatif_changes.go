package evaluator

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// changeSet is what the edits of a batch changed, as far as the model knows it: the segments
// of the document they rewrote (edit_doc.go), or, once an edit was applied by loading the
// document again, nothing known (reloaded). The what-if diff (SPEC §6) and the notifications
// of §5.9 compare only what a known change can reach; an unknown one compares everything.
type changeSet struct {
	keys     map[segKey]bool
	reloaded bool
	// structural: an edit added or removed elements, so that places moved; what every edit
	// changed is kept by id too (ids), for the diffs that match people and pages by id
	structural bool
	ids        changeIDs
}

// changeIDs is what a batch changed, by id.
type changeIDs struct {
	people      map[string]bool // people whose side may have changed
	pages       map[string]bool // pages rewritten, added or removed (what is under them too)
	staff       map[string]bool // agencies whose staff records changed (reports-to chains)
	agencies    map[string]bool // agencies whose staff, units or coordinators changed
	allAgencies bool            // a Person ID changed
}

func (ch *changeSet) add(m, next *Model, segs map[segKey][]byte) {
	if ch == nil {
		return
	}
	if ch.keys == nil {
		ch.keys = map[segKey]bool{}
	}
	for k := range segs {
		ch.keys[k] = true
	}
	ch.noteSegments(m, next, segs, nil)
}

// addStructure notes an edit that added or removed elements (edit_structure.go).
func (ch *changeSet) addStructure(m, next *Model, e *edit) {
	if ch == nil {
		return
	}
	ch.structural = true
	added := map[segKey]bool{}
	for _, k := range e.added {
		added[k] = true
	}
	ch.noteSegments(m, next, e.segs, added)
	for _, k := range e.removed {
		a := m.agencies[k.agency].src.ID
		switch k.sort {
		case segPage:
			ch.ids.note(&ch.ids.pages, m.pages[m.agencies[k.agency].pages[k.i]].src.ID)
		case segUnit:
			u := m.agencies[k.agency].units[k.i]
			ch.ids.note(&ch.ids.agencies, a)
			ch.ids.notePeople(m, m.units[u].editors, m.units[u].leaders)
		}
	}
}

func (c *changeIDs) note(set *map[string]bool, id string) {
	if *set == nil {
		*set = map[string]bool{}
	}
	(*set)[id] = true
}

func (c *changeIDs) notePeople(m *Model, lists ...[]int32) {
	for _, l := range lists {
		for _, p := range l {
			if p >= 0 {
				c.note(&c.people, m.people[p].src.ID)
			}
		}
	}
}

// noteSegments notes by id the segments an edit rewrote (keys of next; added: those of
// elements it added, which m has not).
func (ch *changeSet) noteSegments(m, next *Model, segs map[segKey][]byte, added map[segKey]bool) {
	c := &ch.ids
	for k := range segs {
		var a string
		if k.sort != segPerson && k.sort != segVersion {
			a = next.agencies[k.agency].src.ID
		}
		switch k.sort {
		case segPerson:
			c.note(&c.people, next.people[k.i].src.ID)
			c.allAgencies = true
		case segRecord:
			// a record added has no reports-to, and nobody reports to its person through it
			// yet (edit_structure.go), so no reports-to chain moves
			if !added[k] {
				c.note(&c.staff, a)
			}
			c.note(&c.agencies, a)
			c.notePeople(next, []int32{next.agencies[k.agency].records[k.i].person})
			if !added[k] && int(k.i) < len(m.agencies[k.agency].records) {
				c.notePeople(m, []int32{m.agencies[k.agency].records[k.i].person})
			}
		case segUnit:
			c.note(&c.agencies, a)
			u := next.agencies[k.agency].units[k.i]
			c.notePeople(next, next.units[u].editors, next.units[u].leaders)
			if uo, ok := m.unitIdx[next.units[u].src.ID]; ok {
				c.notePeople(m, m.units[uo].editors, m.units[uo].leaders)
			}
		case segGroup:
			if g, ok := next.groupIdx[next.agencies[k.agency].src.Groups[k.i].ID]; ok {
				c.notePeople(next, next.groups[g].members)
			}
			if g, ok := m.groupIdx[next.agencies[k.agency].src.Groups[k.i].ID]; ok {
				c.notePeople(m, m.groups[g].members)
			}
		case segOrgEditors:
			c.notePeople(m, m.agencies[k.agency].orgEditors)
			c.notePeople(next, next.agencies[k.agency].orgEditors)
		case segOrgLeaders:
			c.notePeople(m, m.agencies[k.agency].orgLeaders)
			c.notePeople(next, next.agencies[k.agency].orgLeaders)
		case segCoordinators:
			c.note(&c.agencies, a)
		case segPage:
			c.note(&c.pages, next.pages[next.agencies[k.agency].pages[k.i]].src.ID)
		}
	}
}

func (ch *changeSet) addReload() {
	if ch != nil {
		ch.reloaded = true
	}
}

// known: next was made from m by rewriting these segments only, so both have the same
// people, agencies, units, groups and pages at the same places.
func (ch *changeSet) known() bool { return ch != nil && !ch.reloaded && !ch.structural }

// byID: the batch added or removed elements, all of it known by id (ids).
func (ch *changeSet) byID() bool { return ch != nil && !ch.reloaded && ch.structural }

// changedPeopleAfter is changedPeople, reading only the people a known change can reach: the
// people rewritten, the person of each record rewritten, and the people a rewritten unit,
// group or organization role list named before or names after.
func (m *Model) changedPeopleAfter(next *Model, ch *changeSet) []string {
	if ch.byID() {
		return m.changedPeopleByID(next, ch)
	}
	if !ch.known() {
		return m.changedPeople(next)
	}
	seen := map[int32]bool{}
	var cands []int32
	add := func(list ...[]int32) {
		for _, l := range list {
			for _, p := range l {
				if p >= 0 && !seen[p] {
					seen[p] = true
					cands = append(cands, p)
				}
			}
		}
	}
	for k := range ch.keys {
		switch k.sort {
		case segPerson:
			add([]int32{k.i})
		case segRecord:
			add([]int32{m.agencies[k.agency].records[k.i].person})
		case segUnit:
			u := m.agencies[k.agency].units[k.i]
			add(m.units[u].editors, m.units[u].leaders, next.units[u].editors, next.units[u].leaders)
		case segGroup:
			if g, ok := m.groupIdx[m.agencies[k.agency].src.Groups[k.i].ID]; ok {
				add(m.groups[g].members, next.groups[g].members)
			}
		case segOrgEditors:
			add(m.agencies[k.agency].orgEditors, next.agencies[k.agency].orgEditors)
		case segOrgLeaders:
			add(m.agencies[k.agency].orgLeaders, next.agencies[k.agency].orgLeaders)
		}
	}
	var out []string
	var b strings.Builder
	for _, p := range cands {
		if m.personSignatureOf(&b, p) != next.personSignatureOf(&b, p) {
			out = append(out, m.people[p].src.ID)
		}
	}
	sort.Strings(out)
	return out
}

// changedPagesAfter is the pages whose signature differs between m and next, reading only
// the pages a known change can reach: those at or under a rewritten page (its sections
// govern them, its people are their context), and the pages about an individual whose
// reports-to chain a rewritten record may have changed.
func (m *Model) changedPagesAfter(next *Model, ch *changeSet) []int32 {
	seen := make([]bool, len(m.pages))
	var cands []int32
	staff := map[int32]bool{}
	for k := range ch.keys {
		switch k.sort {
		case segPage:
			stack := []int32{m.agencies[k.agency].pages[k.i]}
			for len(stack) > 0 {
				x := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if !seen[x] {
					seen[x] = true
					cands = append(cands, x)
				}
				stack = append(stack, m.pages[x].children...)
			}
		case segRecord:
			staff[k.agency] = true
		}
	}
	if len(staff) > 0 {
		before, after := map[[2]int32]string{}, map[[2]int32]string{}
		// moved[ind]: 0 not asked yet, 1 the chain of individual page ind's person is the
		// same, 2 it moved (the pages under an individual page share it)
		moved := make([]uint8, len(m.pages))
		for a := range staff {
			for _, x := range m.agencies[a].pages {
				ind := m.pages[x].individual
				if ind < 0 || seen[x] {
					continue
				}
				if moved[ind] == 0 {
					g := m.pages[ind].person
					moved[ind] = 1
					if m.chainSignature(g, a, before) != next.chainSignature(g, a, after) {
						moved[ind] = 2
					}
				}
				if moved[ind] == 2 {
					seen[x] = true
					cands = append(cands, x)
				}
			}
		}
	}
	var out []int32
	chainsM, chainsN := map[[2]int32]string{}, map[[2]int32]string{}
	for _, x := range cands {
		if !m.samePageSide(next, x, staff[m.pages[x].agency], chainsM, chainsN) {
			out = append(out, x)
		}
	}
	return out
}

// samePageSide reports whether page x has the same signature (pageSignature) in m and next,
// which have the same people, units and pages at the same places: it compares what the
// signature writes out, without writing it. staffChanged tells whether records of the page's
// agency changed, the only change that can move reports-to chains.
func (m *Model) samePageSide(next *Model, x int32, staffChanged bool, chainsM, chainsN map[[2]int32]string) bool {
	P, N := &m.pages[x], &next.pages[x]
	if P.kind != N.kind || P.agency != N.agency || P.perf != N.perf || P.deptUnit != N.deptUnit ||
		P.metric != N.metric || P.task != N.task || P.individual != N.individual || P.project != N.project {
		return false
	}
	if P.sec != N.sec {
		if len(P.sec.entries) != len(N.sec.entries) {
			return false
		}
		for i := range P.sec.entries {
			e, f := &P.sec.entries[i], &N.sec.entries[i]
			if e.text.principal != f.text.principal || e.role != f.role || e.createSet() != f.createSet() {
				return false
			}
		}
	}
	if P.metric >= 0 && !slices.Equal(m.pages[P.metric].owners(), next.pages[N.metric].owners()) ||
		P.task >= 0 && !slices.Equal(m.pages[P.task].responsible(), next.pages[N.task].responsible()) ||
		!slices.Equal(P.creators, N.creators) {
		return false
	}
	if P.project >= 0 {
		for i := range m.pages[P.project].roles {
			if !slices.Equal(m.pages[P.project].roles[i], next.pages[N.project].roles[i]) {
				return false
			}
		}
	}
	if P.individual >= 0 {
		g, h := m.pages[P.individual].person, next.pages[N.individual].person
		if g != h || staffChanged && m.chainSignature(g, P.agency, chainsM) != next.chainSignature(h, N.agency, chainsN) {
			return false
		}
	}
	return true
}

// accessDiffAfter is accessDiff; after a known change it compares the pairs by their places,
// which are the same in both models.
// It lists the first n rows (n < 0: all) and counts every change.
func (m *Model) accessDiffAfter(next *Model, people []string, ch *changeSet, n int) ([]AccessChange, diffCounts) {
	if !ch.known() {
		if ch.byID() {
			return m.accessDiffByID(next, people, ch, n)
		}
		return m.accessDiffReloaded(next, people, n)
	}
	type row struct {
		p, x   int32
		before cellKey
		after  cellKey
	}
	// in the order of the people's ids, then of "page:" and the pages' ids
	personRank, pageRank := m.idRanks()
	rows := firstRows[row]{n: n}
	tally := newAccessTally(len(m.people), len(m.pages))
	compare := func(p, x int32) {
		bl, bc := m.cell(p, x)
		al, ac := next.cell(p, x)
		if bl != al || bc != ac {
			tally.add(p, x, bl, al)
			rows.add(uint64(personRank[p])<<32|uint64(pageRank[x]), row{p: p, x: x, before: cellKey{bl, bc}, after: cellKey{al, ac}})
		}
	}
	// agencies whose staff, pages or groups changed: what their pages say of anyone may have
	touched := make([]bool, len(m.agencies))
	for k := range ch.keys {
		switch k.sort {
		case segRecord, segPage, segGroup:
			touched[k.agency] = true
		}
	}
	dirty := make([]bool, len(m.people))
	d := m.snap.AsOf
	changedPages := m.changedPagesAfter(next, ch)
	places := make([][2]int32, len(people))
	for i, id := range people {
		p := m.personIdx[id]
		places[i] = [2]int32{p, p}
	}
	plans, byElement := m.dirtyPlans(next, places)
	seen := make([]int32, len(m.pages)) // the person a page was last compared for, from 1
	for i := range people {
		yieldNow(i)
		p := places[i][0]
		dirty[p] = true
		// the pages whose side changed and those with an entry whose answer for them did
		// (whatif_dirty.go), unless their standing changed
		if plan := plans[i]; !plan.whole {
			mark := int32(i + 1)
			once := func(x int32) {
				if seen[x] != mark {
					seen[x] = mark
					compare(p, x)
				}
			}
			for _, x := range changedPages {
				once(x)
			}
			for _, k := range plan.keys {
				for _, x := range byElement[k] {
					once(x)
				}
			}
			continue
		}
		P, N := &m.people[p], &next.people[p]
		// Without an administrator's rights, and with the same Person ID and the same answer
		// to "active staff anywhere" (SPEC §4.1 steps 2–4), a person without a record in an
		// agency untouched by the batch reads the same of its pages before and after: only
		// named forms can match them there, and those read the agency's own data.
		same := !P.admin && !N.admin && P.active == N.active && m.activeAnywhere(p, d) == next.activeAnywhere(p, d)
		for a := range m.agencies {
			if same && !touched[a] && !m.hasRecordIn(p, int32(a)) {
				continue
			}
			for _, x := range m.agencies[a].pages {
				compare(p, x)
			}
		}
	}
	// a changed page, for the people not among the changed whose cell on it can differ
	// (pageCandidates), who sit at the same places in both models
	atPlace := make([]int32, len(m.people))
	for p := range atPlace {
		atPlace[p] = int32(p)
	}
	c := newPageCandidates(&idPairs{m: m, next: next, personNext: atPlace, personM: atPlace}, dirty, dirty)
	for i, x := range changedPages {
		yieldNow(i)
		for _, r := range c.of(x, x, int32(i+1)) {
			compare(r.pm, x)
		}
	}
	kept := rows.sorted()
	out := make([]AccessChange, len(kept))
	cellFor := cellWords()
	resource := map[int32]string{}
	for i := range kept {
		r := &kept[i].row
		res, ok := resource[r.x]
		if !ok {
			res = "page:" + m.pages[r.x].src.ID
			resource[r.x] = res
		}
		out[i] = AccessChange{Subject: m.people[r.p].src.ID, Resource: res, Before: cellFor(r.before), After: cellFor(r.after)}
	}
	return out, tally.counts()
}

// cellKey is a cell as deciding gives it.
type cellKey struct {
	level  role
	create kindSet
}

// cellWords words the cells of one diff's rows, each cell once (cellOf); each row has its own
// create list, which an empty one has no room to share.
func cellWords() func(cellKey) Cell {
	cells := map[cellKey]Cell{}
	return func(k cellKey) Cell {
		c, ok := cells[k]
		if !ok {
			c = cellOf(k.level, k.create)
			cells[k] = c
		}
		if len(c.Create) > 0 {
			c.Create = slices.Clone(c.Create)
		}
		return c
	}
}

// idRanks are the places of the people's and the pages' ids in the order of the ids, found
// once per model.
func (m *Model) idRanks() (people, pages []int32) {
	m.ranks.once.Do(func() {
		rank := func(n int, id func(i int) string) []int32 {
			order := make([]int32, n)
			for i := range order {
				order[i] = int32(i)
			}
			slices.SortFunc(order, func(a, b int32) int { return strings.Compare(id(int(a)), id(int(b))) })
			out := make([]int32, n)
			for r, i := range order {
				out[i] = int32(r)
			}
			return out
		}
		m.ranks.people = rank(len(m.people), func(i int) string { return m.people[i].src.ID })
		m.ranks.pages = rank(len(m.pages), func(i int) string { return m.pages[i].src.ID })
	})
	return m.ranks.people, m.ranks.pages
}

// idRanks holds a model's idRanks once found; a model made from another with other ids (or
// other places) starts a new one.
type idRanks struct {
	once          sync.Once
	people, pages []int32
}

// hasRecordIn reports whether p has a staff record in agency a, whatever its dates.
func (m *Model) hasRecordIn(p, a int32) bool {
	for _, rr := range m.people[p].records {
		if rr.agency == a {
			return true
		}
	}
	return false
}

// agencyPeople are the people with a staff record in agency a, whatever its dates.
func (m *Model) agencyPeople(a int32) []int32 {
	var out []int32
	for i := range m.agencies[a].records {
		if p := m.agencies[a].records[i].person; p >= 0 {
			out = append(out, p)
		}
	}
	return out
}

// namedBy appends to out the people page x names on its side: in its effective section
// (user and group entries), as its metric's owners, its task's people responsible, its
// individual and everyone above them, its project's roles. The other forms of principal match
// only active staff of the page's agency (SPEC §4.2), and so does the creator rule (§4.4):
// anyone else has the same access to the page whatever its section and context.
func (m *Model) namedBy(x int32, out []int32) []int32 { return m.namedByChains(x, out, nil) }

// namedByChains is namedBy keeping in chains (when given) everyone above each individual,
// by person and agency.
func (m *Model) namedByChains(x int32, out []int32, chains map[[2]int32][]int32) []int32 {
	P := &m.pages[x]
	for i := range P.sec.entries {
		e := &P.sec.entries[i]
		switch e.principal {
		case pUser:
			out = append(out, e.ref)
		case pGroup:
			out = append(out, m.groups[e.ref].members...)
		}
	}
	if P.metric >= 0 {
		out = append(out, m.pages[P.metric].owners()...)
	}
	if P.task >= 0 {
		out = append(out, m.pages[P.task].responsible()...)
	}
	if P.individual >= 0 {
		g := m.pages[P.individual].person
		out = append(out, g)
		above, ok := chains[[2]int32{g, P.agency}]
		if !ok {
			above = m.chainAbove(g, P.agency, m.snap.AsOf)
			if chains != nil {
				chains[[2]int32{g, P.agency}] = above
			}
		}
		out = append(out, above...)
	}
	if P.project >= 0 {
		for _, r := range m.pages[P.project].roles {
			out = append(out, r...)
		}
	}
	return out
}
