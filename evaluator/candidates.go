package evaluator

import "slices"

// Candidates are the active staff a business function of a build suggests (SPEC §5.9).
type Candidates struct {
	Function string      `json:"function"`
	Name     string      `json:"name"`
	People   []Candidate `json:"people"`
}

// Candidate is one suggested worker and why: a function they hold or their unit's
// specialization.
type Candidate struct {
	Person string `json:"person"`
	Name   string `json:"name"`
	Agency string `json:"agency"`
	Unit   string `json:"unit"`
	Why    string `json:"why"`
}

// BuildCandidates lists, per function of the build, the staff active on the snapshot's day
// who hold one of its suggest_for functions or are in-assigned to a unit with one of its
// suggest_for specializations, and do not hold it yet.
func (m *Model) BuildCandidates(build string) ([]Candidates, error) {
	if m.builds[build] == nil {
		return nil, requestErr(CodeUnknownReference, "no build has the id %q", build)
	}
	out := []Candidates{}
	for f := range m.functions {
		fn := m.functions[f].src
		if fn.Build != build {
			continue
		}
		c := Candidates{Function: fn.Code, Name: fn.Name, People: []Candidate{}}
		for a := range m.agencies {
			for r := range m.agencies[a].records {
				rec := &m.agencies[a].records[r]
				if !activeOn(rec.start, rec.end, m.snap.AsOf) || !m.people[rec.person].active || slices.Contains(rec.functions, int32(f)) {
					continue
				}
				if why := m.suggestion(fn, rec); why != "" {
					c.People = append(c.People, Candidate{Person: m.people[rec.person].src.ID, Name: m.people[rec.person].src.Name,
						Agency: m.agencies[a].src.ID, Unit: m.unitID(rec.unit), Why: why})
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func (m *Model) suggestion(fn *function, rec *recordC) string {
	for _, g := range rec.functions {
		if slices.Contains(fn.SuggestFunctions, m.functions[g].src.Code) {
			return "holds " + m.functions[g].src.Code
		}
	}
	if rec.unit >= 0 && m.units[rec.unit].src.Specialization != "" && slices.Contains(fn.SuggestSpecs, m.units[rec.unit].src.Specialization) {
		return "in-assigned to " + m.unitName(rec.unit) + ", a " + m.units[rec.unit].src.Specialization + " unit"
	}
	return ""
}
