package peers

import (
	"encoding/json"
	"testing"
)

// Rules that neither the example nor the generator exercise are tested on variants of the
// example, edited here so that each rare case occurs, then compared on every request.

type doc = map[string]any

func objects(v any) []doc {
	var out []doc
	for _, x := range v.([]any) {
		out = append(out, x.(doc))
	}
	return out
}

func byID(list any, id string) doc {
	for _, x := range objects(list) {
		if x["id"] == id {
			return x
		}
	}
	panic("no " + id)
}

func appendTo(o doc, key string, vals ...any) {
	old, _ := o[key].([]any)
	o[key] = append(old, vals...)
}

func newEntry(principal, role string, create ...string) doc {
	e := doc{"principal": principal, "role": role}
	if len(create) > 0 {
		var c []any
		for _, k := range create {
			c = append(c, k)
		}
		e["create"] = c
	}
	return e
}

func variant(t *testing.T, edit func(s doc)) []byte {
	t.Helper()
	var s doc
	if err := json.Unmarshal(exampleSnapshot(t), &s); err != nil {
		t.Fatal(err)
	}
	edit(s)
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDifferentialExampleVariants(t *testing.T) {
	variants := []struct {
		name string
		edit func(s doc)
	}{
		{"lists name people who are not active members", func(s doc) {
			// a disabled administrator (step 2 before step 3)
			byID(s["people"], "p-admin2")["person_id"] = "disabled"
			alb := byID(s["agencies"], "ag-alb")
			// org lists with people who left (p-1026, p-1025) or who work elsewhere (p-2002)
			appendTo(alb, "org_editors", "p-1026", "p-1025")
			appendTo(alb, "org_leaders", "p-2002")
			// unit editors and leaders who are not (p-1011, p-1026) or are out-assigned
			// (p-1032) members of the unit
			fc2 := byID(alb["units"], "u-alb-fc2")
			appendTo(fc2, "editors", "p-1011", "p-1032", "p-1026")
			appendTo(fc2, "leaders", "p-1032")
			// an out-assignment still open on a record that has ended
			for _, r := range objects(alb["staff"]) {
				if r["person"] == "p-1026" {
					appendTo(r, "out_assignments", doc{"unit": "u-alb-adopt", "start": "2026-01-01"})
				}
			}
			// unit: entries naming a unit of the other agency
			appendTo(byID(alb["pages"], "pg-alb-org"), "security", newEntry("unit:u-sta-fc", "editor", "item"))
			sta := byID(s["agencies"], "ag-sta")
			appendTo(byID(sta["pages"], "pg-sta-org"), "security", newEntry("unit:u-alb-fc2", "full", "project"))
			// a present but empty default section grants nothing (SPEC §3)
			byID(alb["pages"], "pg-alb-org")["defaults"].(doc)["org_dialog_task"] = []any{}
		}},
		{"a person active in two agencies", func(s doc) {
			alb := byID(s["agencies"], "ag-alb")
			appendTo(alb, "staff", doc{"person": "p-2011", "unit": "u-alb-fc1", "start": "2026-01-01",
				"functions": []any{"CASE_SEARCH"}, "reports_to": []any{"p-1030"}})
			appendTo(byID(alb["pages"], "pg-alb-org"), "security", newEntry("unit:u-sta-tfc", "editor"))
		}},
	}
	cov := newCoverage()
	for _, v := range variants {
		data := variant(t, v.edit)
		for _, day := range []string{"", "2027-01-15"} {
			p := loadPair(t, "example("+v.name+")@"+day, data, day)
			reqs := allRequests(p.tr)
			for i := range reqs {
				reqs[i].AsOf = day
			}
			compare(t, p, reqs, cov)
		}
	}
	cov.report(t)
}
