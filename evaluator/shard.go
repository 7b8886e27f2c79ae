package evaluator

import (
	"encoding/json"
	"fmt"

	"github.com/tidwall/sjson"
)

// AgencyShard writes the agency shard of one agency (SPEC §10.1, RULES.md §10.3): a snapshot
// that holds the agency itself as AgencyView does (the agency object, the catalog, the site
// defaults, the administrators, and the people the agency or the site defaults name), the
// people who hold a business function of system scope on any record, and, in
// records_elsewhere, every staff record those people have in other agencies: its agency, unit,
// period, functions and out-assignments, without reports_to.
//
// Sharding changes no answer (§10.1). The shard loads, and it answers as the whole snapshot,
// on any day, every page request on the agency's pages and every capability request whose
// target is held in it (the agency, one of its units, a person it keeps), for every person it
// keeps. A person it does not keep is allowed nothing on its pages, its agency or its units; a
// capability on a person with records in several agencies is asked of each of their shards
// (RULES.md §10.3).
// A record elsewhere counts for §4.1 step 4 and for the scopes of §4.5, never for membership
// of the agency, its units or its functions.
//
// A snapshot whose agency (or whose site defaults) name a unit of another agency in a
// security entry cannot be split: the error says which entry.
func (m *Model) AgencyShard(agency string) ([]byte, error) {
	ai, ok := m.agencyIdx[agency]
	if !ok {
		return nil, &RequestError{Code: CodeUnknownReference, Message: fmt.Sprintf("there is no agency %s in this snapshot", agency)}
	}
	if err := m.unitsOutside(ai); err != nil {
		return nil, err
	}
	holders := m.systemHolders()
	out, kept, err := m.agencyDocument(agency, func(named map[string]bool) {
		for _, p := range holders {
			named[m.people[p].src.ID] = true
		}
	})
	if err != nil {
		return nil, err
	}
	list := []elsewhereJSON{}
	for p := range m.people {
		if kept[m.people[p].src.ID] {
			list = m.recordsElsewhere(int32(p), ai, list)
		}
	}
	raw, err := json.Marshal(list)
	if err == nil {
		var with []byte
		with, err = sjson.SetRawBytes(out, "records_elsewhere", raw)
		out = keepTail(out, with)
	}
	if err != nil {
		return nil, fmt.Errorf("the shard of %s could not be written: %w", agency, err)
	}
	return out, nil
}

// elsewhereJSON is an element of records_elsewhere as AgencyShard writes it.
type elsewhereJSON struct {
	Person         string    `json:"person"`
	Agency         string    `json:"agency"`
	AgencyName     string    `json:"agency_name,omitempty"`
	Unit           *string   `json:"unit"`
	UnitName       string    `json:"unit_name,omitempty"`
	Start          string    `json:"start,omitempty"`
	End            *string   `json:"end"`
	Functions      []string  `json:"functions"`
	OutAssignments []outJSON `json:"out_assignments"`
}

type outJSON struct {
	Unit  string  `json:"unit"`
	Start string  `json:"start,omitempty"`
	End   *string `json:"end"`
}

func endJSON(d Date) *string {
	if d == openEnd {
		return nil
	}
	s := d.String()
	return &s
}

func unitJSON(id string) *string {
	if id == "" {
		return nil
	}
	return &id
}

// recordsElsewhere appends p's records outside agency ai: those of the other agencies this
// model holds, then those it holds as records elsewhere itself (a shard split again).
func (m *Model) recordsElsewhere(p, ai int32, list []elsewhereJSON) []elsewhereJSON {
	for _, rr := range m.people[p].records {
		if rr.agency == ai {
			continue
		}
		ag := &m.agencies[rr.agency]
		rec := &ag.records[rr.rec]
		e := elsewhereJSON{Person: m.people[p].src.ID, Agency: ag.src.ID, AgencyName: ag.src.Name,
			Start: rec.start.String(), End: endJSON(rec.end), Functions: []string{}, OutAssignments: []outJSON{}}
		if rec.unit >= 0 {
			e.Unit, e.UnitName = unitJSON(m.units[rec.unit].src.ID), m.units[rec.unit].src.Name
		}
		for _, f := range rec.functions {
			e.Functions = append(e.Functions, m.functions[f].src.Code)
		}
		for _, o := range rec.outs {
			e.OutAssignments = append(e.OutAssignments, outJSON{Unit: m.units[o.unit].src.ID, Start: o.start.String(), End: endJSON(o.end)})
		}
		list = append(list, e)
	}
	for i := range m.people[p].elsewhere {
		rec := &m.people[p].elsewhere[i]
		e := elsewhereJSON{Person: m.people[p].src.ID, Agency: rec.agency, AgencyName: rec.agencyName, Unit: unitJSON(rec.unit), UnitName: rec.unitName,
			Start: rec.start.String(), End: endJSON(rec.end), Functions: []string{}, OutAssignments: []outJSON{}}
		for _, f := range rec.functions {
			e.Functions = append(e.Functions, m.functions[f].src.Code)
		}
		for _, o := range rec.outs {
			e.OutAssignments = append(e.OutAssignments, outJSON{Unit: o.unit, Start: o.start.String(), End: endJSON(o.end)})
		}
		list = append(list, e)
	}
	return list
}

// systemHolders are the people who hold, on any of their records (active or not, so that
// every day is answered), a business function with an attribute of system scope: such a
// function covers every target of every agency (§4.5), so every shard keeps them.
func (m *Model) systemHolders() []int32 {
	system := make([]bool, len(m.functions))
	for f := range m.functions {
		for _, at := range m.functions[f].attrs {
			if at.scope == scopeSystem {
				system[f] = true
			}
		}
	}
	var out []int32
	for p := range m.people {
		pc := &m.people[p]
		holds := false
		for _, rr := range pc.records {
			for _, f := range m.agencies[rr.agency].records[rr.rec].functions {
				holds = holds || system[f]
			}
		}
		for _, r := range pc.elsewhere {
			for _, f := range r.functions {
				holds = holds || system[f]
			}
		}
		if holds {
			out = append(out, int32(p))
		}
	}
	return out
}

// unitsOutside finds a security entry of agency ai's pages, or of the site defaults, that
// names a unit of another agency: the shard does not hold that unit, so it could not load it.
func (m *Model) unitsOutside(ai int32) error {
	check := func(sec *sectionC, where string) error {
		if sec == nil {
			return nil
		}
		for i := range sec.entries {
			e := &sec.entries[i]
			if e.principal == pUnit && e.ref >= 0 && m.units[e.ref].agency != ai {
				u := &m.units[e.ref]
				return &RequestError{Code: CodeInvalidValue, Message: fmt.Sprintf("%s names %s, a unit of %s; the shard of %s holds only its own units, so the entry must name one of them before the snapshot can be split",
					where, e.text.principal, m.agencyName(u.agency), m.agencyName(ai))}
			}
		}
		return nil
	}
	for _, x := range m.agencies[ai].pages {
		P := &m.pages[x]
		if err := check(P.own, "the security of "+m.pageName(x)); err != nil {
			return err
		}
		for _, d := range P.defaults {
			if err := check(d.sec, fmt.Sprintf("the %s defaults of %s", d.kind, m.pageName(x))); err != nil {
				return err
			}
		}
	}
	for k, t := range m.siteDefaults {
		if err := check(&t.security, fmt.Sprintf("the site defaults for %s pages", k)); err != nil {
			return err
		}
		for _, d := range t.defaults {
			if err := check(d.sec, fmt.Sprintf("the %s defaults of the site defaults for %s pages", d.kind, k)); err != nil {
				return err
			}
		}
	}
	return nil
}
