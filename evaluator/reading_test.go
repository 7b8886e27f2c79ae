package evaluator_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// A model loaded for reading keeps nothing of the document: after the caller overwrites every
// byte of it, each answer is still the one a loaded model gives.
func TestLoadForReadingKeepsNoDocument(t *testing.T) {
	example, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	generated, err := gen.Generate(gen.Options{Agencies: 3, Staff: 90, Pages: 600, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"example": example, "generated": generated} {
		t.Run(name, func(t *testing.T) {
			loaded, err := evaluator.Load(data)
			if err != nil {
				t.Fatal(err)
			}
			scratch := append([]byte(nil), data...)
			reader, err := evaluator.LoadForReading(scratch)
			if err != nil {
				t.Fatal(err)
			}
			for i := range scratch {
				scratch[i] = 'x'
			}
			want, got := answers(t, loaded), answers(t, reader)
			if len(want) < 10 {
				t.Fatalf("only %d answers compared", len(want))
			}
			for q, w := range want {
				if diff := cmp.Diff(w, got[q]); diff != "" {
					t.Errorf("%s (-loaded +read only):\n%s", q, diff)
				}
			}
		})
	}
}

// answers asks the model every question a reader answers, each as its JSON.
func answers(t *testing.T, m *evaluator.Model) map[string]string {
	t.Helper()
	out := map[string]string{}
	ask := func(q string, v any, err error) {
		if err != nil {
			out[q] = "error: " + err.Error()
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[q] = string(b)
	}
	ask("lint", m.Lint(), nil)
	ask("version", []any{m.Version(), m.AsOf(), m.Capabilities()}, nil)
	for _, sort := range []string{"person", "page", "unit", "agency"} {
		ask("ids "+sort, m.IDs(sort), nil)
	}
	for _, page := range m.IDs("page") {
		for _, action := range []string{"read", "manage_security"} {
			who, err := m.Who(action, "page:"+page, "")
			ask("who "+action+" "+page, who, err)
		}
		d, err := m.Check(evaluator.Request{Subject: m.IDs("person")[len(page)%len(m.IDs("person"))], Action: "create:item", Resource: "page:" + page})
		ask("check "+page, d, err)
		sec, err := m.Section(page)
		ask("section "+page, sec, err)
	}
	for _, person := range m.IDs("person") {
		what, err := m.What(person, "edit", "")
		ask("what "+person, what, err)
		profile, err := m.Profile(person, "")
		ask("profile "+person, profile, err)
		standing, err := m.Standing(person)
		ask("standing "+person, standing, err)
	}
	for _, agency := range m.IDs("agency") {
		report, err := m.Report(agency, "")
		ask("report "+agency, report, err)
	}
	return out
}

// Edits, what-if, suggestions and the document itself need the document: a model loaded for
// reading refuses them, and says so.
func TestLoadForReadingRefusesEdits(t *testing.T) {
	_, data := loadExample(t)
	m, err := evaluator.LoadForReading(data)
	if err != nil {
		t.Fatal(err)
	}
	batch := []byte(`{"actor":"p-1001","edits":[{"op":"rename_unit","unit":"u-alb-cps1","name":"Intake"}]}`)
	var ee *evaluator.EditError
	if _, err := m.Apply(batch, time.Now()); !errors.As(err, &ee) || ee.Code != evaluator.CodeReadOnly {
		t.Errorf("Apply: %v, want %s", err, evaluator.CodeReadOnly)
	}
	if w := m.WhatIf(batch); w.Accepted || w.Error == nil || w.Error.Code != evaluator.CodeReadOnly {
		t.Errorf("WhatIf: %+v, want %s", w.Error, evaluator.CodeReadOnly)
	}
	if _, err := m.AgencyView("ag-alb"); !errors.As(err, &ee) || ee.Code != evaluator.CodeReadOnly {
		t.Errorf("AgencyView: %v, want %s", err, evaluator.CodeReadOnly)
	}
	if _, err := m.Suggest(evaluator.Request{Subject: "user:p-1012", Action: "read", Resource: "page:pg-alb-org"}); !errors.As(err, &ee) || ee.Code != evaluator.CodeReadOnly {
		t.Errorf("Suggest: %v, want %s", err, evaluator.CodeReadOnly)
	}
	if s := m.Snapshot(); s != nil {
		t.Errorf("Snapshot gave %d bytes, want none", len(s))
	}
}
