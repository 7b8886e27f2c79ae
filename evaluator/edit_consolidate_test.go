package evaluator

import (
	"testing"
	"time"
)

// TestConsolidateUnitsInPlace: consolidate_units (SPEC §5.2) is applied to the model in place
// of loading the document again, and leaves the model, the document and the what-if's changes
// a reload gives: department pages on both sides (their children move under the target's page,
// the dropped pages go), on the units consolidated only (the first such page becomes the
// target's own), on neither; out-assignments that become the worker's own unit; entries naming
// the units consolidated; several units at once; units before and after the units named by
// entries, the site defaults' among them.
func TestConsolidateUnitsInPlace(t *testing.T) {
	setup := `{"actor": "p-admin", "edits": [
	  {"op": "create_unit", "agency": "ag-alb", "unit": {"id": "u-alb-bare1", "name": "Bare One"}},
	  {"op": "create_unit", "agency": "ag-alb", "unit": {"id": "u-alb-bare2", "name": "Bare Two"}},
	  {"op": "set_security", "page": "pg-alb-org", "entries": [{"principal": "everyone", "role": "reader"}, {"principal": "unit:u-alb-bare2", "role": "editor"}, {"principal": "unit:u-alb-prev", "role": "editor"}]},
	  {"op": "set_default_security", "page": "pg-alb-dep-fc2", "kind": "dept_dialog", "entries": [{"principal": "unit:u-alb-fad", "role": "full"}, {"principal": "unit:u-alb-fc2", "role": "reader"}]},
	  {"op": "set_site_defaults", "kind": "department", "template": {"security": [{"principal": "everyone", "role": "reader"}, {"principal": "unit:u-sta-tfc", "role": "editor"}], "defaults": {"dept_dialog": [{"principal": "unit:u-alb-fad", "role": "full"}, {"principal": "dept_member", "role": "editor"}]}}}]}`
	cases := []struct{ name, edit string }{
		{"pages on both, several units, own-unit out-assignments, named units", `{"op": "consolidate_units", "agency": "ag-alb", "from": ["u-alb-cpsinv", "u-alb-fc2"], "into": "u-alb-cpsi1"}`},
		{"pages on the units consolidated only, the later one first", `{"op": "consolidate_units", "agency": "ag-alb", "from": ["u-alb-prev", "u-alb-adopt"], "into": "u-alb-conv"}`},
		{"pages on the target only", `{"op": "consolidate_units", "agency": "ag-alb", "from": ["u-alb-bare2"], "into": "u-alb-fc1"}`},
		{"pages on neither", `{"op": "consolidate_units", "agency": "ag-alb", "from": ["u-alb-bare1", "u-alb-bare2"], "into": "u-alb-conv"}`},
		{"a unit into a later one, entries naming both", `{"op": "consolidate_units", "agency": "ag-alb", "from": ["u-alb-fc2"], "into": "u-alb-fad"}`},
		{"the other agency, an entry naming the unit on a department page", `{"op": "consolidate_units", "agency": "ag-sta", "from": ["u-sta-fc"], "into": "u-sta-tfc"}`},
	}
	base := loadExample(t)
	applied, err := base.Apply([]byte(setup), time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := applied.Model
			m.lintScopes() // as a what-if after another finds them
			inc, rel, ch := applyInPlace(t, m, `{"actor": "p-admin", "edits": [`+c.edit+`]}`)
			compareModels(t, c.name, inc, rel)
			compareChanges(t, c.name, m, inc, rel, ch)
			// the model consolidated from is as it was
			compareModels(t, "the model before", m, applied.Model)
		})
	}
}
