package evaluator_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

var knownProblemCodes = map[string]bool{
	evaluator.CodeInvalidSnapshot: true, evaluator.CodeDuplicateID: true, evaluator.CodeUnknownReference: true,
	evaluator.CodeInvalidParent: true, evaluator.CodeCycle: true, evaluator.CodeInvalidValue: true,
}

// FuzzLoad: whatever the bytes, Load does not panic and answers exactly one of a model (and
// no error) or a *SnapshotError listing at least one problem, each with a known code and a
// message, none twice (SPEC §2). A model it returns answers every query without panicking.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(baseSnapshot))
	example, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	// The same document without its layout (a third fewer bytes), so the fuzzer mutates and
	// minimizes what matters.
	var compact bytes.Buffer
	if err := json.Compact(&compact, example); err != nil {
		f.Fatal(err)
	}
	f.Add(compact.Bytes())
	for _, o := range []gen.Options{
		{Agencies: 1, Staff: 5, Pages: 2, Seed: 1},
		{Agencies: 1, Staff: 8, Pages: 12, Seed: 2},
		{Agencies: 2, Staff: 12, Pages: 20, Seed: 3},
	} {
		data, err := gen.Generate(o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// an agency shard, with records held in other agencies (records_elsewhere)
	if whole, err := evaluator.Load(example); err == nil {
		if shard, err := whole.AgencyShard("ag-alb"); err == nil {
			f.Add(shard)
		}
	}
	if data, err := gen.Generate(gen.Options{Agencies: 2, Staff: 20, Pages: 30, Seed: 4}); err == nil {
		if whole, err := evaluator.Load(data); err == nil {
			if shard, err := whole.AgencyShard(gjson.GetBytes(data, "agencies.0.id").Str); err == nil {
				f.Add(shard)
			}
		}
	}
	for _, c := range loadBadCases() {
		data, err := c.document()
		if err != nil {
			f.Fatalf("%s: %v", c.name, err)
		}
		f.Add(data)
	}
	for _, c := range loadEveryPhaseCases() { // documents read with problems, checked all the same
		data, err := loadBadCase{edits: c.edits}.document()
		if err != nil {
			f.Fatalf("%s: %v", c.name, err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := evaluator.Load(data)
		if m != nil {
			if err != nil {
				t.Fatalf("Load returned both a model and an error: %v", err)
			}
			exerciseModel(t, m, data)
			return
		}
		if err == nil {
			t.Fatal("Load returned neither a model nor an error")
		}
		se, ok := err.(*evaluator.SnapshotError)
		if !ok || se == nil {
			t.Fatalf("Load refused with %T, not a *SnapshotError: %v", err, err)
		}
		if len(se.Problems) == 0 {
			t.Fatal("a SnapshotError without problems")
		}
		seen := make(map[evaluator.Problem]bool, len(se.Problems))
		for i, p := range se.Problems {
			if seen[p] {
				t.Errorf("problem %d is listed twice: %s", i, p)
			}
			seen[p] = true
			if !knownProblemCodes[p.Code] {
				t.Errorf("problem %d has the unknown code %q (%s)", i, p.Code, p)
			}
			if p.Message == "" {
				t.Errorf("problem %d (%s at %q) has no message", i, p.Code, p.Path)
			}
		}
		_ = se.Error()
	})
}

// exerciseModel asks a loaded model every sort of question about the first page, person, agency
// and unit of its document; errors are fine, panics are not.
func exerciseModel(t *testing.T, m *evaluator.Model, data []byte) {
	t.Helper()
	doc := gjson.ParseBytes(data)
	page := "page:" + doc.Get("agencies.0.pages.0.id").String()
	person := doc.Get("people.0.id").String()
	agency := doc.Get("agencies.0.id").String()
	unit := "unit:" + doc.Get("agencies.0.units.0.id").String()

	_ = m.Lint()
	for _, day := range []string{"", "2027-01-01", "not-a-day"} {
		for _, action := range []string{"read", "edit", "manage_security", "create:item", "create:project"} {
			_, _ = m.Who(action, page, day)
			_, _ = m.What(person, action, day)
			r := evaluator.Request{Subject: person, Action: action, Resource: page, AsOf: day}
			_, _ = m.Check(r)
			_, _ = m.Allowed(r)
		}
		for _, target := range []string{"agency:" + agency, unit, "person:" + person} {
			_, _ = m.Who("case.view", target, day)
			_, _ = m.Check(evaluator.Request{Subject: person, Action: "security.maintain", Resource: target, AsOf: day})
		}
		_, _ = m.Profile(person, day)
		if rep, err := m.Report(agency, day); err == nil && rep != nil {
			_ = rep.CSV()
		}
	}
	_, _ = m.Check(evaluator.Request{Subject: person, Action: "read", Resource: "page:no-such-page"})
	_, _ = m.Check(evaluator.Request{Subject: "no-such-person", Action: "read", Resource: page})
}
