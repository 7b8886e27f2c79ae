package evaluator

import (
	"slices"
	"sort"
)

// Standing is who a person is to the coordinator API (SPEC §5 "Coordinator", §10) on the
// snapshot's day: a site administrator, the agencies of which they are an active designated
// coordinator, and the agencies where they have an active staff record. A person whose
// Person ID is not active is none of these (SPEC §4.1 step 2: they may do nothing).
type Standing struct {
	Administrator bool     `json:"administrator"`
	Coordinates   []string `json:"coordinates"`
	StaffOf       []string `json:"staff_of"`
}

// Standing answers who person is; an unknown person is a RequestError.
func (m *Model) Standing(person string) (Standing, error) {
	p, found := m.personIdx[person]
	if !found {
		return Standing{}, requestErr(CodeUnknownReference, "there is no person %s in this snapshot", person)
	}
	day := m.snap.AsOf
	st := Standing{Administrator: m.people[p].admin && m.people[p].active, Coordinates: []string{}, StaffOf: []string{}}
	if !m.people[p].active {
		return st, nil
	}
	for a := range m.agencies {
		if m.activeRecord(p, int32(a), day) < 0 {
			continue
		}
		st.StaffOf = append(st.StaffOf, m.agencies[a].src.ID)
		if _, designated := m.agencies[a].coordinator[p]; designated {
			st.Coordinates = append(st.Coordinates, m.agencies[a].src.ID)
		}
	}
	sort.Strings(st.Coordinates)
	sort.Strings(st.StaffOf)
	return st, nil
}

// AgencyOf names the agency that an agency, unit, custom group or page id belongs to, and ""
// for any other id.
func (m *Model) AgencyOf(id string) string {
	if _, found := m.agencyIdx[id]; found {
		return id
	}
	if u, found := m.unitIdx[id]; found {
		return m.agencies[m.units[u].agency].src.ID
	}
	if g, found := m.groupIdx[id]; found {
		return m.agencies[m.groups[g].agency].src.ID
	}
	if pg, found := m.pageIdx.get(id); found {
		return m.agencies[m.pages[pg].agency].src.ID
	}
	return ""
}

// IDs lists the ids of one sort of resource (SPEC §10: page, unit, agency, person) in
// snapshot order.
func (m *Model) IDs(sort string) []string {
	var out []string
	switch sort {
	case "page":
		for _, a := range m.agencies {
			for _, pg := range a.pages {
				out = append(out, m.pages[pg].src.ID)
			}
		}
	case "unit":
		for _, a := range m.agencies {
			for _, u := range a.units {
				out = append(out, m.units[u].src.ID)
			}
		}
	case "agency":
		for _, a := range m.agencies {
			out = append(out, a.src.ID)
		}
	case "person":
		for _, p := range m.people {
			out = append(out, p.src.ID)
		}
	}
	return out
}

// Capabilities lists every capability a business function's attribute grants, sorted.
func (m *Model) Capabilities() []string {
	out := make([]string, 0, len(m.capIdx))
	for c := range m.capIdx {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// RecordsIn lists the agencies where person has a staff record of any date, sorted; an
// unknown person has none.
func (m *Model) RecordsIn(person string) []string {
	p, found := m.personIdx[person]
	if !found {
		return nil
	}
	var out []string
	for _, r := range m.people[p].records {
		id := m.agencies[r.agency].src.ID
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
