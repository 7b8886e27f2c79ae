package evaluator

import (
	"slices"
	"sort"
	"strings"
)

// Profile is a person's business function profile (SPEC §4.5): for each staff record active
// on the day, the functions it holds, then the viewing rights (capabilities whose last part is
// "view") and the maintaining rights (all others), each with its scope named concretely. It is
// what a coordinator prints to inform a worker of her profile.
type Profile struct {
	Person  string          `json:"person"`
	Name    string          `json:"name"`
	AsOf    string          `json:"as_of"`
	Records []ProfileRecord `json:"records"`
}

// ProfileRecord is one active staff record of a profile.
type ProfileRecord struct {
	Agency         string            `json:"agency"`
	AgencyName     string            `json:"agency_name"`
	Unit           string            `json:"unit,omitempty"`
	UnitName       string            `json:"unit_name,omitempty"`
	Start          string            `json:"start,omitempty"`
	End            string            `json:"end,omitempty"`
	OutAssignments []string          `json:"out_assignments"`
	Functions      []ProfileFunction `json:"functions"`
	Viewing        []Right           `json:"viewing"`
	Maintaining    []Right           `json:"maintaining"`
}

// ProfileFunction is a business function held on a record, with its name and tasks.
type ProfileFunction struct {
	Code  string   `json:"code"`
	Name  string   `json:"name"`
	Tasks []string `json:"tasks"`
}

// Right is a capability with the scope it is held at, named concretely in Covers
// ("units CPS Intake 1 (u-cps1), Foster Care 2 (u-fc2) (out-assigned until 2027-02-01)"), and
// the functions that grant it. Line is the whole right in one line, as profiles and
// notifications show it.
type Right struct {
	Capability string   `json:"capability"`
	Scope      string   `json:"scope"`
	Covers     string   `json:"covers"`
	Functions  []string `json:"functions"`
	Line       string   `json:"line"`
}

// Profile answers the business function profile of a person on asOf (empty: the snapshot's
// day). A person with no active staff record has a profile with no records.
func (m *Model) Profile(person, asOf string) (*Profile, error) {
	p, ok := m.personIdx[person]
	if !ok {
		return nil, requestErr(CodeUnknownReference, "no person has the id %q", person)
	}
	day, err := m.day(asOf)
	if err != nil {
		return nil, err
	}
	out := &Profile{Person: person, Name: m.people[p].src.Name, AsOf: day.String(), Records: []ProfileRecord{}}
	for _, rr := range m.people[p].records {
		rec := &m.agencies[rr.agency].records[rr.rec]
		if !activeOn(rec.start, rec.end, day) {
			continue
		}
		out.Records = append(out.Records, m.profileRecord(p, rr.agency, rec, day))
	}
	return out, nil
}

// day reads an optional as_of request field.
func (m *Model) day(asOf string) (Date, error) {
	if asOf == "" {
		return m.snap.AsOf, nil
	}
	d, ok := parseDate(asOf)
	if !ok {
		return 0, requestErr(CodeInvalidValue, "%q is not a day: write YYYY-MM-DD", asOf)
	}
	return d, nil
}

func (m *Model) profileRecord(p, a int32, rec *recordC, day Date) ProfileRecord {
	ag := m.agencies[a].src
	pr := ProfileRecord{Agency: ag.ID, AgencyName: ag.Name, Start: rec.start.String(), End: rec.end.String(),
		OutAssignments: m.outLines(rec, day), Functions: []ProfileFunction{}, Viewing: []Right{}, Maintaining: []Right{}}
	if rec.unit >= 0 {
		pr.Unit, pr.UnitName = m.units[rec.unit].src.ID, m.units[rec.unit].src.Name
	}
	byKey := map[string]*Right{}
	var order []string
	for _, f := range rec.functions {
		fn := m.functions[f].src
		pr.Functions = append(pr.Functions, ProfileFunction{Code: fn.Code, Name: fn.Name, Tasks: append([]string{}, fn.Tasks...)})
		for _, at := range m.functions[f].attrs {
			key := at.src.Capability + "\x00" + at.src.Scope
			r := byKey[key]
			if r == nil {
				r = &Right{Capability: at.src.Capability, Scope: at.src.Scope, Covers: m.scopeReach(at.scope, p, a, rec, day)}
				byKey[key] = r
				order = append(order, key)
			}
			if !slices.Contains(r.Functions, fn.Code) {
				r.Functions = append(r.Functions, fn.Code)
			}
		}
	}
	sort.Strings(order)
	for _, key := range order {
		r := *byKey[key]
		r.Line = r.Capability + " — " + r.Covers
		if isViewing(r.Capability) {
			pr.Viewing = append(pr.Viewing, r)
		} else {
			pr.Maintaining = append(pr.Maintaining, r)
		}
	}
	return pr
}

// isViewing: a capability whose last dotted part is "view" is a viewing right (SPEC §4.5).
func isViewing(capability string) bool {
	i := strings.LastIndexByte(capability, '.')
	return capability[i+1:] == "view"
}

// scopeReach names concretely what a scope on record rec reaches on day.
func (m *Model) scopeReach(s scope, p, a int32, rec *recordC, day Date) string {
	switch s {
	case scopeSelf:
		return "only themselves (" + m.personName(p) + ")"
	case scopeAgency:
		return "all of " + m.agencyName(a) + ": its units and everyone with an active staff record there"
	case scopeSystem:
		return "every agency"
	}
	var units []string
	if rec.unit >= 0 {
		units = append(units, m.unitName(rec.unit))
	}
	for _, o := range rec.outs {
		if activeOn(o.start, o.end, day) {
			u := m.unitName(o.unit)
			if e := o.end.String(); e != "" {
				u += " (out-assigned until " + e + ")"
			} else {
				u += " (out-assigned)"
			}
			units = append(units, u)
		}
	}
	if len(units) == 0 {
		return "no unit (the record has no unit)"
	}
	word := "unit "
	if len(units) > 1 {
		word = "units "
	}
	return word + strings.Join(units, ", ") + " and the workers in-assigned there"
}

// outLines words the out-assignments of a record active on day.
func (m *Model) outLines(rec *recordC, day Date) []string {
	out := []string{}
	for _, o := range rec.outs {
		if !activeOn(o.start, o.end, day) {
			continue
		}
		out = append(out, outLine(m.unitName(o.unit), o))
	}
	return out
}

func outLine(unit string, o outC) string {
	s := unit
	if st := o.start.String(); st != "" {
		s += " from " + st
	}
	if e := o.end.String(); e != "" {
		s += " until " + e
	}
	return s
}
