package evaluator_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/connsec/connsec/evaluator"
)

// record_security_review appends {date, by, version, note} to the agency's reviews, oldest
// first, keeps the fields around it, and resolves security_review_overdue in the what-if.
func TestRecordSecurityReview(t *testing.T) {
	data, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := evaluator.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	batch := []byte(`{"actor": "p-1003", "base_version": 0, "edits": [{"op": "record_security_review", "agency": "ag-alb", "note": "With the approvers"}]}`)
	w := m.WhatIf(batch)
	if !w.Accepted {
		t.Fatalf("refused: %+v", w.Error)
	}
	if len(w.Access) != 0 {
		t.Errorf("a review changes no access, the diff has %d rows", len(w.Access))
	}
	resolved := false
	for _, f := range w.Lint.Resolved {
		resolved = resolved || (f.Code == "security_review_overdue" && f.Target == "agency:ag-alb")
	}
	if !resolved {
		t.Errorf("the what-if does not resolve the overdue review: %+v", w.Lint)
	}
	applied, err := m.Apply(batch, time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	reviews := gjson.GetBytes(applied.Model.Snapshot(), "agencies.0.security_reviews")
	if n := len(reviews.Array()); n != 2 {
		t.Fatalf("%d reviews, want the old one and the new one: %s", n, reviews.Raw)
	}
	last := reviews.Array()[1]
	if last.Raw != `{"date":"2026-11-22","by":"p-1003","version":0,"note":"With the approvers"}` {
		t.Errorf("the review recorded is %s", last.Raw)
	}
	if !strings.Contains(reviews.Array()[0].Raw, "Conversion unit emptied") {
		t.Errorf("the earlier review changed: %s", reviews.Array()[0].Raw)
	}
	// the next review of the same day comes after it; one before it is refused by the loader
	bad := strings.Replace(string(data), `"date": "2024-06-03"`, `"date": "2027-01-01"`, 1)
	if _, err := evaluator.Load([]byte(bad)); err != nil {
		t.Fatalf("a review dated later than as_of is a record, not an error: %v", err)
	}
	m2, _ := evaluator.Load([]byte(bad))
	if w := m2.WhatIf(batch); w.Accepted || w.Error.Code != "invalid_value" {
		t.Errorf("a review recorded before the latest one must be invalid_value, got %+v", w.Error)
	}
}
