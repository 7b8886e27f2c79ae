package evaluator

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// ErrNotByParts says that AgencyShardFrom cannot write a shard from the parts it was given:
// the caller writes it with AgencyShard on a model of the state, which says what stops the
// split, or writes the shard all the same.
var ErrNotByParts = errors.New("the shard cannot be written from the parts of the state alone")

// AgencyShardFrom writes an agency's shard as AgencyShard of the whole state's model writes it,
// byte for byte, from the parts of the state and without a model of it, so that the
// directory (which holds every agency thin) never loads a model of the largest agency to cut
// its shard (SPEC §10.1, RULES.md §10.3).
//
// top is the state's document with any value for agencies (it is replaced), every other field
// as the state has it; agency is the agency's object; others gives every other agency's
// object in the state's order, of which it reads the id, the name, the units and the staff (a
// thin object will do). The shard keeps the people AgencyShard keeps: those the agency, the
// site defaults or the administrators name, and every holder of a business function of system
// scope on a record anywhere; and, in records_elsewhere, the records those people have in the
// other agencies. The parts are read in place, never kept, and written once into the shard.
//
// Where the parts cannot tell, it answers ErrNotByParts: a security entry of the agency or of
// the site defaults names a unit the agency does not hold (a model says whose unit it is, and
// that the state cannot be split), top holds records_elsewhere or ids_elsewhere of its own,
// or a record does not read.
func AgencyShardFrom(top, agency []byte, others func(yield func(obj []byte) bool)) ([]byte, error) {
	t := inPlace(top)
	d := gjson.Parse(t)
	if !d.Get("agencies").Exists() || d.Get("records_elsewhere").Exists() || d.Get("ids_elsewhere").Exists() {
		return nil, ErrNotByParts
	}
	ag := gjson.Parse(inPlace(agency))
	if namesUnitsOutside(ag, d.Get("site_defaults")) {
		return nil, ErrNotByParts
	}

	people := map[string]bool{}
	d.Get("people").ForEach(func(_, p gjson.Result) bool {
		people[p.Get("id").Str] = true
		return true
	})
	system := map[string]bool{}
	d.Get("business_functions").ForEach(func(_, f gjson.Result) bool {
		f.Get("attributes").ForEach(func(_, a gjson.Result) bool {
			if a.Get("scope").String() == "system" {
				system[f.Get("code").String()] = true
			}
			return true
		})
		return true
	})
	named := map[string]bool{}
	holders := func(obj gjson.Result) {
		obj.Get("staff").ForEach(func(_, s gjson.Result) bool {
			s.Get("functions").ForEach(func(_, code gjson.Result) bool {
				if system[code.String()] {
					named[s.Get("person").String()] = true
					return false
				}
				return true
			})
			return true
		})
	}
	if len(system) > 0 {
		holders(ag)
		others(func(obj []byte) bool { holders(gjson.Parse(inPlace(obj))); return true })
	}
	for _, v := range []gjson.Result{ag, d.Get("site_defaults"), d.Get("administrators")} {
		collectPeople(v, people, named)
	}

	list, kept := keptPeople(d.Get("people"), named)

	byPerson, err := elsewhereOf(kept, others)
	if err != nil {
		return nil, err
	}
	records := []elsewhereJSON{}
	d.Get("people").ForEach(func(_, p gjson.Result) bool {
		if id := p.Get("id").Str; kept[id] {
			records = append(records, byPerson[id]...)
		}
		return true
	})
	raw, err := json.Marshal(records)
	// the small top level takes people and records_elsewhere; the agency goes in once, last
	out := t
	for _, set := range []struct{ path, raw string }{{"people", list}, {"records_elsewhere", string(raw)}} {
		if err != nil {
			break
		}
		var next string
		next, err = sjson.SetRaw(out, set.path, set.raw)
		out = string(keepTail([]byte(out), []byte(next)))
	}
	if err != nil {
		return nil, fmt.Errorf("the shard of %s could not be written: %w", ag.Get("id").String(), err)
	}
	at := gjson.Get(out, "agencies")
	shard := make([]byte, 0, len(out)-len(at.Raw)+len(agency)+2)
	shard = append(shard, out[:at.Index]...)
	shard = append(shard, '[')
	shard = append(shard, agency...)
	shard = append(shard, ']')
	return append(shard, out[at.Index+len(at.Raw):]...), nil
}

// collectPeople adds to named every person of people that a text in v names, as collectNames
// reads them (a plain id, or "user:<id>"), without keeping the texts that name no one.
func collectPeople(v gjson.Result, people, named map[string]bool) {
	switch {
	case v.IsObject() || v.IsArray():
		v.ForEach(func(_, item gjson.Result) bool {
			collectPeople(item, people, named)
			return true
		})
	case v.Type == gjson.String:
		if id := strings.TrimPrefix(v.Str, "user:"); people[id] {
			named[strings.Clone(id)] = true
		}
	}
}

// elsewhereOf reads the records the people kept have in the agencies others gives, by person,
// each person's in the state's order, as recordsElsewhere writes those of a model.
func elsewhereOf(kept map[string]bool, others func(yield func(obj []byte) bool)) (map[string][]elsewhereJSON, error) {
	by := map[string][]elsewhereJSON{}
	var bad error
	others(func(obj []byte) bool {
		a := gjson.Parse(inPlace(obj))
		var units map[string]string
		r := &reader{}
		a.Get("staff").ForEach(func(_, s gjson.Result) bool {
			id := s.Get("person").String()
			if !kept[id] {
				return true
			}
			rec, ok := r.parseStaff(s, "staff", 0)
			if !ok || len(r.problems) > 0 {
				bad = ErrNotByParts
				return false
			}
			e := elsewhereJSON{Person: id, Agency: a.Get("id").String(), AgencyName: a.Get("name").String(),
				Start: rec.Start.String(), End: endJSON(rec.End), Functions: []string{}, OutAssignments: []outJSON{}}
			if rec.Unit != "" {
				if units == nil {
					units = map[string]string{}
					a.Get("units").ForEach(func(_, u gjson.Result) bool {
						units[u.Get("id").String()] = u.Get("name").String()
						return true
					})
				}
				name, ok := units[rec.Unit]
				if !ok {
					bad = ErrNotByParts
					return false
				}
				e.Unit, e.UnitName = unitJSON(rec.Unit), name
			}
			for _, code := range rec.Functions {
				if code != "" {
					e.Functions = append(e.Functions, code)
				}
			}
			for _, o := range rec.OutAssignments {
				e.OutAssignments = append(e.OutAssignments, outJSON{Unit: o.Unit, Start: o.Start.String(), End: endJSON(o.End)})
			}
			by[id] = append(by[id], e)
			return true
		})
		return bad == nil
	})
	return by, bad
}

// namesUnitsOutside says whether a text of the agency's pages or of the site defaults names,
// as a "unit:" principal, a unit the agency does not hold.
func namesUnitsOutside(ag, siteDefaults gjson.Result) bool {
	own := map[string]bool{}
	ag.Get("units").ForEach(func(_, u gjson.Result) bool {
		own[u.Get("id").String()] = true
		return true
	})
	var outside func(v gjson.Result) bool
	outside = func(v gjson.Result) bool {
		found := false
		switch {
		case v.IsObject() || v.IsArray():
			v.ForEach(func(_, item gjson.Result) bool {
				found = outside(item)
				return !found
			})
		case v.Type == gjson.String:
			u, ok := strings.CutPrefix(v.Str, "unit:")
			found = ok && !own[u]
		}
		return found
	}
	return outside(ag.Get("pages")) || outside(siteDefaults)
}
