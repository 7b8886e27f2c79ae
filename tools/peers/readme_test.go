package peers

import (
	"testing"

	"github.com/connsec/connsec/evaluator"
)

// TestExampleReadme holds both engines to the answers that fixtures/example/README.md
// promises, rule by rule: a third opinion beside connsec and Cedar. Requests on another day
// use a translation made for that day (a translation holds one day).
func TestExampleReadme(t *testing.T) {
	cases := []struct {
		subject, action, resource, day string
		want                           bool
	}{
		// deny beats everything, the creator too
		{"p-1022", "read", "page:pg-alb-prj-fatal", "", false},
		{"p-1022", "read", "page:pg-alb-ptask-fatal", "", false},
		// unit: and out-assignments; function:
		{"p-1012", "read", "page:pg-alb-prj-fatal", "", true},
		{"p-1012", "read", "page:pg-alb-prj-fatal", "2027-01-01", false},
		{"p-1014", "read", "page:pg-alb-prj-fatal", "", false},
		{"p-1014", "read", "page:pg-alb-prj-fatal", "2026-07-15", true},
		{"p-1010", "read", "page:pg-alb-prj-fatal", "", true},
		// group: deny, on the metric, its item and a live dialog section
		{"p-1064", "read", "page:pg-alb-met-turnover", "", false},
		{"p-1064", "read", "page:pg-alb-item-exit", "", false},
		{"p-1064", "read", "page:pg-alb-dlg-mgmt", "", false},
		{"p-1064", "read", "page:pg-alb-met-timely", "", true},
		// creator: full on the page and its items, no create rights
		{"p-1002", "manage_security", "page:pg-alb-dmet-adopt", "", true},
		{"p-1002", "edit", "page:pg-alb-item-adopt", "", true},
		{"p-1002", "create:item", "page:pg-alb-dmet-adopt", "", false},
		{"p-1050", "create:item", "page:pg-alb-dmet-adopt", "", true},
		// creator not on pages below; manage_security goes to the owning page
		{"p-1032", "edit", "page:pg-alb-ddlg-fc2", "", true},
		{"p-1032", "read", "page:pg-alb-ddlgt-fc2", "", true},
		{"p-1032", "edit", "page:pg-alb-ddlgt-fc2", "", false},
		{"p-1032", "manage_security", "page:pg-alb-ddlg-fc2", "", false},
		{"p-1021", "manage_security", "page:pg-alb-dcom-24h", "", false},
		// creator on items under items
		{"p-1033", "edit", "page:pg-alb-item-guide", "", true},
		{"p-1033", "edit", "page:pg-alb-item-guide-notes", "", true},
		{"p-1041", "edit", "page:pg-alb-item-guide-notes", "", true},
		// creator who moved away: editor via given_individual, not full
		{"p-1063", "edit", "page:pg-sta-goal-cbaker", "", true},
		{"p-1063", "level:full", "page:pg-sta-goal-cbaker", "", false},
		// named lists work across agencies
		{"p-2002", "read", "page:pg-alb-prj-kin", "", true},
		{"p-2002", "read", "page:pg-alb-org", "", false},
		{"p-1063", "edit", "page:pg-sta-ind-cbaker", "", true},
		// dept_member via out-assignment; what-if days
		{"p-1032", "edit", "page:pg-alb-dep-fc2", "", true},
		{"p-1032", "edit", "page:pg-alb-dep-fc2", "2027-02-01", false},
		{"p-1024", "read", "page:pg-alb-dep-prev", "", true},
		{"p-1024", "edit", "page:pg-alb-dep-prev", "", false},
		{"p-1024", "edit", "page:pg-alb-dep-prev", "2026-12-15", true},
		// dept_leader, dept_editor
		{"p-1041", "manage_security", "page:pg-alb-dep-fc2", "", true},
		{"p-1042", "manage_security", "page:pg-alb-dep-fc2", "", false},
		{"p-1042", "create:dept_dialog", "page:pg-alb-dep-fc2", "", true},
		{"p-1042", "create:project", "page:pg-alb-dep-fc2", "", false},
		// not_set with create rights
		{"p-1005", "read", "page:pg-alb-org", "", true},
		{"p-1005", "edit", "page:pg-alb-org", "", false},
		{"p-1005", "create:individual", "page:pg-alb-org", "", true},
		{"p-2050", "create:org_commitment", "page:pg-sta-org", "", true},
		// org_editor, org_leader
		{"p-1008", "edit", "page:pg-alb-org", "", true},
		{"p-1008", "manage_security", "page:pg-alb-org", "", false},
		{"p-1004", "manage_security", "page:pg-alb-org", "", true},
		// given_individual, reports_to, reports_to_above
		{"p-1011", "edit", "page:pg-alb-ind-dbrown", "", true},
		{"p-1010", "manage_security", "page:pg-alb-ind-dbrown", "", true},
		{"p-1010", "create:performance_report", "page:pg-alb-ind-dbrown", "", true},
		{"p-1010", "create:basic_role", "page:pg-alb-ind-dbrown", "", true},
		{"p-1006", "read", "page:pg-alb-ind-dbrown", "", true},
		{"p-1006", "edit", "page:pg-alb-ind-dbrown", "", false},
		{"p-1013", "read", "page:pg-alb-ind-dbrown", "", false},
		// reports-to through a person who left
		{"p-1026", "read", "page:pg-alb-perf-nflores", "", false},
		{"p-1007", "read", "page:pg-alb-perf-nflores", "", true},
		{"p-1002", "read", "page:pg-alb-perf-nflores", "", true},
		{"p-1001", "read", "page:pg-alb-perf-nflores", "", true},
		// performance report fixed rule
		{"p-1011", "read", "page:pg-alb-perf-dbrown", "", true},
		{"p-1010", "read", "page:pg-alb-perf-dbrown", "", true},
		{"p-1006", "read", "page:pg-alb-perf-dbrown", "", true},
		{"p-1002", "read", "page:pg-alb-perf-dbrown", "", true},
		{"p-1001", "read", "page:pg-alb-perf-dbrown", "", true},
		{"p-admin", "edit", "page:pg-alb-perf-dbrown", "", true},
		{"p-1010", "edit", "page:pg-alb-perf-dbrown", "", false},
		{"p-1003", "read", "page:pg-alb-perf-dbrown", "", false},
		// user:
		{"p-1060", "read", "page:pg-alb-ind-lortiz", "", true},
		// decision order: Person ID, administrator, staff record
		{"p-1025", "read", "page:pg-alb-org", "", false},
		{"p-admin", "manage_security", "page:pg-alb-org", "", true},
		{"p-1026", "read", "page:pg-alb-org", "", false},
		{"p-1015", "read", "page:pg-alb-org", "", false},
		{"p-1015", "read", "page:pg-alb-org", "2026-12-07", true},
		// capabilities
		{"p-1032", "case.view", "unit:u-alb-fc2", "", true},
		{"p-1032", "case.view", "unit:u-alb-fc2", "2027-02-01", false},
		{"p-1011", "case.maintain", "person:p-1011", "", true},
		{"p-1011", "case.maintain", "person:p-1012", "", false},
		{"p-1006", "case.view", "unit:u-sta-fc", "", true},
		{"p-1003", "security.maintain", "agency:ag-alb", "", true},
		{"p-1003", "security.maintain", "agency:ag-sta", "", false},
	}
	data := exampleSnapshot(t)
	model, err := evaluator.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	trs := map[string]*Translation{}
	for _, c := range cases {
		tr := trs[c.day]
		if tr == nil {
			if tr, err = Translate(data, c.day); err != nil {
				t.Fatal(err)
			}
			trs[c.day] = tr
		}
		cedarSays, err := tr.Decide(c.subject, c.action, c.resource)
		if err != nil {
			t.Fatal(err)
		}
		if cedarSays != c.want {
			t.Errorf("Cedar: %s %s %s (day %q) = %v, the README says %v", c.subject, c.action, c.resource, c.day, cedarSays, c.want)
		}
		if c.action == "level:full" {
			continue // not a connsec action
		}
		r := evaluator.Request{Subject: c.subject, Action: c.action, Resource: c.resource, AsOf: c.day}
		d, err := model.Check(r)
		if err != nil {
			t.Fatalf("connsec: %+v: %v", r, err)
		}
		if d.Allowed != c.want {
			t.Errorf("connsec: %+v = %v (level %s), the README says %v; reasons %+v", r, d.Allowed, d.Level, c.want, d.Reasons)
		}
	}
}
