package evaluator_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tidwall/gjson"

	"github.com/connsec/connsec/evaluator"
)

// sectionSnapshot is baseSnapshot with a performance report under the individual page and a
// dialog task under the org dialog, whose organization page has no default section for them.
func sectionSnapshot(t *testing.T) *evaluator.Model {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(baseSnapshot), &doc); err != nil {
		t.Fatal(err)
	}
	ag := doc["agencies"].([]any)[0].(map[string]any)
	ag["pages"] = append(ag["pages"].([]any),
		map[string]any{"id": "pg-a-perf", "kind": "performance_report", "parent": "pg-a-ind", "title": "Review 2026"},
		map[string]any{"id": "pg-a-perf-item", "kind": "item", "parent": "pg-a-perf", "title": "Notes"},
		map[string]any{"id": "pg-a-dtask", "kind": "org_dialog_task", "parent": "pg-a-dlg", "title": "Agenda"},
	)
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return mustLoadSnapshot(t, data)
}

func TestSectionSaysWhereTheSectionComesFrom(t *testing.T) {
	m := sectionSnapshot(t)
	type where struct {
		Owner, Section  string
		Live, FixedRule bool
		Principals      []string
	}
	cases := map[string]where{
		// own security
		"pg-a-org": {"pg-a-org", "security", false, false, []string{"everyone", "user:p-1", "group:g-a", "unit:u-a1", "function:F_SEC"}},
		"pg-a-met": {"pg-a-met", "security", false, false, []string{"metric_owner"}},
		// a dialog is governed live by its organization's default section for dialogs
		"pg-a-dlg": {"pg-a-org", "org_dialog", true, false, []string{"everyone"}},
		// an item follows the page it is on
		"pg-a-item": {"pg-a-org", "org_dialog", true, false, []string{"everyone"}},
		// no org_dialog_task default on the organization page: the task follows its parent
		"pg-a-dtask": {"pg-a-org", "org_dialog", true, false, []string{"everyone"}},
		// a project task with no default on its project follows the project's security
		"pg-a-ptask": {"pg-a-prj", "security", false, false, []string{"project_leader"}},
		// the fixed rule of §4.6, for the report and the items under it
		"pg-a-perf":      {"pg-a-ind", "security", false, true, []string{"given_individual", "reports_to"}},
		"pg-a-perf-item": {"pg-a-ind", "security", false, true, []string{"given_individual", "reports_to"}},
	}
	for page, want := range cases {
		s, err := m.Section(page)
		if err != nil {
			t.Fatalf("Section(%s): %v", page, err)
		}
		got := where{s.Owner, s.Section, s.Live, s.FixedRule, nil}
		for _, e := range s.Entries {
			got.Principals = append(got.Principals, e.Principal)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Section(%s) (-want +got):\n%s", page, diff)
		}
		if s.Page != page || s.From == "" {
			t.Errorf("Section(%s) names page %q and gives no hops: %q", page, s.Page, s.From)
		}
	}
	dtask, _ := m.Section("pg-a-dtask")
	if want := "so it follows its parent pg-a-dlg"; !strings.Contains(dtask.From, want) {
		t.Errorf("the hop of pg-a-dtask is not worded: %q lacks %q", dtask.From, want)
	}
}

func TestSectionOfAnUnknownPageIsAnError(t *testing.T) {
	m := sectionSnapshot(t)
	_, err := m.Section("pg-nowhere")
	var re *evaluator.RequestError
	if !errors.As(err, &re) || re.Code != evaluator.CodeUnknownReference {
		t.Fatalf("Section of an unknown page: got %v, want unknown_reference", err)
	}
}

// TestSectionAgreesWithCheck: on every page of the example, the section Section names is the
// one a check's reasons name for an active worker of the page's agency.
func TestSectionAgreesWithCheck(t *testing.T) {
	data, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	m := mustLoadSnapshot(t, data)
	doc := gjson.ParseBytes(data)
	checked := 0
	for _, ag := range doc.Get("agencies").Array() {
		worker := ""
		for _, st := range ag.Get("staff").Array() {
			if st.Get("end").Str == "" && worker == "" {
				worker = st.Get("person").Str
			}
		}
		for _, pg := range ag.Get("pages").Array() {
			id := pg.Get("id").Str
			s, err := m.Section(id)
			if err != nil {
				t.Fatalf("Section(%s): %v", id, err)
			}
			if pg.Get("kind").Str == "performance_report" && !s.FixedRule {
				t.Errorf("%s: a performance report is not marked as under the fixed rule", id)
			}
			if s.FixedRule {
				continue // the fixed rule of §4.6 names no section in a check
			}
			d, err := m.Check(evaluator.Request{Subject: worker, Action: "read", Resource: "page:" + id})
			if err != nil {
				t.Fatalf("check %s on %s: %v", worker, id, err)
			}
			found := false
			for _, r := range d.Reasons {
				if r.Kind == "section" {
					found = true
					if r.Page != s.Owner || r.Section != s.Section || r.Message != s.From {
						t.Errorf("%s: Section says %s/%s (%q), the check says %s/%s (%q)", id, s.Owner, s.Section, s.From, r.Page, r.Section, r.Message)
					}
				}
			}
			if !found {
				t.Errorf("%s: the check of %s names no section", id, worker)
			}
			checked++
		}
	}
	if checked < 50 {
		t.Fatalf("only %d pages were compared", checked)
	}
}
