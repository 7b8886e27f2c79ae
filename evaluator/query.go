package evaluator

import (
	"sort"
	"strings"
)

// Access is one row of a who or what answer (SPEC §8): a person and a page or target, the
// level where it is a page, and the first reason in a coordinator's words.
type Access struct {
	Person string `json:"person"`
	Name   string `json:"name,omitempty"`
	Page   string `json:"page,omitempty"`
	Title  string `json:"title,omitempty"`
	Level  Level  `json:"level,omitempty"`
	Reason string `json:"reason"`
}

// Who lists every person allowed the action on the resource (a page, or an agency, unit or
// person for a capability), sorted by person id. It decides each person as Check does.
func (m *Model) Who(action, resource, asOf string) ([]Access, error) {
	out := []Access{}
	var first error
	for p := range m.people {
		r := Request{Subject: m.people[p].src.ID, Action: action, Resource: resource, AsOf: asOf}
		q, err := m.resolve(r)
		if err != nil {
			if first == nil {
				first = err
			}
			break
		}
		if !m.decide(q, nil).allowed {
			continue
		}
		out = append(out, m.explainAccess(q))
	}
	if first != nil {
		return nil, first
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Person < out[j].Person })
	return out, nil
}

// What lists every page on which the person is allowed the action, in snapshot order.
func (m *Model) What(person, action, asOf string) ([]Access, error) {
	out := []Access{}
	if _, ok := m.personIdx[person]; !ok {
		return nil, requestErr(CodeUnknownReference, "no person has the id %q", person)
	}
	for x := range m.pages {
		r := Request{Subject: person, Action: action, Resource: "page:" + m.pages[x].src.ID, AsOf: asOf}
		q, err := m.resolve(r)
		if err != nil {
			if q.action == actCreate && err.(*RequestError).Code == CodeInvalidValue && q.ref == int32(x) {
				continue // that kind cannot be created under this page
			}
			return nil, err
		}
		if m.decide(q, nil).allowed {
			out = append(out, m.explainAccess(q))
		}
	}
	return out, nil
}

// explainAccess words an allowed decision as one row.
func (m *Model) explainAccess(q query) Access {
	ex := &explainer{m: m}
	o := m.decide(q, ex)
	a := Access{Person: m.people[q.person].src.ID, Name: m.people[q.person].src.Name}
	if q.target == targetPage {
		a.Page, a.Title, a.Level = m.pages[q.ref].src.ID, m.pages[q.ref].src.Title, levelOf[o.level]
	}
	var parts []string
	for _, r := range ex.reasons {
		switch r.Kind {
		case "section", "no_entry", "create":
			continue
		}
		parts = append(parts, r.Message)
	}
	a.Reason = strings.Join(parts, "; ")
	return a
}
