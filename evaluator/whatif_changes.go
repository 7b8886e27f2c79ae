package evaluator

import (
	"sort"
	"strings"
)

// changeSet is what the edits of a batch changed, as far as the model knows it: the segments
// of the document they rewrote (edit_doc.go), or, once an edit was applied by loading the
// document again, nothing known (reloaded). The what-if diff (SPEC §6) and the notifications
// of §5.9 compare only what a known change can reach; an unknown one compares everything.
type changeSet struct {
	keys     map[segKey]bool
	reloaded bool
}

func (ch *changeSet) add(segs map[segKey][]byte) {
	if ch == nil {
		return
	}
	if ch.keys == nil {
		ch.keys = map[segKey]bool{}
	}
	for k := range segs {
		ch.keys[k] = true
	}
}

func (ch *changeSet) addReload() {
	if ch != nil {
		ch.reloaded = true
	}
}

// known: next was made from m by rewriting these segments only, so both have the same
// people, agencies, units, groups and pages at the same places.
func (ch *changeSet) known() bool { return ch != nil && !ch.reloaded }

// changedPeopleAfter is changedPeople, reading only the people a known change can reach: the
// people rewritten, the person of each record rewritten, and the people a rewritten unit,
// group or organization role list named before or names after.
func (m *Model) changedPeopleAfter(next *Model, ch *changeSet) []string {
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
	seen := map[int32]bool{}
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
		before, after := map[int32]string{}, map[int32]string{}
		for a := range staff {
			for _, x := range m.agencies[a].pages {
				ind := m.pages[x].individual
				if ind < 0 || seen[x] {
					continue
				}
				g := m.pages[ind].person
				if m.chainSignature(g, a, before) != next.chainSignature(g, a, after) {
					seen[x] = true
					cands = append(cands, x)
				}
			}
		}
	}
	var out []int32
	var b strings.Builder
	chainsM, chainsN := map[int32]string{}, map[int32]string{}
	for _, x := range cands {
		if m.pageSignature(&b, x, chainsM) != next.pageSignature(&b, x, chainsN) {
			out = append(out, x)
		}
	}
	return out
}

// accessDiffAfter is accessDiff; after a known change it compares the pairs by their places,
// which are the same in both models.
func (m *Model) accessDiffAfter(next *Model, people []string, ch *changeSet) []AccessChange {
	if !ch.known() {
		return m.accessDiff(next, people)
	}
	out := []AccessChange{}
	compare := func(p, x int32) {
		bl, bc := m.cell(p, x)
		al, ac := next.cell(p, x)
		if bl != al || bc != ac {
			out = append(out, AccessChange{Subject: m.people[p].src.ID, Resource: "page:" + m.pages[x].src.ID, Before: cellOf(bl, bc), After: cellOf(al, ac)})
		}
	}
	dirty := make(map[int32]bool, len(people))
	for _, id := range people {
		p := m.personIdx[id]
		dirty[p] = true
		for x := range m.pages {
			compare(p, int32(x))
		}
	}
	// a page's changed side reaches the staff of its agency and the people it names
	staff := map[int32][]int32{}
	mark := make([]bool, len(m.people))
	for _, x := range m.changedPagesAfter(next, ch) {
		a := m.pages[x].agency
		if _, ok := staff[a]; !ok {
			staff[a] = m.agencyPeople(a)
		}
		people := append(m.namedBy(x, nil), next.namedBy(x, nil)...)
		people = append(people, staff[a]...)
		for _, p := range people {
			if !mark[p] && !dirty[p] {
				mark[p] = true
				compare(p, x)
			}
		}
		for _, p := range people {
			mark[p] = false
		}
	}
	sortAccess(out)
	return out
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
func (m *Model) namedBy(x int32, out []int32) []int32 {
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
		out = append(out, m.pages[P.metric].owners...)
	}
	if P.task >= 0 {
		out = append(out, m.pages[P.task].responsible...)
	}
	if P.individual >= 0 {
		g := m.pages[P.individual].person
		out = append(out, g)
		out = append(out, m.chainAbove(g, P.agency, m.snap.AsOf)...)
	}
	if P.project >= 0 {
		for _, r := range m.pages[P.project].roles {
			out = append(out, r...)
		}
	}
	return out
}

func sortAccess(out []AccessChange) {
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Resource < out[j].Resource
	})
}
