package evaluator

import (
	"slices"
	"strings"
)

// This file is the access diff of SPEC §6 between two models whose people and pages need not
// sit at the same places (a batch that added, removed or moved elements, or a document loaded
// again). Ids are matched once (idPairs) and every pair is then compared by place, as after a
// known change; the rows are kept in the diff's order by two ranks, and counted, without a row
// made for each change. A changed page is compared only for the people whose cell on it can
// differ (pageCandidates): a consolidation of two units at the largest agency changes 1,800
// pages that 6,000 people can reach, and only the members of the two units read them
// otherwise.

// idPairs matches the pages and the people of m and next by id: m's page x is next's page
// pageNext[x] and next's page y is m's pageM[y] (-1: not in the other model); likewise for
// people. pageRank and personRank place the ids of both models in one order, the order of the
// ids, which is the order the diff lists its rows in.
type idPairs struct {
	pageNext, pageM          []int32
	pageRankM, pageRankN     []int32
	personNext, personM      []int32
	personRankM, personRankN []int32
	m, next                  *Model
}

func (m *Model) idPairs(next *Model) *idPairs {
	personRank, pageRank := m.idRanks()
	pr := &idPairs{m: m, next: next}
	pageM := func(i int) string { return m.pages[i].src.ID }
	pageN := func(i int) string { return next.pages[i].src.ID }
	pr.pageNext, pr.pageM = matchPlaces(len(m.pages), len(next.pages), pageM, pageN, next.pageIdx.get)
	pr.pageRankM, pr.pageRankN = unionRanks(pageRank, pr.pageM, pageM, pageN)
	personM := func(i int) string { return m.people[i].src.ID }
	personN := func(i int) string { return next.people[i].src.ID }
	findPerson := func(id string) (int32, bool) { p, ok := next.personIdx[id]; return p, ok }
	pr.personNext, pr.personM = matchPlaces(len(m.people), len(next.people), personM, personN, findPerson)
	pr.personRankM, pr.personRankN = unionRanks(personRank, pr.personM, personM, personN)
	return pr
}

// matchPlaces gives, for each of nM elements of one model, the place of the element with its
// id among nN of another (-1: none), and the reverse. An element at its place, or moved by as
// many places as the one before it (all those after an element added or removed), is matched
// without a lookup.
func matchPlaces(nM, nN int, idM, idN func(int) string, find func(string) (int32, bool)) (toN, toM []int32) {
	toN, toM = make([]int32, nM), make([]int32, nN)
	for j := range toM {
		toM[j] = -1
	}
	shift := 0
	for i := range toN {
		id := idM(i)
		j := int32(-1)
		if at := i + shift; at >= 0 && at < nN && idN(at) == id {
			j = int32(at)
		} else if k, ok := find(id); ok {
			j, shift = k, int(k)-i
		}
		toN[i] = j
		if j >= 0 {
			toM[j] = int32(i)
		}
	}
	return toN, toM
}

// unionRanks places the ids of two models in the order of all of them: rankM is each id's
// place among those of the first model (Model.idRanks), toM matches the second's to the
// first's. The second's new ids are few (what a batch added), so they are sorted apart and
// merged in.
func unionRanks(rankM, toM []int32, idM, idN func(int) string) (rm, rn []int32) {
	order := make([]int32, len(rankM)) // order[r] is the element of rank r
	for i, r := range rankM {
		order[r] = int32(i)
	}
	var fresh []int32
	for j, i := range toM {
		if i < 0 {
			fresh = append(fresh, int32(j))
		}
	}
	slices.SortFunc(fresh, func(a, b int32) int { return strings.Compare(idN(int(a)), idN(int(b))) })
	rm, rn = make([]int32, len(rankM)), make([]int32, len(toM))
	r, k := int32(0), 0
	for _, i := range order {
		for k < len(fresh) && idN(int(fresh[k])) < idM(int(i)) {
			rn[fresh[k]], r, k = r, r+1, k+1
		}
		rm[i], r = r, r+1
	}
	for ; k < len(fresh); k++ {
		rn[fresh[k]], r = r, r+1
	}
	for j, i := range toM {
		if i >= 0 {
			rn[j] = rm[i]
		}
	}
	return rm, rn
}

// byIDRow is a changed pair of the diff: the person's places in m and next, the page's, and
// both cells. The ids are read from the model that has them for the rows listed only.
type byIDRow struct {
	pm, pn, x, y  int32
	before, after cellKey
}

// byIDDiff gathers the rows of one diff in its order and counts them.
type byIDDiff struct {
	pr    *idPairs
	rows  firstRows[byIDRow]
	tally accessTally
}

// add records the pair of person (pm in m, pn in next) and page (x in m, y in next) when its
// cells differ.
func (d *byIDDiff) add(pm, pn, x, y int32, before, after cellKey) {
	if before == after {
		return
	}
	pr := d.pr
	var pRank, xRank int32
	if pm >= 0 {
		pRank = pr.personRankM[pm]
	} else {
		pRank = pr.personRankN[pn]
	}
	if x >= 0 {
		xRank = pr.pageRankM[x]
	} else {
		xRank = pr.pageRankN[y]
	}
	d.tally.add(pRank, xRank, before.level, after.level)
	d.rows.add(uint64(pRank)<<32|uint64(xRank), byIDRow{pm: pm, pn: pn, x: x, y: y, before: before, after: after})
}

// changes are the rows kept, as the diff lists them.
func (d *byIDDiff) changes() []AccessChange {
	kept := d.rows.sorted()
	out := make([]AccessChange, len(kept))
	cellFor := cellWords()
	pr := d.pr
	for i := range kept {
		r := &kept[i].row
		var person, page string
		if r.pm >= 0 {
			person = pr.m.people[r.pm].src.ID
		} else {
			person = pr.next.people[r.pn].src.ID
		}
		if r.x >= 0 {
			page = pr.m.pages[r.x].src.ID
		} else {
			page = pr.next.pages[r.y].src.ID
		}
		out[i] = AccessChange{Subject: person, Resource: "page:" + page, Before: cellFor(r.before), After: cellFor(r.after)}
	}
	return out
}

// personSide decides one person's cells of a model page by page, their memberships asked once
// (personMemo) as What does; a person the model does not have is none everywhere.
type personSide struct {
	m  *Model
	q  query
	ok bool
}

func (m *Model) personSide(p int32) *personSide {
	s := &personSide{m: m, ok: p >= 0}
	if s.ok {
		s.q = query{person: p, action: actRead, target: targetPage, day: m.snap.AsOf, cap: -1}
		s.q.memo = newPersonMemo(m, p, s.q.day)
	}
	return s
}

func (s *personSide) cell(x int32) cellKey {
	if !s.ok || x < 0 {
		return cellKey{level: roleNotSet}
	}
	s.q.ref = x
	o := s.m.decide(s.q, nil)
	return cellKey{o.level, o.create}
}

// cellAt is p's cell of page x in m; none when either is not there.
func (m *Model) cellAt(p, x int32) cellKey {
	if p < 0 || x < 0 {
		return cellKey{level: roleNotSet}
	}
	l, c := m.cell(p, x)
	return cellKey{l, c}
}

// accessDiffOn compares, matching pairs by id, each changed person on the changed pages and on
// those with an entry whose answer for them changed (changedElements), or on every page they
// can reach in either model when their standing changed; and each changed page (by id) for
// the people who are not among the changed and whose cell on it can differ (pageCandidates).
// It lists the first n rows (n < 0: all) and counts every change.
func (m *Model) accessDiffOn(next *Model, people, pages []string, n int) ([]AccessChange, diffCounts) {
	pr := m.idPairs(next)
	d := &byIDDiff{pr: pr, rows: firstRows[byIDRow]{n: n}, tally: newAccessTally(len(m.people)+len(next.people), len(m.pages)+len(next.pages))}
	dirtyM, dirtyN := make([]bool, len(m.people)), make([]bool, len(next.people))
	rm, rn := m.reachOf(people), next.reachOf(people)
	seenM, seenN := make([]int32, len(m.pages)), make([]int32, len(next.pages)) // by person, from 1
	changed := m.pagePlaces(next, pages)
	places := make([][2]int32, len(people))
	for i, id := range people {
		places[i] = [2]int32{-1, -1}
		if p, ok := m.personIdx[id]; ok {
			places[i][0] = p
		}
		if p, ok := next.personIdx[id]; ok {
			places[i][1] = p
		}
	}
	plans, byElement := m.dirtyPlans(next, places)
	for i, id := range people {
		yieldNow(i)
		pm, pn := places[i][0], places[i][1]
		if pm >= 0 {
			dirtyM[pm] = true
		}
		if pn >= 0 {
			dirtyN[pn] = true
		}
		before, after := m.personSide(pm), next.personSide(pn)
		mark := int32(i + 1)
		compare := func(x, y int32) {
			if x >= 0 {
				if seenM[x] == mark {
					return
				}
				seenM[x] = mark
			}
			if y >= 0 {
				if seenN[y] == mark {
					return
				}
				seenN[y] = mark
			}
			d.add(pm, pn, x, y, before.cell(x), after.cell(y))
		}
		if plan := plans[i]; !plan.whole {
			// the pages whose side changed, and those with an entry whose answer for them did
			for _, xy := range changed {
				compare(xy[0], xy[1])
			}
			for _, k := range plan.keys {
				for _, x := range byElement[k] {
					compare(x, pr.pageNext[x])
				}
			}
			continue
		}
		if rm.everyPage[id] || rn.everyPage[id] {
			for x := range m.pages {
				compare(int32(x), pr.pageNext[x])
			}
			for y := range next.pages {
				if pr.pageM[y] < 0 {
					compare(-1, int32(y))
				}
			}
			continue
		}
		for _, x := range rm.pages[id] {
			compare(x, pr.pageNext[x])
		}
		for _, y := range rn.pages[id] {
			compare(pr.pageM[y], y)
		}
	}
	m.changedPageCells(next, d, changed, dirtyM, dirtyN)
	return d.changes(), d.tally.counts()
}

// changedPageCells compares each changed page (its places in m and next) for the people who
// are not dirty and whose cell on it can differ between m and next (pageCandidates).
func (m *Model) changedPageCells(next *Model, d *byIDDiff, changed [][2]int32, dirtyM, dirtyN []bool) {
	if len(changed) == 0 {
		return
	}
	c := newPageCandidates(d.pr, dirtyM, dirtyN)
	for i, xy := range changed {
		yieldNow(i)
		x, y := xy[0], xy[1]
		for _, r := range c.of(x, y, int32(i+1)) {
			d.add(r.pm, r.pn, x, y, m.cellAt(r.pm, x), next.cellAt(r.pn, y))
		}
	}
}

// pagePlaces are the places in m and next of the pages given by id (-1: not in that model).
func (m *Model) pagePlaces(next *Model, pages []string) [][2]int32 {
	out := make([][2]int32, 0, len(pages))
	for _, id := range pages {
		xy := [2]int32{-1, -1}
		if x, ok := m.pageIdx.get(id); ok {
			xy[0] = x
		}
		if y, ok := next.pageIdx.get(id); ok {
			xy[1] = y
		}
		if xy != [2]int32{-1, -1} {
			out = append(out, xy)
		}
	}
	return out
}

// personPair is one person's places in m and next (-1: not in that model).
type personPair struct{ pm, pn int32 }

// pageCandidates finds the people whose cell of a changed page can differ between two models,
// among those who are not dirty: a person who is not dirty is the same in both (their records,
// groups, organization and unit roles: personSignatureOf), so an entry of a form that reads
// only the person and one element named by id (everyone, the organization's and the
// department's roles, a unit, a function, a user, a group) answers them alike on both sides
// when it is on both with the same role and create rights, the page's agency and kind being
// the same. Such entries cancel out; the candidates are the people the other entries of
// either side can match, those the page names (namedBy: its users and groups, its context's
// people, the people above its individual, who decide a performance report), its creators
// and the administrators. Anyone else matches the same entries on both sides, and so has the
// same cell (SPEC §4.1–4.4, §4.6).
type pageCandidates struct {
	pr             *idPairs
	dirtyM, dirtyN []bool
	sideM, sideN   *entryMatchers
	stampM, stampN []int32 // the page a person was last added for, from 1
	out            []personPair
	named          []int32
	count          map[entryID]int
	idsM           []sideID // m's entries of the page asked, by ids
}

// sideID is an entry by ids (entryID), ok false for a form that never cancels out.
type sideID struct {
	k  entryID
	ok bool
}

// newPageCandidates finds candidates between pr's models, but the people dirty in either.
func newPageCandidates(pr *idPairs, dirtyM, dirtyN []bool) *pageCandidates {
	return &pageCandidates{pr: pr, dirtyM: dirtyM, dirtyN: dirtyN,
		sideM: newEntryMatchers(pr.m), sideN: newEntryMatchers(pr.next),
		stampM: make([]int32, len(pr.m.people)), stampN: make([]int32, len(pr.next.people))}
}

// of are the candidates of page x of m and y of next (-1: not in that model); stamp tells
// this page from the others asked (from 1).
func (c *pageCandidates) of(x, y, stamp int32) []personPair {
	c.out = c.out[:0]
	liveM, liveN := c.live(x, y)
	if x >= 0 {
		c.side(c.sideM, x, liveM, stamp, func(p int32) personPair { return personPair{p, c.pr.personNext[p]} })
	}
	if y >= 0 {
		c.side(c.sideN, y, liveN, stamp, func(q int32) personPair { return personPair{c.pr.personM[q], q} })
	}
	return c.out
}

// side adds the candidates one side of the page gives: the people its live entries can match,
// those it names, its creators and the administrators.
func (c *pageCandidates) side(s *entryMatchers, x int32, live []bool, stamp int32, pair func(int32) personPair) {
	add := func(p int32) {
		r := pair(p)
		if r.pm >= 0 && (c.dirtyM[r.pm] || c.stampM[r.pm] == stamp) || r.pn >= 0 && (c.dirtyN[r.pn] || c.stampN[r.pn] == stamp) {
			return
		}
		if r.pm >= 0 {
			c.stampM[r.pm] = stamp
		}
		if r.pn >= 0 {
			c.stampN[r.pn] = stamp
		}
		c.out = append(c.out, r)
	}
	m := s.m
	P := &m.pages[x]
	if P.sec != nil {
		// an everyone entry live matches all the agency's staff: the other forms that need a
		// record in the agency match no one else
		everyone := false
		for i := range P.sec.entries {
			if (live == nil || live[i]) && P.sec.entries[i].principal == pEveryone {
				everyone = true
			}
		}
		for i := range P.sec.entries {
			e := &P.sec.entries[i]
			if live != nil && !live[i] || everyone && e.principal != pEveryone {
				continue
			}
			for _, p := range s.of(e, x) {
				// the lists of units and functions are of every agency: only staff of the
				// page's agency match (SPEC §4.2)
				if e.principal == pEveryone || m.hasRecordIn(p, P.agency) {
					add(p)
				}
			}
		}
	}
	c.named = m.namedBy(x, c.named[:0])
	for _, p := range c.named {
		add(p)
	}
	for _, p := range P.creators {
		add(p)
	}
	for _, p := range s.admins {
		add(p)
	}
}

// live marks the entries of each side that do not cancel out with one of the other side (nil:
// all of them live).
func (c *pageCandidates) live(x, y int32) (liveM, liveN []bool) {
	m, next := c.sideM.m, c.sideN.m
	if x < 0 || y < 0 {
		return nil, nil
	}
	P, N := &m.pages[x], &next.pages[y]
	if P.sec == nil || N.sec == nil || P.kind != N.kind || P.perf != N.perf ||
		m.agencies[P.agency].src.ID != next.agencies[N.agency].src.ID {
		return nil, nil
	}
	if c.count == nil {
		c.count = map[entryID]int{}
	}
	clear(c.count)
	liveM, liveN = make([]bool, len(P.sec.entries)), make([]bool, len(N.sec.entries))
	c.idsM = c.idsM[:0]
	for i := range P.sec.entries {
		k, ok := m.entryID(&P.sec.entries[i], x)
		c.idsM = append(c.idsM, sideID{k, ok})
		if ok {
			c.count[k]++
		}
	}
	for i := range N.sec.entries {
		k, ok := next.entryID(&N.sec.entries[i], y)
		if ok && c.count[k] > 0 {
			c.count[k]--
			continue
		}
		liveN[i] = true
	}
	for i, id := range c.idsM {
		k, ok := id.k, id.ok
		if ok && c.count[k] == 0 {
			continue // matched by one of the other side (the counts left are those unmatched)
		}
		if ok {
			c.count[k]--
		}
		liveM[i] = true
	}
	return liveM, liveN
}

// entryID is an entry as it reads for a person who is the same in two models: its form, role,
// create rights and the id of the one element it names (see pageCandidates).
type entryID struct {
	principal principalKind
	role      role
	create    kindSet
	element   string
}

// entryID is entry e of page x by ids; false for the forms that read more than the person and
// one element (the page's relative principals).
func (m *Model) entryID(e *entryC, x int32) (entryID, bool) {
	k := entryID{principal: e.principal, role: e.role}
	if e.withCreate {
		k.create = e.text.createSet
	}
	switch e.principal {
	case pEveryone, pOrgEditor, pOrgLeader:
	case pDeptMember, pDeptEditor, pDeptLeader:
		k.element = m.unitID(m.pages[x].deptUnit)
	case pUnit:
		k.element = m.units[e.ref].src.ID
	case pFunction:
		k.element = m.functions[e.ref].src.Code
	case pUser:
		k.element = m.people[e.ref].src.ID
	case pGroup:
		k.element = m.groups[e.ref].src.ID
	default:
		return k, false
	}
	return k, true
}

// entryMatchers lists, for one model, the people an entry of a form that needs a record in
// the page's agency can match: the staff of the agency, the members of a unit (in-assigned or
// out-assigned, on any day), the holders of a function; the other forms name their people
// (namedBy).
type entryMatchers struct {
	m       *Model
	admins  []int32
	staff   map[int32][]int32
	inUnit  [][]int32 // by unit, made on first use
	holding map[int32][]int32
}

func newEntryMatchers(m *Model) *entryMatchers {
	return &entryMatchers{m: m, admins: m.admins(), staff: map[int32][]int32{}}
}

func (s *entryMatchers) of(e *entryC, x int32) []int32 {
	m := s.m
	P := &m.pages[x]
	switch e.principal {
	case pEveryone:
		if _, ok := s.staff[P.agency]; !ok {
			s.staff[P.agency] = m.agencyPeople(P.agency)
		}
		return s.staff[P.agency]
	case pOrgEditor:
		return m.agencies[P.agency].orgEditors
	case pOrgLeader:
		return m.agencies[P.agency].orgLeaders
	case pDeptMember:
		return s.members(P.deptUnit)
	case pDeptEditor:
		if P.deptUnit >= 0 {
			return m.units[P.deptUnit].editors
		}
	case pDeptLeader:
		if P.deptUnit >= 0 {
			return m.units[P.deptUnit].leaders
		}
	case pUnit:
		return s.members(e.ref)
	case pFunction:
		if s.holding == nil {
			s.holding = map[int32][]int32{}
			for a := range m.agencies {
				for i := range m.agencies[a].records {
					r := &m.agencies[a].records[i]
					for _, f := range r.functions {
						if r.person >= 0 {
							s.holding[f] = append(s.holding[f], r.person)
						}
					}
				}
			}
		}
		return s.holding[e.ref]
	}
	return nil
}

// members are the people with a record in unit u or an out-assignment to it, whatever its
// dates.
func (s *entryMatchers) members(u int32) []int32 {
	if u < 0 {
		return nil
	}
	if s.inUnit == nil {
		m := s.m
		s.inUnit = make([][]int32, len(m.units))
		for a := range m.agencies {
			for i := range m.agencies[a].records {
				r := &m.agencies[a].records[i]
				if r.person < 0 {
					continue
				}
				if r.unit >= 0 {
					s.inUnit[r.unit] = append(s.inUnit[r.unit], r.person)
				}
				for _, o := range r.outs {
					s.inUnit[o.unit] = append(s.inUnit[o.unit], r.person)
				}
			}
		}
	}
	return s.inUnit[u]
}
