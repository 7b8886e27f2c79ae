package evaluator

import (
	"math/bits"
	"unsafe"
)

// This file makes who and what fast at the size of the largest agency: what(person) decides
// every page for one person, so what the person is a member of is asked again and again of
// the same groups, units and context pages (personMemo); and each row's reason is worded
// from a few shared parts into one buffer (rowWords) instead of a sentence of its own built
// with fmt for every row.

// personMemo remembers, for one person on one day, the answers of matchesHot that do not
// depend on the page asked about but on one element of its context: the agency for org_*,
// the unit for dept_* and unit:, the group for group:, the metric, task, individual or
// project page for the relative principals (SPEC §4.2). Each answer is matchesHot's own,
// asked once and kept, so a memo decides exactly as matchesHot does.
type personMemo struct {
	m *Model
	p int32
	d Date
	// two bits a class: 0 not asked yet, 1 no, 2 yes (memoClass)
	byAgency, byUnit, byGroup, byPage []uint32
	// slots, when not nil, are the person's answers by the slots of the model's whatIndex,
	// which deciding a page reads instead (what_index.go)
	slots *slotAnswers
}

func newPersonMemo(m *Model, p int32, d Date) *personMemo {
	return &personMemo{m: m, p: p, d: d,
		byAgency: make([]uint32, len(m.agencies)), byUnit: make([]uint32, len(m.units)),
		byGroup: make([]uint32, len(m.groups)), byPage: make([]uint32, len(m.pages))}
}

// memoClass is the list and the slot of a principal's remembered answers, and the element
// of the page's context they are keyed by (-1: the principal has no such context there).
func (pm *personMemo) memoClass(principal principalKind, ref, pg, a int32) ([]uint32, int32, uint) {
	P := &pm.m.pages[pg]
	switch principal {
	case pOrgEditor, pOrgLeader:
		return pm.byAgency, a, uint(principal - pOrgEditor)
	case pDeptMember, pDeptEditor, pDeptLeader:
		return pm.byUnit, P.deptUnit, uint(principal - pDeptMember)
	case pUnit:
		return pm.byUnit, ref, 3
	case pGroup:
		return pm.byGroup, ref, 0
	case pMetricOwner:
		return pm.byPage, P.metric, 0
	case pPersonResponsible:
		return pm.byPage, P.task, 1
	case pGivenIndividual, pReportsTo, pReportsToAbove:
		return pm.byPage, P.individual, 2 + uint(principal-pGivenIndividual)
	case pProjectSponsor, pProjectLeader, pProjectMember, pProjectConsultant:
		return pm.byPage, P.project, 5 + uint(principal-pProjectSponsor)
	}
	return nil, -1, 0
}

// matches is matchesHot for the memo's person and day, rec being their record in the page's
// agency a active that day (-1: none).
func (pm *personMemo) matches(principal principalKind, ref, pg, a, rec int32) bool {
	if rec < 0 && principal.needsAgencyMembership() {
		return false
	}
	switch principal {
	case pEveryone:
		return true
	case pUser:
		return ref == pm.p
	}
	list, key, slot := pm.memoClass(principal, ref, pg, a)
	if list == nil || key < 0 {
		return pm.m.matchesHot(principal, ref, pm.p, pg, a, pm.d, rec)
	}
	switch (list[key] >> (2 * slot)) & 3 {
	case 1:
		return false
	case 2:
		return true
	}
	ok := pm.m.matchesHot(principal, ref, pm.p, pg, a, pm.d, rec)
	v := uint32(1)
	if ok {
		v = 2
	}
	list[key] |= v << (2 * slot)
	return ok
}

// rowWords words the rows of one who or what answer. A row's reason is the reason that
// decided it, then the other entries that apply, in the short form of RULES.md §8:
//
//	the entry dept_member (editor) in the security of pg-alb-dep-cpsi1: they are in-assigned
//	to CPS Intake 1 (u-alb-cpsi1), the unit of the department page pg-alb-dep-cpsi1; also
//	the entry everyone (reader)
//
// How a person is a member is worded once for each principal and element of context it
// depends on (howKey) and shared by the rows that need it; each row's text is written into
// a shared buffer, one allocation for many rows.
type rowWords struct {
	m     *Model
	how   map[howKey]string
	admin map[int32]string
	rows  map[string]string // the reasons written so far: rows with the same words share them
	buf   []byte            // the row being written
	chunk []byte            // where finished rows are kept; never written again below its length
	hits  []int             // scratch: the applying entries of the row being written
	idx   *whatIndex        // the model's, when the answer reads its words of sections
}

type howKey struct {
	principal principalKind
	key       int32
	extra     Date
}

func newRowWords(m *Model) *rowWords {
	return &rowWords{m: m, how: map[howKey]string{}, admin: map[int32]string{}, rows: map[string]string{}}
}

// keep returns the row written in buf as a string: the one of an earlier row with the same
// words, else a copy in the shared chunk.
func (w *rowWords) keep() string {
	n := len(w.buf)
	if n == 0 {
		return ""
	}
	if s, ok := w.rows[string(w.buf)]; ok {
		return s
	}
	if cap(w.chunk)-len(w.chunk) < n {
		w.chunk = make([]byte, 0, max(32<<10, n))
	}
	at := len(w.chunk)
	w.chunk = append(w.chunk, w.buf...)
	s := unsafe.String(&w.chunk[at], n)
	w.rows[s] = s
	return s
}

// entry writes "the entry <principal> (<role>)" as the entry's JSON has them (the role from
// its kind: the loader accepts no other word for it).
func (w *rowWords) entry(e *entryC) {
	w.buf = append(w.buf, "the entry "...)
	w.buf = append(w.buf, e.text.principal...)
	w.buf = append(w.buf, " ("...)
	w.buf = append(w.buf, roleNames[e.role]...)
	w.buf = append(w.buf, ')')
}

// membershipKey is the key under which how p belongs to entry e on page x is remembered; ok
// is false where the words depend on the person themselves (a reports-to chain).
func (m *Model) membershipKey(e *entryC, p, x int32, d Date) (howKey, bool) {
	P := &m.pages[x]
	k := howKey{principal: e.principal}
	switch e.principal {
	case pEveryone, pOrgEditor, pOrgLeader:
		k.key = P.agency
	case pDeptMember, pDeptEditor, pDeptLeader, pUnit:
		u := P.deptUnit
		if e.principal == pUnit {
			u = e.ref
		}
		k.key, k.extra = u, m.outEnd(p, u, d)
	case pMetricOwner:
		k.key = P.metric
	case pPersonResponsible:
		k.key = P.task
	case pGivenIndividual:
		k.key = P.individual
	case pProjectSponsor, pProjectLeader, pProjectMember, pProjectConsultant:
		k.key = P.project
	case pGroup:
		k.key = e.ref
	case pFunction:
		k.key, k.extra = e.ref, Date(P.agency)
	case pUser:
	default:
		return k, false
	}
	return k, true
}

// outEnd is -1 when p is in-assigned to unit u on day d (or not a member), else the end of
// the out-assignment that makes them a member: what the words of a unit membership depend on.
func (m *Model) outEnd(p, u int32, d Date) Date {
	if u < 0 {
		return -1
	}
	if _, out := m.memberOfUnit(p, u, d); !out {
		return -1
	}
	a := m.units[u].agency
	r := m.activeRecord(p, a, d)
	for _, o := range m.agencies[a].records[r].outs {
		if o.unit == u && activeOn(o.start, o.end, d) {
			return o.end
		}
	}
	return -1
}

// membership is Model.membership, remembered by membershipKey.
func (w *rowWords) membership(e *entryC, p, x int32, d Date) string {
	k, ok := w.m.membershipKey(e, p, x, d)
	if !ok {
		how, _ := w.m.membership(e, p, x, d)
		return how
	}
	if how, ok := w.how[k]; ok {
		return how
	}
	how, _ := w.m.membership(e, p, x, d)
	w.how[k] = how
	return how
}

// section writes the section that governs page x: its own security, or the one it inherits
// with the page that owns it named by id; the words the whatIndex keeps for x when it has
// one (w.idx), the same words written once per model.
func (w *rowWords) section(x int32) {
	if w.idx != nil {
		w.buf = append(w.buf, w.idx.secWords[x]...)
		return
	}
	w.buf = w.m.appendSection(w.buf, x)
}

// appendSection appends to b the words of rowWords.section for page x.
func (m *Model) appendSection(b []byte, x int32) []byte {
	P := &m.pages[x]
	if P.secKind == kindInvalid && P.secOwner == x {
		return append(b, "the page's own security"...)
	}
	if P.secKind == kindInvalid {
		b = append(b, "the security of "...)
	} else {
		b = append(b, "the default section for "...)
		b = append(b, P.secKind.label()...)
		b = append(b, "s ("...)
		b = append(b, P.secKind.String()...)
		b = append(b, ") of "...)
	}
	return append(b, m.pages[P.secOwner].src.ID...)
}

// pageRow is the reason of a row of page x that the entries of its section or the creator
// rule decided for q.person (outcome o, at level lvl): the decisive entry (the first whose
// role is lvl) with how the person belongs to it, else the creator, then the other entries
// that apply, as deciding found them (o.hits) or matched again. memo, when not nil, is
// q.person's.
func (w *rowWords) pageRow(q query, x int32, o outcome, memo *personMemo) string {
	lvl := o.level
	m := w.m
	P := &m.pages[x]
	p, d := q.person, q.day
	w.hits = w.hits[:0]
	decisive := -1
	if o.hitsOK { // deciding found them already: only those entries are read, in their order
		for b := o.hits; b != 0; b &= b - 1 {
			i := bits.TrailingZeros64(b)
			if decisive < 0 && P.sec.entries[i].role == lvl {
				decisive = len(w.hits)
			}
			w.hits = append(w.hits, i)
		}
	} else {
		rec := m.activeRecord(p, P.agency, d)
		for i := range P.sec.entries {
			e := &P.sec.entries[i]
			var ok bool
			if memo != nil {
				ok = memo.matches(e.principal, e.ref, x, P.agency, rec)
			} else {
				ok = m.matchesRec(e, p, x, d, rec)
			}
			if !ok {
				continue
			}
			if decisive < 0 && e.role == lvl {
				decisive = len(w.hits)
			}
			w.hits = append(w.hits, i)
		}
	}
	w.buf = w.buf[:0]
	if decisive < 0 { // no entry gives the level: the creator does (§4.4)
		ex := &explainer{m: m}
		ex.creator(p, x)
		w.buf = append(w.buf, ex.reasons[0].Message...)
	} else {
		e := &P.sec.entries[w.hits[decisive]]
		w.entry(e)
		w.buf = append(w.buf, " in "...)
		w.section(x)
		w.buf = append(w.buf, ": "...)
		w.buf = append(w.buf, w.membership(e, p, x, d)...)
	}
	for j, i := range w.hits {
		if j == decisive {
			continue
		}
		w.buf = append(w.buf, "; also "...)
		w.entry(&P.sec.entries[i])
	}
	return w.keep()
}

// row is the row of an allowed decision o of q; memo, when not nil, is q.person's. Rows of
// pages decided by entries or the creator are worded by pageRow; the others (an
// administrator, a performance report, manage_security decided on the page that owns the
// section, a capability) by explainAccess.
func (w *rowWords) row(q query, o outcome, memo *personMemo) Access {
	m := w.m
	P := &m.people[q.person]
	if P.admin {
		a := Access{Person: P.src.ID, Name: P.src.Name}
		if q.target == targetPage {
			a.Page, a.Title, a.Level = m.pages[q.ref].src.ID, m.pages[q.ref].src.Title, levelOf[o.level]
		}
		r, ok := w.admin[q.person]
		if !ok {
			r = m.explainAccess(q).Reason
			w.admin[q.person] = r
		}
		a.Reason = r
		return a
	}
	if q.target != targetPage {
		return m.explainAccess(q)
	}
	kd, perf, _ := m.pageHead(q.ref)
	if perf || (q.action == actManage && !kd.ownSecurity()) {
		return m.explainAccess(q)
	}
	pg := m.pages[q.ref].src
	return Access{Person: P.src.ID, Name: P.src.Name, Page: pg.ID, Title: pg.Title, Level: levelOf[o.level],
		Reason: w.pageRow(q, q.ref, o, memo)}
}
