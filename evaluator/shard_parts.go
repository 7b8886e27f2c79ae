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
// doc is the state's document with that agency whole as its only element of agencies, every
// other field as the state has it. others gives every other agency's object in the state's
// order; of each it reads the id, the name, the units and the staff (a thin object will do).
// The shard keeps the people AgencyShard keeps: those the agency, the site defaults or the
// administrators name, and every holder of a business function of system scope on a record
// anywhere; and, in records_elsewhere, the records those people have in the other agencies.
//
// Where the parts cannot tell, it answers ErrNotByParts: a security entry of the agency or of
// the site defaults names a unit the agency does not hold (a model says whose unit it is, and
// that the state cannot be split), doc holds records_elsewhere of its own, or a record does
// not read.
func AgencyShardFrom(doc []byte, others func(yield func(obj []byte) bool)) ([]byte, error) {
	d := gjson.ParseBytes(doc)
	ags := d.Get("agencies").Array()
	if len(ags) != 1 || d.Get("records_elsewhere").Exists() || d.Get("ids_elsewhere").Exists() {
		return nil, ErrNotByParts
	}
	ag := ags[0]
	if namesUnitsOutside(ag, d.Get("site_defaults")) {
		return nil, ErrNotByParts
	}

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
		others(func(obj []byte) bool { holders(gjson.ParseBytes(obj)); return true })
	}
	collectNames(ag, named)
	collectNames(d.Get("site_defaults"), named)
	collectNames(d.Get("administrators"), named)

	kept := map[string]bool{}
	var people strings.Builder
	people.WriteByte('[')
	d.Get("people").ForEach(func(_, p gjson.Result) bool {
		if id := p.Get("id").String(); named[id] {
			kept[id] = true
			if people.Len() > 1 {
				people.WriteByte(',')
			}
			people.WriteString(p.Raw)
		}
		return true
	})
	people.WriteByte(']')

	byPerson, err := elsewhereOf(kept, others)
	if err != nil {
		return nil, err
	}
	list := []elsewhereJSON{}
	d.Get("people").ForEach(func(_, p gjson.Result) bool {
		if id := p.Get("id").String(); kept[id] {
			list = append(list, byPerson[id]...)
			delete(byPerson, id) // a person listed twice is listed once with their records
		}
		return true
	})
	raw, err := json.Marshal(list)
	out := doc
	for _, set := range []struct{ path, raw string }{{"agencies", "[" + ag.Raw + "]"}, {"people", people.String()}, {"records_elsewhere", string(raw)}} {
		if err != nil {
			break
		}
		var next []byte
		next, err = sjson.SetRawBytes(append([]byte(nil), out...), set.path, []byte(set.raw))
		out = keepTail(out, next)
	}
	if err != nil {
		return nil, fmt.Errorf("the shard of %s could not be written: %w", ag.Get("id").String(), err)
	}
	return out, nil
}

// elsewhereOf reads the records the people kept have in the agencies others gives, by person,
// each person's in the state's order, as recordsElsewhere writes those of a model.
func elsewhereOf(kept map[string]bool, others func(yield func(obj []byte) bool)) (map[string][]elsewhereJSON, error) {
	by := map[string][]elsewhereJSON{}
	var bad error
	others(func(obj []byte) bool {
		a := gjson.ParseBytes(obj)
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
