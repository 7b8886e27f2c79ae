package evaluator

import (
	"slices"
	"strings"
)

// Access is one row of a who or what answer (SPEC §8): a person and a page or target, the
// level where it is a page, and the reason that decided it in a coordinator's words, in the
// short form of RULES.md §8 (rowWords); check words every reason in full.
type Access struct {
	Person string `json:"person"`
	Name   string `json:"name,omitempty"`
	Page   string `json:"page,omitempty"`
	Title  string `json:"title,omitempty"`
	Level  Level  `json:"level,omitempty"`
	Reason string `json:"reason"`
}

// Who lists every person allowed the action on the resource (a page, or an agency, unit or
// person for a capability), sorted by person id. It decides each person as Check does: the
// request is resolved once (whether it is in error does not depend on the person asking),
// then decided for each person in turn.
func (m *Model) Who(action, resource, asOf string) ([]Access, error) {
	out := []Access{}
	if len(m.people) == 0 {
		return out, nil
	}
	q, err := m.resolve(Request{Subject: m.people[0].src.ID, Action: action, Resource: resource, AsOf: asOf})
	if err != nil {
		return nil, err
	}
	// the people allowed are found first and put in the order of their ids, so that the rows
	// are made once, in a list of their size, and never moved
	type hit struct {
		p int32
		o outcome
	}
	var hits []hit
	for p := range m.people {
		q.person = int32(p)
		if o := m.decide(q, nil); o.allowed {
			hits = append(hits, hit{int32(p), o})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int { return strings.Compare(m.people[a.p].src.ID, m.people[b.p].src.ID) })
	out = make([]Access, len(hits))
	w := newRowWords(m)
	for i, h := range hits {
		q.person = h.p
		out[i] = w.row(q, h.o, nil)
	}
	return out, nil
}

// What lists every page on which the person is allowed the action, in snapshot order. The
// request is resolved once, on the first page: an error there that does not depend on the
// page is the answer; a kind that cannot be created under a page only leaves that page out.
func (m *Model) What(person, action, asOf string) ([]Access, error) {
	out := []Access{}
	if _, ok := m.personIndex(person); !ok {
		return nil, requestErr(CodeUnknownReference, "no person has the id %q", person)
	}
	if len(m.pages) == 0 {
		return out, nil
	}
	q, err := m.resolve(Request{Subject: person, Action: action, Resource: "page:" + m.pages[0].src.ID, AsOf: asOf})
	if err != nil && !(q.action == actCreate && err.(*RequestError).Code == CodeInvalidValue && q.ref == 0) {
		return nil, err
	}
	// one person on every page: their memberships are asked once each (personMemo); the
	// allowed pages are found first, so that the rows are made once, in a list of their size.
	// A hit keeps of the outcome what a row reads (pageHit); there are at most as many as
	// pages, so the list of them is made that size once and never grown, which copied more
	// than the answer itself
	q.memo = newPersonMemo(m, q.person, q.day)
	if idx := m.whatIndex(); idx != nil { // the person's answers by slot (what_index.go)
		q.memo.slots = newSlotAnswers(idx, q.person)
	}
	hits := make([]pageHit, 0, len(m.pages))
	for x := range m.pages {
		q.ref = int32(x)
		if q.action == actCreate && (q.create == kindInvalid || !kindRules[m.pages[x].kind].children.has(q.create)) {
			continue // that kind cannot be created under this page
		}
		if o := m.decide(q, nil); o.allowed {
			hits = append(hits, pageHit{x: int32(x), level: o.level, hitsOK: o.hitsOK, hits: o.hits})
		}
	}
	out = make([]Access, len(hits))
	w := newRowWords(m)
	if q.memo.slots != nil { // the words of sections, written once per model
		w.idx = q.memo.slots.idx
	}
	// about one reason in four is worded for the first time (the largest agency: 11,440 of
	// 42,801 rows): the map is made near that size at once rather than grown row by row
	w.rows = make(map[string]string, len(hits)/4)
	for i, h := range hits {
		q.ref = h.x
		out[i] = w.row(q, h.outcome(), q.memo)
	}
	return out, nil
}

// pageHit is an allowed page of What and what its row reads of the outcome: the level and
// the entries that applied (outcome.hits); the create rights are not in a row.
type pageHit struct {
	x      int32
	level  role
	hitsOK bool
	hits   uint64
}

func (h pageHit) outcome() outcome {
	return outcome{allowed: true, level: h.level, hits: h.hits, hitsOK: h.hitsOK}
}

// explainAccess words an allowed decision as one row.
func (m *Model) explainAccess(q query) Access {
	ex := &explainer{m: m}
	q.brief = true // the reasons a row leaves out are not worded at all
	o := m.decide(q, ex)
	a := Access{Person: m.people[q.person].src.ID, Name: m.people[q.person].src.Name}
	if q.target == targetPage {
		a.Page, a.Title, a.Level = m.pages[q.ref].src.ID, m.pages[q.ref].src.Title, levelOf[o.level]
	}
	// the reason that decided comes first: the entry whose role is the level reached (or the
	// creator, the administrator, the function), then the entries that apply as well, so a
	// row cut short in a table still shows what gave the access
	var first, rest []string
	for _, r := range ex.reasons {
		switch r.Kind {
		case "section", "no_entry", "create":
			continue
		case "entry":
			if r.Role == string(a.Level) {
				first = append(first, r.Message)
				continue
			}
			rest = append(rest, r.Message)
		default:
			first = append(first, r.Message)
		}
	}
	a.Reason = strings.Join(append(first, rest...), "; ")
	return a
}
