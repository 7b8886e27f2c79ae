package evaluator_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
	"github.com/tidwall/gjson"
)

// editBatches are one batch per op family of issue 3, made from the generated snapshot's ids
// and acted by its administrator.
func editBatches(data []byte) map[string]string {
	doc := gjson.ParseBytes(data)
	admin := doc.Get("administrators.0").Str
	a := doc.Get("agencies.0")
	ag := a.Get("id").Str
	asOf := doc.Get("as_of").Str
	var person, unit, other string
	a.Get("staff").ForEach(func(_, r gjson.Result) bool {
		if r.Get("end").Type == gjson.Null && r.Get("start").Str <= asOf && len(r.Get("out_assignments").Array()) == 0 {
			person, unit = r.Get("person").Str, r.Get("unit").Str
			return false
		}
		return true
	})
	a.Get("units").ForEach(func(_, u gjson.Result) bool {
		if id := u.Get("id").Str; id != unit && !u.Get("temporary").Bool() {
			other = id
			return false
		}
		return true
	})
	org := a.Get(`pages.#(kind=="organization").id`).Str
	dept := a.Get(`pages.#(kind=="department").id`).Str
	fn := doc.Get("business_functions.0.code").Str
	batch := func(edit string, args ...any) string {
		return fmt.Sprintf(`{"actor": %q, "edits": [`+edit+`]}`, append([]any{admin}, args...)...)
	}
	return map[string]string{
		"assign_functions":     batch(`{"op": "assign_functions", "agency": %q, "person": %q, "functions": [%q]}`, ag, person, fn),
		"move_staff":           batch(`{"op": "move_staff", "agency": %q, "person": %q, "unit": %q}`, ag, person, other),
		"set_security":         batch(`{"op": "set_security", "page": %q, "entries": [{"principal": "everyone", "role": "reader"}, {"principal": "dept_member", "role": "editor"}]}`, dept),
		"set_default_security": batch(`{"op": "set_default_security", "page": %q, "kind": "department", "entries": [{"principal": "everyone", "role": "reader"}, {"principal": "dept_leader", "role": "full"}]}`, org),
		"propagate_defaults":   batch(`{"op": "propagate_defaults", "page": %q, "kind": "department"}`, org),
		"add_staff":            batch(`{"op": "add_staff", "agency": %q, "person": "p-bench-new", "name": "Nia Worker", "nt_account": "nbenchworker"}`, ag),
		"create_page":          batch(`{"op": "create_page", "page": {"id": "pg-bench-new", "kind": "item", "parent": %q, "title": "New"}}`, dept),
		"consolidate_units":    batch(`{"op": "consolidate_units", "agency": %q, "from": [%q], "into": %q}`, ag, other, unit),
	}
}

var editFamilies = []string{"assign_functions", "move_staff", "set_security", "set_default_security", "propagate_defaults", "add_staff", "create_page", "consolidate_units"}

// BenchmarkApply and BenchmarkWhatIf: one batch per op family on the generated
// 5,000-staff / 50,000-page snapshot (issue 3: apply ≤ 20 ms, what-if ≤ 50 ms).
func BenchmarkApply(b *testing.B) {
	s := benchSnaps(b)[1]
	batches := editBatches(s.data)
	for _, name := range editFamilies {
		b.Run(name, func(b *testing.B) {
			if _, err := s.model.Apply([]byte(batches[name]), testTime); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				s.model.Apply([]byte(batches[name]), testTime)
			}
		})
	}
}

func BenchmarkWhatIf(b *testing.B) {
	s := benchSnaps(b)[1]
	batches := editBatches(s.data)
	for _, name := range editFamilies {
		b.Run(name, func(b *testing.B) {
			if w := s.model.WhatIf([]byte(batches[name])); !w.Accepted {
				b.Fatal(w.Error)
			}
			for b.Loop() {
				s.model.WhatIf([]byte(batches[name]))
			}
		})
	}
}

// BenchmarkWhatIfLargestEdits: the edits that change what is there (a known change), at the
// largest agency, where one agency's pages are 60,000 and a coordinator's what-if of moving one
// worker reads them. Its organization has no default section for departments, so the
// propagation sets one first, in the same batch.
func BenchmarkWhatIfLargestEdits(b *testing.B) {
	s := largestSnap(b)
	batches := editBatches(s.data)
	set, propagate := gjson.Get(batches["set_default_security"], "edits.0").Raw, gjson.Get(batches["propagate_defaults"], "edits.0").Raw
	batches["set_and_propagate"] = fmt.Sprintf(`{"actor": %q, "edits": [%s, %s]}`, gjson.Get(batches["propagate_defaults"], "actor").Str, set, propagate)
	for _, name := range []string{"assign_functions", "move_staff", "set_security", "set_default_security", "set_and_propagate"} {
		b.Run(name, func(b *testing.B) {
			if w := s.model.WhatIf([]byte(batches[name])); !w.Accepted {
				b.Fatal(w.Error)
			}
			for b.Loop() {
				s.model.WhatIf([]byte(batches[name]))
			}
		})
	}
}

// BenchmarkWhatIfFirst: the first what-if on a freshly loaded model (its findings never
// found), the load itself not counted.
func BenchmarkWhatIfFirst(b *testing.B) {
	s := benchSnaps(b)[1]
	batch := []byte(editBatches(s.data)["move_staff"])
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		m, err := evaluator.Load(s.data)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if w := m.WhatIf(batch); !w.Accepted {
			b.Fatal(w.Error)
		}
	}
}

// largest is the snapshot of the largest agency (connsec gen --profile largest: 6,000 staff
// records, 60,000 pages), loaded once per process.
var (
	largestOnce sync.Once
	largest     *benchSnap
	largestErr  error
)

func largestSnap(b *testing.B) *benchSnap {
	b.Helper()
	largestOnce.Do(func() {
		o, err := gen.Profile("largest")
		if err != nil {
			largestErr = err
			return
		}
		o.Seed = 1
		data, err := gen.Generate(o)
		if err != nil {
			largestErr = err
			return
		}
		largest, largestErr = loadBenchSnap("largest", data)
	})
	if largestErr != nil {
		b.Fatal(largestErr)
	}
	return largest
}

// structuralBatch is a batch that adds, removes or moves elements, and the batch (if any) that
// makes the model it is applied to: delete_unit deletes a unit created first.
type structuralBatch struct{ setup, batch string }

// structuralBatches are one batch per op of issue 11 (part 4) that adds, removes or moves
// elements, made from the snapshot's ids and acted by its administrator.
func structuralBatches(data []byte) map[string]structuralBatch {
	doc := gjson.ParseBytes(data)
	admin := doc.Get("administrators.0").Str
	a := doc.Get("agencies.0")
	ag := a.Get("id").Str
	parents := map[string]bool{}
	a.Get("pages.#.parent").ForEach(func(_, p gjson.Result) bool {
		parents[p.Str] = true
		return true
	})
	var leaf string // a page of the middle of the list with nothing under it
	pages := a.Get("pages").Array()
	for _, p := range pages[len(pages)/2:] {
		if id := p.Get("id").Str; !parents[id] && p.Get("kind").Str == "item" {
			leaf = id
			break
		}
	}
	var from, into string // two department units of about the middle of the list
	units := a.Get("units").Array()
	for _, u := range units[len(units)/2:] {
		if u.Get("temporary").Bool() {
			continue
		}
		if from == "" {
			from = u.Get("id").Str
		} else if into == "" {
			into = u.Get("id").Str
		}
	}
	dept := a.Get(`pages.#(kind=="department").id`).Str
	batch := func(edit string, args ...any) string {
		return fmt.Sprintf(`{"actor": %q, "edits": [`+edit+`]}`, append([]any{admin}, args...)...)
	}
	createUnit := batch(`{"op": "create_unit", "agency": %q, "unit": {"id": "u-bench-new", "name": "Bench Unit"}}`, ag)
	return map[string]structuralBatch{
		"add_staff":         {batch: batch(`{"op": "add_staff", "agency": %q, "person": "p-bench-new", "name": "Nia Worker", "nt_account": "nbenchworker"}`, ag)},
		"create_page":       {batch: batch(`{"op": "create_page", "page": {"id": "pg-bench-new", "kind": "item", "parent": %q, "title": "New"}}`, dept)},
		"delete_page":       {batch: batch(`{"op": "delete_page", "page": %q}`, leaf)},
		"create_unit":       {batch: createUnit},
		"delete_unit":       {setup: createUnit, batch: batch(`{"op": "delete_unit", "agency": %q, "unit": "u-bench-new"}`, ag)},
		"consolidate_units": {batch: batch(`{"op": "consolidate_units", "agency": %q, "from": [%q], "into": %q}`, ag, from, into)},
	}
}

var structuralOps = []string{"add_staff", "create_page", "delete_page", "create_unit", "delete_unit", "consolidate_units"}

// structuralModel is the model a structural batch applies to.
func structuralModel(b *testing.B, s *benchSnap, sb structuralBatch) *evaluator.Model {
	b.Helper()
	if sb.setup == "" {
		return s.model
	}
	applied, err := s.model.Apply([]byte(sb.setup), testTime)
	if err != nil {
		b.Fatal(err)
	}
	return applied.Model
}

// BenchmarkApplyLargest and BenchmarkWhatIfLargest: the ops that add, remove or move elements
// at the largest agency (issue 11: apply ≤ 20 ms and what-if ≤ 50 ms; a consolidation ≤ 100 ms
// apply).
func BenchmarkApplyLargest(b *testing.B) {
	benchStructural(b, func(m *evaluator.Model, batch []byte) error {
		_, err := m.Apply(batch, testTime)
		return err
	})
}

func BenchmarkWhatIfLargest(b *testing.B) {
	benchStructural(b, func(m *evaluator.Model, batch []byte) error {
		if w := m.WhatIf(batch); !w.Accepted {
			return w.Error
		}
		return nil
	})
}

// benchStructural times run on each structural op's batch at the largest agency, after a
// first run that must succeed.
func benchStructural(b *testing.B, run func(m *evaluator.Model, batch []byte) error) {
	s := largestSnap(b)
	batches := structuralBatches(s.data)
	for _, name := range structuralOps {
		b.Run(name, func(b *testing.B) {
			m := structuralModel(b, s, batches[name])
			batch := []byte(batches[name].batch)
			if err := run(m, batch); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				run(m, batch)
			}
		})
	}
}

// BenchmarkLoadLargest: loading the largest agency's snapshot (issue 11: ≤ 0.5 s).
func BenchmarkLoadLargest(b *testing.B) {
	s := largestSnap(b)
	b.SetBytes(int64(len(s.data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := evaluator.Load(s.data); err != nil {
			b.Fatal(err)
		}
	}
}
