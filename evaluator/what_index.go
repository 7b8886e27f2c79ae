package evaluator

import (
	"runtime"
	"slices"
	"sync"
	"weak"
)

// This file makes deciding one person on every page (What) cheap entry by entry. Every entry
// of every page is given, once per model, the slot where the answer for it is kept
// (whatIndex): the answer of an entry for one person on one day depends only on the
// principal and one element — the entry's group, unit, person or function, the page's
// agency, its department's unit or its metric, task, individual or project page (the keys of
// personMemo.memoClass) — so entries with the same principal and element share a slot. A
// call then keeps one byte a slot (slotAnswers), and an entry is decided by reading its
// byte, worked out by matchesHot the first time. The index also keeps how a row names the
// section of each page, which otherwise read the owner page's id from afar on every row.

// indexedEntry is entry i of a page's effective section as whatIndex keeps it: slot is where
// its answer is kept (-1: it names no one on this page, as a relative principal where the
// page has no such context); needs says it matches only active staff of the page's agency
// (needsAgencyMembership); withCreate that it has create rights, read from the entry itself
// only when it applies.
type indexedEntry struct {
	slot       int32
	principal  principalKind
	role       role
	needs      bool
	withCreate bool
}

// whatIndex is the entries of every page of one model in page order: page x's are
// entries[start[x]:start[x+1]], in the order of pageHot[x].entries. base[k] is the first slot
// of principal k; its slots follow by key (slotKey). Slot 0 is everyone's: always yes.
type whatIndex struct {
	start   []int32
	entries []indexedEntry
	// secWords[x] is how a row names the section that governs page x (rowWords.section),
	// one string for the pages that name it alike
	secWords []string
	base     [pFunction + 1]int32
	nFunc    int32
	slots    int32
	// named[namedStart[p]:namedStart[p+1]] are the slots whose answer is yes for person p
	// among those of the principals a page names people for (namedPrincipal); every other
	// slot of theirs is no for p, on any day (prefilled)
	namedStart []int32
	named      []int32
}

// The slots of one call: 0 not worked out yet, else no or yes.
const (
	slotNo  = 1
	slotYes = 2
)

// whatIndexes holds each model's whatIndex while the model lives. A model is never changed
// once made, so an index made for it stays right; the models edits make from it are other
// models (copies) and get their own. The index is let go when its model is collected.
var whatIndexes struct {
	sync.Mutex
	of map[weak.Pointer[Model]]*whatIndexOnce
}

type whatIndexOnce struct {
	once sync.Once
	idx  *whatIndex
}

// whatIndex is m's whatIndex, made on first use; nil when m decides from pages rather than
// pageHot (a model with a page without a section).
func (m *Model) whatIndex() *whatIndex {
	if len(m.pageHot) != len(m.pages) || len(m.pages) == 0 {
		return nil
	}
	k := weak.Make(m)
	whatIndexes.Lock()
	w, ok := whatIndexes.of[k]
	if !ok {
		if whatIndexes.of == nil {
			whatIndexes.of = map[weak.Pointer[Model]]*whatIndexOnce{}
		}
		w = &whatIndexOnce{}
		whatIndexes.of[k] = w
		runtime.AddCleanup(m, func(k weak.Pointer[Model]) {
			whatIndexes.Lock()
			delete(whatIndexes.of, k)
			whatIndexes.Unlock()
		}, k)
	}
	whatIndexes.Unlock()
	w.once.Do(func() { w.idx = m.newWhatIndex() })
	return w.idx
}

func (m *Model) newWhatIndex() *whatIndex {
	idx := &whatIndex{start: make([]int32, len(m.pageHot)+1), nFunc: int32(len(m.functions))}
	// the slots of each principal, as many as the elements its key ranges over
	size := func(k principalKind) int {
		switch k {
		case pEveryone:
			return 1
		case pOrgEditor, pOrgLeader:
			return len(m.agencies)
		case pDeptMember, pDeptEditor, pDeptLeader, pUnit:
			return len(m.units)
		case pGroup:
			return len(m.groups)
		case pUser:
			return len(m.people)
		case pFunction:
			return len(m.agencies) * len(m.functions)
		case pInvalid:
			return 0
		}
		return len(m.pages) // the relative principals, keyed by a page of the context
	}
	next := int32(0)
	for k := pInvalid; k <= pFunction; k++ {
		idx.base[k] = next
		next += int32(size(k))
	}
	idx.slots = next
	n := 0
	for x := range m.pageHot {
		n += len(m.pageHot[x].entries)
	}
	idx.entries = make([]indexedEntry, 0, n)
	for x := range m.pageHot {
		H := &m.pageHot[x]
		idx.start[x] = int32(len(idx.entries))
		for i := range H.entries {
			e := &H.entries[i]
			slot := int32(-1)
			if key := m.slotKey(e, int32(x), H.agency); key >= 0 {
				slot = idx.base[e.principal] + key
				if e.principal == pFunction {
					slot = idx.base[pFunction] + H.agency*idx.nFunc + key
				}
			}
			idx.entries = append(idx.entries, indexedEntry{slot: slot, principal: e.principal, role: e.role,
				needs: e.principal.needsAgencyMembership(), withCreate: e.withCreate})
		}
	}
	idx.start[len(m.pageHot)] = int32(len(idx.entries))
	idx.namedStart = make([]int32, len(m.people)+1)
	m.eachNamed(func(p int32, _ principalKind, _ int32) { idx.namedStart[p+1]++ })
	for p := range m.people {
		idx.namedStart[p+1] += idx.namedStart[p]
	}
	idx.named = make([]int32, idx.namedStart[len(m.people)])
	fill := slices.Clone(idx.namedStart[:len(m.people)])
	m.eachNamed(func(p int32, k principalKind, x int32) {
		idx.named[fill[p]] = idx.base[k] + x
		fill[p]++
	})
	idx.secWords = make([]string, len(m.pages))
	words := map[string]string{}
	var b []byte
	for x := range m.pages {
		b = m.appendSection(b[:0], int32(x))
		s, ok := words[string(b)]
		if !ok {
			s = string(b)
			words[s] = s
		}
		idx.secWords[x] = s
	}
	return idx
}

// slotKey is the element entry e's answer on page x (agency a) depends on besides the
// person and day: the key of personMemo.memoClass, the entry's own ref for user: and
// function:, 0 for everyone; -1 where the entry names no one on x (matchesHot answers no).
func (m *Model) slotKey(e *entryC, x, a int32) int32 {
	switch e.principal {
	case pEveryone:
		return 0
	case pUser, pFunction:
		return e.ref
	case pInvalid:
		return -1
	}
	_, key, _ := (&personMemo{m: m}).memoClass(e.principal, e.ref, x, a)
	return key
}

// slotAnswers is one person's answers on one day, slot by slot of idx.
type slotAnswers struct {
	idx *whatIndex
	ans []uint8
}

// newSlotAnswers is person p's answers: none worked out yet but everyone's (always yes,
// the agency's active staff being checked first) and those of the principals a page names
// people for (prefilled).
func newSlotAnswers(idx *whatIndex, p int32) *slotAnswers {
	s := &slotAnswers{idx: idx, ans: make([]uint8, idx.slots)}
	s.ans[0] = slotYes
	for _, slot := range idx.named[idx.namedStart[p]:idx.namedStart[p+1]] {
		s.ans[slot] = slotYes
	}
	return s
}

// namedPrincipal: the principals whose answers are named on the pages of the context
// themselves, whoever asks and on any day: a metric's owners, a task's responsible, an
// individual page's person, a project's sponsors, leaders, members and consultants.
func (k principalKind) namedPrincipal() bool {
	switch k {
	case pMetricOwner, pPersonResponsible, pGivenIndividual, pProjectSponsor, pProjectLeader, pProjectMember, pProjectConsultant:
		return true
	}
	return false
}

// eachNamed calls f for every person page x names for a principal k that reads x's own
// lists (namedPrincipal), as matchesHot reads them: metric_owner for the owners of x,
// person_responsible for its responsible, given_individual for its person and project_* for
// its roles.
func (m *Model) eachNamed(f func(p int32, k principalKind, x int32)) {
	for x := range m.pages {
		P := &m.pages[x]
		for _, p := range P.owners() {
			f(p, pMetricOwner, int32(x))
		}
		for _, p := range P.responsible() {
			f(p, pPersonResponsible, int32(x))
		}
		if P.person >= 0 {
			f(P.person, pGivenIndividual, int32(x))
		}
		if P.roles != nil {
			for r, list := range P.roles {
				for _, p := range list {
					f(p, pProjectSponsor+principalKind(r), int32(x))
				}
			}
		}
	}
}

// work is matchesHot's answer for entry e of page pg (agency a), kept in its slot: the slot
// tells the entry's ref for the principals that read it (unit:, group:, user:, function:).
func (pm *personMemo) work(e indexedEntry, pg, a, rec int32) uint8 {
	idx := pm.slots.idx
	ref := e.slot - idx.base[e.principal]
	if e.principal == pFunction {
		ref %= idx.nFunc
	}
	v := uint8(slotNo)
	if pm.m.matchesHot(e.principal, ref, pm.p, pg, a, pm.d, rec) {
		v = slotYes
	}
	pm.slots.ans[e.slot] = v
	return v
}

// sectionLevelIndexed is Model.sectionLevelHits for the memo's person and day on page x,
// deciding each entry from its slot: entry for entry the same steps, in the same order.
func (pm *personMemo) sectionLevelIndexed(x int32) (lvl role, create kindSet, hits uint64, hitsOK bool) {
	m, idx, ans := pm.m, pm.slots.idx, pm.slots.ans
	H := &m.pageHot[x]
	a := H.agency
	rec := m.activeRecord(pm.p, a, pm.d)
	entries := idx.entries[idx.start[x]:idx.start[x+1]]
	lvl = roleNotSet
	for i, e := range entries {
		if e.slot < 0 || (rec < 0 && e.needs) {
			continue
		}
		v := ans[e.slot]
		if v == 0 && !e.principal.namedPrincipal() { // named ones not prefilled are no
			v = pm.work(e, x, a, rec)
		}
		if v != slotYes {
			continue
		}
		if e.role == roleDenied {
			return roleDenied, 0, 0, false
		}
		if e.role > lvl {
			lvl = e.role
		}
		if e.withCreate {
			create |= H.entries[i].text.createSet
		}
		hits |= 1 << (uint(i) & 63)
	}
	if rec >= 0 && containsID(H.creators, pm.p) { // isCreator, with the record found above
		lvl = roleFull
	}
	return lvl, create & kindRules[H.kind].children, hits, len(entries) <= 64
}
