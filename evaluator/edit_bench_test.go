package evaluator_test

import (
	"fmt"
	"testing"

	"github.com/connsec/connsec/evaluator"
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
