package evaluator_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// baseSnapshot is the smallest snapshot that still holds one of every reference SPEC §2 knows,
// so that each bad-input case breaks exactly one rule of it. The indexes the cases use:
//
//	people:  0 p-admin (administrator), 1 p-1, 2 p-2, 3 p-3, 4 p-4, 5 p-5 (ag-b), 6 p-6 (left)
//	business_functions: 0 F_CASE (build B1), 1 F_SEC
//	agencies[0] ag-a
//	  units:  0 u-a-tmp (temporary), 1 u-a1 (approver p-3, editors p-4, leaders p-3), 2 u-a2
//	  staff:  0 p-1, 1 p-2, 2 p-3, 3 p-4 (reports to p-3, out-assigned to u-a2), 4 p-6 (ended, unit null)
//	  pages:  0 pg-a-org (security: everyone, user:, group:, unit:, function:), 1 pg-a-dep,
//	          2 pg-a-met, 3 pg-a-prj, 4 pg-a-ptask, 5 pg-a-ind, 6 pg-a-dlg, 7 pg-a-item
//	agencies[1] ag-b
//	  units: 0 u-b1; staff: 0 p-5; pages: 0 pg-b-org
const baseSnapshot = `{
  "format": "connsec.snapshot/v1",
  "version": 0,
  "as_of": "2026-11-22",
  "note": "unknown fields are kept",
  "administrators": ["p-admin"],
  "builds": [{"id": "B1", "date": "2026-01-05", "notes": "first build"}],
  "business_functions": [
    {"code": "F_CASE", "name": "Caseworker", "build": "B1", "tasks": ["View the unit's cases"],
     "attributes": [{"name": "Unit Case View", "capability": "case.view", "scope": "unit"}],
     "suggest_for": {"functions": ["F_SEC"], "specializations": ["CPS"]}, "restricted": false},
    {"code": "F_SEC", "name": "Maintain Security", "build": "B1", "tasks": ["Maintain staff security"],
     "attributes": [{"name": "Agency Security", "capability": "security.maintain", "scope": "agency"}],
     "restricted": true}
  ],
  "people": [
    {"id": "p-admin", "name": "Renee Admin", "nt_account": "radmin", "person_id": "active"},
    {"id": "p-1", "name": "Pat Primary", "nt_account": "pprimary", "person_id": "active"},
    {"id": "p-2", "name": "Bo Backup", "nt_account": "bbackup"},
    {"id": "p-3", "name": "Sue Supervisor", "nt_account": "ssuper", "person_id": "active"},
    {"id": "p-4", "name": "Wes Worker", "nt_account": "wworker", "person_id": "active"},
    {"id": "p-5", "name": "Otto Other", "nt_account": "oother", "person_id": "active"},
    {"id": "p-6", "name": "Lee Left", "nt_account": "lleft", "person_id": "disabled"}
  ],
  "site_defaults": {
    "department": {"security": [{"principal": "everyone", "role": "reader"},
                                {"principal": "dept_member", "role": "editor"}],
                   "defaults": {"dept_dialog": []}},
    "individual": {"security": [{"principal": "given_individual", "role": "editor"}],
                   "defaults": {"individual_dialog": []}}
  },
  "agencies": [
    {
      "id": "ag-a", "name": "Agency A",
      "coordinators": [{"person": "p-1", "role": "primary"}, {"person": "p-2", "role": "backup"}],
      "org_editors": ["p-1"], "org_leaders": ["p-3"],
      "groups": [{"id": "g-a", "name": "Group A", "members": ["p-4"]}],
      "units": [
        {"id": "u-a-tmp", "name": "Conversion", "temporary": true},
        {"id": "u-a1", "name": "CPS 1", "specialization": "CPS", "approver": "p-3",
         "editors": ["p-4"], "leaders": ["p-3"]},
        {"id": "u-a2", "name": "CPS 2", "approver": "p-3"}
      ],
      "staff": [
        {"person": "p-1", "unit": "u-a1", "start": "2024-01-01", "functions": ["F_SEC"]},
        {"person": "p-2", "unit": "u-a1", "start": "2024-01-01", "end": null},
        {"person": "p-3", "unit": "u-a1", "start": "2023-05-01", "functions": ["F_CASE"]},
        {"person": "p-4", "unit": "u-a1", "start": "2025-02-03", "functions": ["F_CASE"],
         "reports_to": ["p-3"],
         "out_assignments": [{"unit": "u-a2", "start": "2026-11-01", "end": "2027-02-01"}]},
        {"person": "p-6", "unit": null, "start": "2020-01-01", "end": "2025-06-30"}
      ],
      "pages": [
        {"id": "pg-a-org", "kind": "organization", "parent": null, "title": "Agency A", "created_by": null,
         "security": [{"principal": "everyone", "role": "reader"},
                      {"principal": "user:p-1", "role": "full"},
                      {"principal": "group:g-a", "role": "reader"},
                      {"principal": "unit:u-a1", "role": "editor"},
                      {"principal": "function:F_SEC", "role": "not_set", "create": ["individual", "department"]}],
         "defaults": {"org_dialog": [{"principal": "everyone", "role": "reader"}],
                      "project": [{"principal": "project_leader", "role": "full"}]}},
        {"id": "pg-a-dep", "kind": "department", "parent": "pg-a-org", "title": "CPS 1", "unit": "u-a1",
         "security": [{"principal": "dept_member", "role": "editor"}]},
        {"id": "pg-a-met", "kind": "org_metric", "parent": "pg-a-org", "title": "Timeliness", "owners": ["p-3"],
         "security": [{"principal": "metric_owner", "role": "full"}]},
        {"id": "pg-a-prj", "kind": "project", "parent": "pg-a-org", "title": "Review",
         "roles": {"sponsor": ["p-3"], "leader": ["p-1"], "member": ["p-4"], "consultant": ["p-5"]},
         "security": [{"principal": "project_leader", "role": "full"}]},
        {"id": "pg-a-ptask", "kind": "project_task", "parent": "pg-a-prj", "title": "Read files", "responsible": ["p-4"]},
        {"id": "pg-a-ind", "kind": "individual", "parent": "pg-a-org", "title": "Wes Worker", "person": "p-4",
         "security": [{"principal": "given_individual", "role": "editor"}, {"principal": "reports_to", "role": "full"}]},
        {"id": "pg-a-dlg", "kind": "org_dialog", "parent": "pg-a-org", "title": "Management", "created_by": "p-1"},
        {"id": "pg-a-item", "kind": "item", "parent": "pg-a-dlg", "title": "Minutes", "created_by": "p-4"}
      ]
    },
    {
      "id": "ag-b", "name": "Agency B",
      "coordinators": [{"person": "p-5", "role": "primary"}],
      "units": [{"id": "u-b1", "name": "B One", "approver": "p-5"}],
      "staff": [{"person": "p-5", "unit": "u-b1", "start": "2022-01-01"}],
      "pages": [{"id": "pg-b-org", "kind": "organization", "parent": null, "title": "Agency B",
                 "security": [{"principal": "everyone", "role": "reader"}]}]
    }
  ]
}`

// jsonv is a JSON value written as text in a case (an object, a list, a number…).
type jsonv string

type snapEditOp uint8

const (
	editSet snapEditOp = iota // replace (or add) the value at the path
	editDel                   // remove the field or list element at the path
	editAdd                   // append the value to the list at the path
)

// snapEdit is one small change to the base snapshot, at a path written like the loader's problem
// paths (agencies[0].staff[3].unit).
type snapEdit struct {
	op    snapEditOp
	path  string
	value any
}

func setAt(path string, v any) snapEdit { return snapEdit{editSet, path, v} }
func delAt(path string) snapEdit        { return snapEdit{editDel, path, nil} }
func addTo(path string, v any) snapEdit { return snapEdit{editAdd, path, v} }

// loadBadCase is a snapshot that must be refused with exactly one problem: code at path.
type loadBadCase struct {
	name  string
	edits []snapEdit
	raw   func(base []byte) []byte // instead of edits: the whole document
	code  string
	path  string
}

type pathStep struct {
	key   string
	idx   int
	isIdx bool
}

func parseEditPath(path string) ([]pathStep, error) {
	var out []pathStep
	for _, part := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name == "" {
			return nil, fmt.Errorf("path %q: empty name", path)
		}
		out = append(out, pathStep{key: name})
		for rest != "" {
			n, after, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(n)
			if !ok || err != nil {
				return nil, fmt.Errorf("path %q: bad index", path)
			}
			out = append(out, pathStep{idx: i, isIdx: true})
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return out, nil
}

func editValue(v any) (any, error) {
	if s, ok := v.(jsonv); ok {
		var x any
		if err := json.Unmarshal([]byte(s), &x); err != nil {
			return nil, fmt.Errorf("value %s: %v", s, err)
		}
		return x, nil
	}
	return v, nil
}

func applySnapEdit(node any, steps []pathStep, e snapEdit, value any) (any, error) {
	if len(steps) == 0 {
		switch e.op {
		case editSet:
			return value, nil
		case editAdd:
			if node == nil {
				return []any{value}, nil
			}
			list, ok := node.([]any)
			if !ok {
				return nil, fmt.Errorf("%s: not a list", e.path)
			}
			return append(list, value), nil
		}
		return nil, fmt.Errorf("%s: cannot delete the wholeDoc document", e.path)
	}
	s := steps[0]
	if s.isIdx {
		list, ok := node.([]any)
		if !ok || s.idx >= len(list) {
			return nil, fmt.Errorf("%s: no element %d", e.path, s.idx)
		}
		if len(steps) == 1 && e.op == editDel {
			return slices.Delete(list, s.idx, s.idx+1), nil
		}
		v, err := applySnapEdit(list[s.idx], steps[1:], e, value)
		list[s.idx] = v
		return list, err
	}
	obj, ok := node.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %q is not in an object", e.path, s.key)
	}
	if len(steps) == 1 && e.op == editDel {
		if _, ok := obj[s.key]; !ok {
			return nil, fmt.Errorf("%s: nothing to delete", e.path)
		}
		delete(obj, s.key)
		return obj, nil
	}
	if _, ok := obj[s.key]; !ok && len(steps) > 1 {
		return nil, fmt.Errorf("%s: no field %q", e.path, s.key)
	}
	v, err := applySnapEdit(obj[s.key], steps[1:], e, value)
	obj[s.key] = v
	return obj, err
}

// mutateSnapshot applies edits to a copy of the base snapshot and returns the document.
func mutateSnapshot(base []byte, edits []snapEdit) ([]byte, error) {
	var doc any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, err
	}
	for _, e := range edits {
		steps, err := parseEditPath(e.path)
		if err != nil {
			return nil, err
		}
		v, err := editValue(e.value)
		if err != nil {
			return nil, err
		}
		if doc, err = applySnapEdit(doc, steps, e, v); err != nil {
			return nil, err
		}
	}
	return json.MarshalIndent(doc, "", " ")
}

// document is the snapshot a case describes.
func (c loadBadCase) document() ([]byte, error) {
	if c.raw != nil {
		return c.raw([]byte(baseSnapshot)), nil
	}
	return mutateSnapshot([]byte(baseSnapshot), c.edits)
}

// loadProblems asserts that Load refused data and returns the problems.
func loadProblems(t *testing.T, data []byte) []evaluator.Problem {
	t.Helper()
	m, err := evaluator.Load(data)
	if m != nil {
		t.Errorf("Load returned a model for a refused snapshot")
	}
	var se *evaluator.SnapshotError
	if !errors.As(err, &se) {
		t.Fatalf("Load: want a *SnapshotError, got %T %v", err, err)
	}
	if len(se.Problems) == 0 {
		t.Fatalf("a SnapshotError with no problems")
	}
	for _, p := range se.Problems {
		if p.Message == "" {
			t.Errorf("problem %s at %q has no message", p.Code, p.Path)
		}
	}
	return se.Problems
}

func TestLoadRefusesBadInput(t *testing.T) {
	cases := loadBadCases()
	if len(cases) < 45 {
		t.Fatalf("only %d bad-input cases", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("two cases are named %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			data, err := c.document()
			if err != nil {
				t.Fatalf("building the case: %v", err)
			}
			got := loadProblems(t, data)
			want := evaluator.Problem{Code: c.code, Path: c.path}
			if len(got) != 1 || got[0].Code != want.Code || got[0].Path != want.Path {
				t.Errorf("want exactly %s at %q; got %d problem(s):\n%s", want.Code, want.Path, len(got), listProblems(got))
			}
		})
	}
}

func listProblems(ps []evaluator.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	return b.String()
}

// TestLoadReportsEveryProblem: a refused snapshot lists all its problems at once, not the
// first one found (SPEC §2).
func TestLoadReportsEveryProblem(t *testing.T) {
	for _, c := range []struct {
		name  string
		edits []snapEdit
		want  []evaluator.Problem
	}{
		{"three dangling references", []snapEdit{
			setAt("agencies[0].units[1].approver", "p-nobody"),
			setAt("business_functions[0].build", "B9"),
			setAt("agencies[0].pages[5].person", "p-ghost"),
		}, []evaluator.Problem{
			{Code: "unknown_reference", Path: "agencies[0].units[1].approver"},
			{Code: "unknown_reference", Path: "business_functions[0].build"},
			{Code: "unknown_reference", Path: "agencies[0].pages[5].person"},
		}},
		{"three malformed values", []snapEdit{
			setAt("agencies[0].staff[3].start", "2026-02-30"),
			setAt("agencies[0].pages[0].security[0].role", "owner"),
			setAt("people[1].name", 7),
		}, []evaluator.Problem{
			{Code: "invalid_value", Path: "agencies[0].staff[3].start"},
			{Code: "invalid_value", Path: "agencies[0].pages[0].security[0].role"},
			{Code: "invalid_snapshot", Path: "people[1].name"},
		}},
		{"duplicate, wrong parent and dangling entry", []snapEdit{
			addTo("agencies[1].pages", jsonv(`{"id": "pg-a-met", "kind": "item", "parent": "pg-b-org"}`)),
			setAt("agencies[0].pages[4].parent", "pg-a-org"),
			setAt("agencies[1].pages[0].security[0].principal", "function:F_NOPE"),
		}, []evaluator.Problem{
			{Code: "duplicate_id", Path: "agencies[1].pages[1].id"},
			{Code: "invalid_parent", Path: "agencies[0].pages[4].parent"},
			{Code: "unknown_reference", Path: "agencies[1].pages[0].security[0].principal"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, err := mutateSnapshot([]byte(baseSnapshot), c.edits)
			if err != nil {
				t.Fatal(err)
			}
			got := loadProblems(t, data)
			if !sameProblems(got, c.want) {
				t.Errorf("want %d problems:\n%sgot %d:\n%s", len(c.want), listProblems(c.want), len(got), listProblems(got))
			}
		})
	}
}

// TestLoadReportsEveryPhase: problems of reading a snapshot and problems of the checks between
// its elements come in one refusal, reading's first, each once (§2 of the rules).
func TestLoadReportsEveryPhase(t *testing.T) {
	for _, c := range loadEveryPhaseCases() {
		t.Run(c.name, func(t *testing.T) {
			data, err := loadBadCase{edits: c.edits}.document()
			if err != nil {
				t.Fatalf("building the case: %v", err)
			}
			got := loadProblems(t, data)
			same := len(got) == len(c.want)
			for i := 0; same && i < len(got); i++ {
				same = got[i].Code == c.want[i].code && got[i].Path == c.want[i].path
			}
			if !same {
				var want strings.Builder
				for _, p := range c.want {
					fmt.Fprintf(&want, "  %s: %s\n", p.path, p.code)
				}
				t.Errorf("want, in this order:\n%sgot:\n%s", want.String(), listProblems(got))
			}
		})
	}
}

// TestLoadTwoBadCasesAtOnce: any two of the bad-input cases together are refused without a
// panic and with no problem listed twice, whatever phase each one's problem belongs to.
func TestLoadTwoBadCasesAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("ten thousand loads")
	}
	var cases []loadBadCase
	for _, c := range loadBadCases() {
		if c.raw == nil {
			cases = append(cases, c)
		}
	}
	for i, a := range cases {
		for _, b := range cases[i+1:] {
			data, err := loadBadCase{edits: append(slices.Clip(a.edits), b.edits...)}.document()
			if err != nil {
				continue // the two edit the same place in ways that do not combine
			}
			seen := map[evaluator.Problem]bool{}
			for _, p := range loadProblems(t, data) {
				if seen[p] {
					t.Errorf("%s, with %s: listed twice: %s", a.name, b.name, p)
				}
				seen[p] = true
			}
		}
	}
}

// sameProblems compares code and path, in any order.
func sameProblems(got, want []evaluator.Problem) bool {
	key := func(ps []evaluator.Problem) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Code+" "+p.Path)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(got), key(want))
}

func mustLoadSnapshot(t *testing.T, data []byte) *evaluator.Model {
	t.Helper()
	m, err := evaluator.Load(data)
	if err != nil {
		t.Fatalf("a valid snapshot was refused: %v", err)
	}
	if m == nil {
		t.Fatalf("Load returned neither a model nor an error")
	}
	return m
}

func TestLoadAcceptsValidInput(t *testing.T) {
	t.Run("base", func(t *testing.T) { mustLoadSnapshot(t, []byte(baseSnapshot)) })
	t.Run("example", func(t *testing.T) {
		data, err := os.ReadFile("../fixtures/example/snapshot.json")
		if err != nil {
			t.Fatal(err)
		}
		m := mustLoadSnapshot(t, data)
		if m.AsOf() != "2026-11-22" || m.Version() != 0 {
			t.Errorf("as_of %q version %d", m.AsOf(), m.Version())
		}
	})
	for _, o := range []gen.Options{
		{Agencies: 1, Staff: 5, Pages: 2, Seed: 1},
		{Agencies: 2, Staff: 20, Pages: 60, Seed: 2},
		{Agencies: 3, Staff: 90, Pages: 400, Seed: 3, AsOf: "2027-03-01"},
	} {
		t.Run(fmt.Sprintf("generated %d/%d/%d seed %d", o.Agencies, o.Staff, o.Pages, o.Seed), func(t *testing.T) {
			data, err := gen.Generate(o)
			if err != nil {
				t.Fatal(err)
			}
			mustLoadSnapshot(t, data)
		})
	}
	// Edges that are still valid: each must load.
	for _, c := range []struct {
		name  string
		edits []snapEdit
	}{
		{"an id of 128 characters", []snapEdit{addTo("people", map[string]any{"id": strings.Repeat("p", 128)})}},
		{"every id character", []snapEdit{addTo("people", map[string]any{"id": "Az09._-"})}},
		{"a leap day", []snapEdit{setAt("agencies[0].staff[3].start", "2024-02-29")}},
		{"version 12", []snapEdit{setAt("version", 12)}},
		{"no version", []snapEdit{delAt("version")}},
		{"null lists and sections", []snapEdit{
			setAt("administrators", nil), setAt("business_functions[0].tasks", nil), setAt("agencies[1].staff[0].functions", nil),
			setAt("agencies[0].pages[6].security", nil), setAt("agencies[0].pages[6].defaults", nil),
		}},
		{"an empty default section", []snapEdit{setAt("agencies[0].pages[0].defaults.org_metric", jsonv(`[]`))}},
		{"a null default section", []snapEdit{setAt("agencies[0].pages[0].defaults.org_commitment", nil)}},
		{"unknown fields everywhere", []snapEdit{
			setAt("agencies[0].trainer_note", "x"), setAt("agencies[0].staff[0].note", jsonv(`{"a": [1]}`)),
			setAt("agencies[0].pages[0].security[0].why", 3), setAt("people[0].badge", true),
		}},
		{"a record that ended the day it would be active", []snapEdit{setAt("agencies[1].staff[0].end", "2026-11-22")}},
		{"a future record", []snapEdit{addTo("agencies[1].staff", jsonv(`{"person": "p-6", "unit": "u-b1", "start": "2027-01-04"}`))}},
		{"successive records of one person", []snapEdit{
			addTo("agencies[0].staff", jsonv(`{"person": "p-6", "unit": "u-a2", "start": "2025-06-30"}`)),
		}},
		{"a unit principal of another agency", []snapEdit{setAt("agencies[0].pages[0].security[3].principal", "unit:u-b1")}},
		{"a create right for a kind that is not a child", []snapEdit{addTo("agencies[0].pages[0].security[4].create", "project_task")}},
		{"every page kind", allKindsEdits()},
		{"deep items", []snapEdit{
			addTo("agencies[0].pages", jsonv(`{"id": "pg-i2", "kind": "item", "parent": "pg-a-item"}`)),
			addTo("agencies[0].pages", jsonv(`{"id": "pg-i3", "kind": "item", "parent": "pg-i2"}`)),
		}},
		{"children listed before their parents", []snapEdit{
			addTo("agencies[0].pages", jsonv(`{"id": "pg-late-task", "kind": "project_task", "parent": "pg-late"}`)),
			addTo("agencies[0].pages", jsonv(`{"id": "pg-late", "kind": "project", "parent": "pg-a-org"}`)),
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, err := mutateSnapshot([]byte(baseSnapshot), c.edits)
			if err != nil {
				t.Fatal(err)
			}
			mustLoadSnapshot(t, data)
		})
	}
}

// allKindsEdits hangs a page of every kind of SPEC §3 under a parent it may have.
func allKindsEdits() []snapEdit {
	pages := []string{
		`{"id": "k-dmet", "kind": "dept_metric", "parent": "pg-a-dep", "owners": ["p-3"]}`,
		`{"id": "k-ddlg", "kind": "dept_dialog", "parent": "pg-a-dep"}`,
		`{"id": "k-ddlgt", "kind": "dept_dialog_task", "parent": "k-ddlg", "responsible": ["p-4"]}`,
		`{"id": "k-dprj", "kind": "project", "parent": "pg-a-dep", "roles": {"leader": ["p-3"]}}`,
		`{"id": "k-dcom", "kind": "dept_commitment", "parent": "pg-a-dep"}`,
		`{"id": "k-odlgt", "kind": "org_dialog_task", "parent": "pg-a-dlg"}`,
		`{"id": "k-ocom", "kind": "org_commitment", "parent": "pg-a-org"}`,
		`{"id": "k-pmet", "kind": "project_metric", "parent": "pg-a-prj", "owners": []}`,
		`{"id": "k-pdlg", "kind": "project_dialog", "parent": "pg-a-prj"}`,
		`{"id": "k-pdlgt", "kind": "project_dialog_task", "parent": "k-pdlg"}`,
		`{"id": "k-imet", "kind": "individual_metric", "parent": "pg-a-ind", "owners": ["p-4"]}`,
		`{"id": "k-ptask", "kind": "personal_task", "parent": "pg-a-ind"}`,
		`{"id": "k-brole", "kind": "basic_role", "parent": "pg-a-ind"}`,
		`{"id": "k-brolet", "kind": "basic_role_task", "parent": "k-brole"}`,
		`{"id": "k-idlg", "kind": "individual_dialog", "parent": "pg-a-ind"}`,
		`{"id": "k-idlgt", "kind": "individual_dialog_task", "parent": "k-idlg"}`,
		`{"id": "k-icom", "kind": "individual_commitment", "parent": "pg-a-ind"}`,
		`{"id": "k-goal", "kind": "development_goal", "parent": "pg-a-ind"}`,
		`{"id": "k-perf", "kind": "performance_report", "parent": "pg-a-ind"}`,
		`{"id": "k-perf-item", "kind": "item", "parent": "k-perf"}`,
		`{"id": "k-dep2", "kind": "department", "parent": "pg-a-org", "unit": "u-a2"}`,
	}
	var out []snapEdit
	for _, p := range pages {
		out = append(out, addTo("agencies[0].pages", jsonv(p)))
	}
	return out
}

// TestLoadReportsEveryCycle: two separate page cycles are two problems, each on its loop
// (§2 of the rules: every problem of the document).
func TestLoadReportsEveryCycle(t *testing.T) {
	wantCycles(t, []snapEdit{
		addTo(aPages, jsonv(`{"id": "pg-x", "kind": "item", "parent": "pg-y"}`)),
		addTo(aPages, jsonv(`{"id": "pg-y", "kind": "item", "parent": "pg-x"}`)),
		addTo(aPages, jsonv(`{"id": "pg-below", "kind": "item", "parent": "pg-v"}`)),
		addTo(aPages, jsonv(`{"id": "pg-v", "kind": "item", "parent": "pg-v"}`)),
	}, aPages+"[8].parent", aPages+"[11].parent")
}

// TestLoadReportsEveryReportsToLoop: two reports-to loops are two problems, each once.
func TestLoadReportsEveryReportsToLoop(t *testing.T) {
	wantCycles(t, []snapEdit{
		setAt(aStaff+"[0].reports_to", jsonv(`["p-2"]`)),
		setAt(aStaff+"[1].reports_to", jsonv(`["p-1"]`)),
		setAt(aStaff+"[2].reports_to", jsonv(`["p-3"]`)),
	}, aStaff+"[0].reports_to", aStaff+"[2].reports_to")
}

// wantCycles loads the base snapshot with edits and wants exactly cycle problems at paths.
func wantCycles(t *testing.T, edits []snapEdit, paths ...string) {
	t.Helper()
	data, err := loadBadCase{edits: edits}.document()
	if err != nil {
		t.Fatal(err)
	}
	got := loadProblems(t, data)
	if len(got) != len(paths) {
		t.Fatalf("want %d cycles; got:\n%s", len(paths), listProblems(got))
	}
	for i, p := range got {
		if p.Code != codeCycle || p.Path != paths[i] {
			t.Errorf("problem %d: want cycle at %s; got %s at %s", i, paths[i], p.Code, p.Path)
		}
	}
}
