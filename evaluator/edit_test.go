package evaluator_test

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/connsec/connsec/evaluator"
)

func loadExample(t *testing.T) (*evaluator.Model, []byte) {
	t.Helper()
	data, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := evaluator.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return m, data
}

// A batch with no edits saves the document byte for byte, apart from the version.
func TestNoOpBatchIsByteIdentical(t *testing.T) {
	m, data := loadExample(t)
	applied, err := m.Apply([]byte(`{"actor": "p-1003", "base_version": 0, "edits": []}`), testTime)
	if err != nil {
		t.Fatal(err)
	}
	got := applied.Model.Snapshot()
	want := bytes.Replace(data, []byte(`"version": 0`), []byte(`"version": 1`), 1)
	if !bytes.Equal(got, want) {
		t.Errorf("the saved snapshot differs beyond its version (%d vs %d bytes)", len(got), len(want))
	}
	if applied.Model.Version() != 1 || applied.Audit.Version != 1 || applied.Audit.Actor != "p-1003" || applied.Audit.Time != "2026-11-22T09:00:00Z" {
		t.Errorf("audit entry %+v, version %d", applied.Audit, applied.Model.Version())
	}
	if !bytes.Equal(m.Snapshot(), data) || m.Version() != 0 {
		t.Error("applying changed the model it was applied to")
	}
}

// annotations collects every trainer_note of a document, wherever it is.
func annotations(v gjson.Result, out []string) []string {
	v.ForEach(func(k, x gjson.Result) bool {
		if k.Str == "trainer_note" {
			out = append(out, x.Raw)
		}
		if x.IsObject() || x.IsArray() {
			out = annotations(x, out)
		}
		return true
	})
	return out
}

// Annotations (fields connsec does not know) survive every op.
func TestAnnotationsSurviveEdits(t *testing.T) {
	m, data := loadExample(t)
	notes := annotations(gjson.ParseBytes(data), nil)
	if len(notes) < 10 {
		t.Fatalf("the example should carry trainer notes; found %d", len(notes))
	}
	edits := []string{
		`{"op": "add_staff", "agency": "ag-alb", "person": "p-9001", "name": "Nia Worker", "nt_account": "nworker"}`,
		`{"op": "move_staff", "agency": "ag-alb", "person": "p-9001", "unit": "u-alb-cpsi1"}`,
		`{"op": "assign_functions", "agency": "ag-alb", "person": "p-9001", "functions": ["CPS_CASEWORKER"]}`,
		`{"op": "add_out_assignment", "agency": "ag-alb", "person": "p-9001", "unit": "u-alb-cpsinv", "end": "2027-01-05"}`,
		`{"op": "set_unit_approver", "agency": "ag-alb", "unit": "u-alb-fc2", "approver": "p-1030"}`,
		`{"op": "set_security", "page": "pg-alb-org", "entries": [{"principal": "everyone", "role": "reader"}, {"principal": "org_leader", "role": "full"}]}`,
		`{"op": "propagate_defaults", "page": "pg-alb-org", "kind": "department"}`,
		`{"op": "create_page", "page": {"id": "pg-new", "kind": "item", "parent": "pg-alb-org", "title": "New", "trainer_note": "kept on a new page"}}`,
	}
	cur := m
	for i, e := range edits {
		applied, err := cur.Apply([]byte(`{"actor": "p-admin", "edits": [`+e+`]}`), testTime)
		if err != nil {
			t.Fatalf("edit %d: %v", i, err)
		}
		cur = applied.Model
		after := annotations(gjson.ParseBytes(cur.Snapshot()), nil)
		for _, n := range notes {
			if !slices.Contains(after, n) {
				t.Errorf("edit %d (%s) lost the annotation %s", i, e, n)
			}
		}
	}
	if got := annotations(gjson.ParseBytes(cur.Snapshot()), nil); len(got) != len(notes)+1 {
		t.Errorf("%d annotations after the edits, want %d", len(got), len(notes)+1)
	}
	if cur.Version() != int64(len(edits)) {
		t.Errorf("version %d after %d batches", cur.Version(), len(edits))
	}
}

// The first failing edit refuses the whole batch, with its index and path; nothing changes.
func TestBatchIsAtomic(t *testing.T) {
	m, data := loadExample(t)
	_, err := m.Apply([]byte(`{"actor": "p-1003", "edits": [
		{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": "u-alb-fc1"},
		{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": "u-nowhere"}]}`), testTime)
	var ee *evaluator.EditError
	if !errors.As(err, &ee) || ee.Code != "unknown_reference" || ee.Index != 1 || ee.Path != "edits[1].unit" {
		t.Fatalf("want unknown_reference at edits[1].unit, got %v", err)
	}
	if !bytes.Equal(m.Snapshot(), data) {
		t.Error("a refused batch changed the document")
	}
	_, err = m.Apply([]byte(`{"actor": "p-1003", "base_version": 3, "edits": []}`), testTime)
	if !errors.As(err, &ee) || ee.Code != "version_conflict" {
		t.Errorf("a stale base_version: %v", err)
	}
	_, err = m.Apply([]byte(`{"actor": "p-1012", "edits": [{"op": "move_staff", "agency": "ag-alb", "person": "p-1011", "unit": "u-alb-fc1"}]}`), testTime)
	if !errors.As(err, &ee) || ee.Code != "not_authorized" || !strings.Contains(ee.Message, "p-1003") {
		t.Errorf("a worker who is not a coordinator: %v (the message names the coordinators)", err)
	}
	for _, bad := range []string{`{`, `[]`, `{"edits": []}`, `{"actor": "p-1003", "edits": {}}`, `{"actor": "p-1003", "edits": [{"op": "fly"}]}`} {
		if _, err := m.Apply([]byte(bad), testTime); !errors.As(err, &ee) || ee.Code == "" || ee.Message == "" {
			t.Errorf("malformed batch %s: %v", bad, err)
		}
	}
}

// Each edit is authorized against the state the edits before it left.
func TestEditsSeeEarlierEdits(t *testing.T) {
	m, _ := loadExample(t)
	applied, err := m.Apply([]byte(`{"actor": "p-1003", "edits": [
		{"op": "add_staff", "agency": "ag-alb", "person": "p-9002", "name": "Ray Lee", "nt_account": "rlee"},
		{"op": "move_staff", "agency": "ag-alb", "person": "p-9002", "unit": "u-alb-fc1"},
		{"op": "assign_functions", "agency": "ag-alb", "person": "p-9002", "functions": ["FOSTER_CARE_CASEWORKER"]}]}`), testTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied.Notifications) != 1 || applied.Notifications[0].Person != "p-9002" || len(applied.Notifications[0].Added) == 0 {
		t.Errorf("notifications %+v", applied.Notifications)
	}
	d, err := applied.Model.Check(evaluator.Request{Subject: "p-9002", Action: "read", Resource: "page:pg-alb-org"})
	if err != nil || !d.Allowed {
		t.Errorf("the new worker reads the organization page: %+v %v", d, err)
	}
}

// The same batch writes the same bytes each time it is applied (a replay after a restart,
// another writer): create_agency adds the lists a new agency starts with in one order.
func TestCreateAgencyWritesTheSameBytes(t *testing.T) {
	m, _ := loadExample(t)
	batch := []byte(`{"actor": "p-admin", "edits": [{"op": "create_agency", "agency": {"id": "ag-new", "name": "Northside Family Services"}, "org_page": {"id": "pg-new-org", "title": "Northside Family Services"}}]}`)
	var first []byte
	for i := 0; i < 20; i++ {
		applied, err := m.Apply(batch, testTime)
		if err != nil {
			t.Fatal(err)
		}
		if got := applied.Model.Snapshot(); first == nil {
			first = got
		} else if !bytes.Equal(got, first) {
			t.Fatalf("create_agency wrote other bytes on application %d: %s", i+1, gjson.GetBytes(got, "agencies.#(id==\"ag-new\")").Raw)
		}
	}
}
