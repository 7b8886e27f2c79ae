package evaluator_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tidwall/gjson"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// fullMatrix decides every (person, page) from scratch through Check (SPEC §6).
func fullMatrix(t *testing.T, m *evaluator.Model) map[[2]string]evaluator.Cell {
	t.Helper()
	doc := gjson.ParseBytes(m.Snapshot())
	var people, pages []string
	doc.Get("people.#.id").ForEach(func(_, v gjson.Result) bool { people = append(people, v.Str); return true })
	doc.Get("agencies.#.pages.#.id").ForEach(func(_, a gjson.Result) bool {
		a.ForEach(func(_, v gjson.Result) bool { pages = append(pages, v.Str); return true })
		return true
	})
	out := map[[2]string]evaluator.Cell{}
	for _, p := range people {
		for _, x := range pages {
			d, err := m.Check(evaluator.Request{Subject: p, Action: "read", Resource: "page:" + x})
			if err != nil {
				t.Fatalf("check %s on %s: %v", p, x, err)
			}
			c := evaluator.Cell{Level: d.Level, Create: d.Create}
			if c.Create == nil {
				c.Create = []string{}
			}
			if c.Level != evaluator.LevelNone || len(c.Create) > 0 {
				out[[2]string{p, "page:" + x}] = c
			}
		}
	}
	return out
}

func matrixDiff(before, after map[[2]string]evaluator.Cell) []evaluator.AccessChange {
	none := evaluator.Cell{Level: evaluator.LevelNone, Create: []string{}}
	keys := map[[2]string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var out []evaluator.AccessChange
	for k := range keys {
		b, ok := before[k]
		if !ok {
			b = none
		}
		a, ok := after[k]
		if !ok {
			a = none
		}
		if !cmp.Equal(a, b) {
			out = append(out, evaluator.AccessChange{Subject: k[0], Resource: k[1], Before: b, After: a})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Resource < out[j].Resource
	})
	if out == nil {
		out = []evaluator.AccessChange{}
	}
	return out
}

// randomBatch makes a batch of 1–3 edits from the snapshot's own ids: mostly valid ones,
// some that must be refused.
func randomBatch(r *rand.Rand, doc gjson.Result) []byte {
	agencies := doc.Get("agencies").Array()
	a := agencies[r.IntN(len(agencies))]
	ag := a.Get("id").Str
	pick := func(path string) string {
		list := a.Get(path).Array()
		if len(list) == 0 {
			return "nobody"
		}
		return list[r.IntN(len(list))].Str
	}
	staff := func() string { return pick("staff.#.person") }
	unit := func() string { return pick("units.#.id") }
	page := func() string { return pick("pages.#.id") }
	var securable []string
	a.Get("pages").ForEach(func(_, p gjson.Result) bool {
		switch p.Get("kind").Str {
		case "organization", "department", "project", "individual":
			securable = append(securable, p.Get("id").Str)
		}
		return true
	})
	principals := []string{"everyone", "dept_member", "dept_leader", "reports_to", "reports_to_above", "metric_owner",
		"given_individual", "project_member", "org_editor", "user:" + staff(), "unit:" + unit(), "group:" + pick("groups.#.id"),
		"function:" + doc.Get("business_functions.#.code").Array()[r.IntN(int(doc.Get("business_functions.#").Int()))].Str}
	roles := []string{"reader", "editor", "full", "denied", "not_set"}
	entries := func() []map[string]any {
		var out []map[string]any
		for i := r.IntN(4); i >= 0; i-- {
			e := map[string]any{"principal": principals[r.IntN(len(principals))], "role": roles[r.IntN(len(roles))]}
			if r.IntN(3) == 0 {
				e["create"] = []string{"item"}
			}
			out = append(out, e)
		}
		return out
	}
	functions := func() []string {
		all := doc.Get("business_functions.#.code").Array()
		return []string{all[r.IntN(len(all))].Str}
	}
	var edits []map[string]any
	for n := 1 + r.IntN(3); n > 0; n-- {
		var e map[string]any
		switch r.IntN(13) {
		case 0:
			e = map[string]any{"op": "move_staff", "agency": ag, "person": staff(), "unit": unit()}
		case 1:
			e = map[string]any{"op": "assign_functions", "agency": ag, "person": staff(), "functions": functions()}
		case 2:
			e = map[string]any{"op": "remove_functions", "agency": ag, "person": staff(), "functions": functions()}
		case 3:
			e = map[string]any{"op": "end_date_staff", "agency": ag, "person": staff()}
		case 4:
			e = map[string]any{"op": "set_security", "page": securable[r.IntN(len(securable))], "entries": entries()}
		case 5:
			e = map[string]any{"op": "add_out_assignment", "agency": ag, "person": staff(), "unit": unit(), "end": "2027-06-01"}
		case 6:
			e = map[string]any{"op": "set_reports_to", "agency": ag, "person": staff(), "managers": []string{staff()}}
		case 7:
			e = map[string]any{"op": "set_group_members", "agency": ag, "group": pick("groups.#.id"), "members": []string{staff(), staff()}}
		case 8:
			e = map[string]any{"op": "add_staff", "agency": ag, "person": "p-new" + strconv.Itoa(r.IntN(1000)), "name": "New", "nt_account": "new"}
		case 9:
			e = map[string]any{"op": "propagate_defaults", "page": page(), "kind": []string{"department", "individual", "project", "org_dialog", "dept_dialog", "individual_dialog"}[r.IntN(6)]}
		case 10:
			e = map[string]any{"op": "consolidate_units", "agency": ag, "from": []string{unit()}, "into": unit()}
		case 11:
			e = map[string]any{"op": "create_page", "page": map[string]any{"id": "pg-new" + strconv.Itoa(r.IntN(1000)), "kind": "item", "parent": page(), "title": "New"}}
		default:
			e = map[string]any{"op": "delete_page", "page": page()}
		}
		edits = append(edits, e)
	}
	actor := doc.Get("administrators.0").Str
	if r.IntN(2) == 0 {
		actor = a.Get("coordinators.0.person").Str
	}
	b, _ := json.Marshal(map[string]any{"actor": actor, "edits": edits})
	return b
}

var testTime = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// TestWhatIfExact: the what-if diff equals the difference of the two full access matrices,
// computed from scratch, for random batches on generated snapshots (SPEC §6). Refused
// batches change nothing.
func TestWhatIfExact(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	batches := 12
	if n, _ := strconv.Atoi(os.Getenv("CONNSEC_WHATIF_BATCHES")); n > 0 {
		batches = n
	}
	accepted, refused := 0, 0
	for _, seed := range seeds {
		data, err := gen.Generate(gen.Options{Agencies: 2, Staff: 40, Pages: 160, Seed: int64(seed)})
		if err != nil {
			t.Fatal(err)
		}
		m, err := evaluator.Load(data)
		if err != nil {
			t.Fatal(err)
		}
		doc := gjson.ParseBytes(data)
		before := fullMatrix(t, m)
		r := rand.New(rand.NewPCG(seed, 99))
		for i := 0; i < batches; i++ {
			b := randomBatch(r, doc)
			w := m.WhatIf(b)
			if !w.Accepted {
				refused++
				if len(w.Access) != 0 || w.Error == nil {
					t.Errorf("seed %d: a refused batch has a diff or no error: %+v", seed, w)
				}
				continue
			}
			accepted++
			applied, err := m.Apply(b, testTime)
			if err != nil {
				t.Fatalf("seed %d: what-if accepted %s, apply refused: %v", seed, b, err)
			}
			want := matrixDiff(before, fullMatrix(t, applied.Model))
			if d := cmp.Diff(want, w.Access); d != "" {
				t.Errorf("seed %d batch %s: what-if diff differs from the matrices (-matrices +what-if):\n%s", seed, b, d)
			}
		}
	}
	if accepted == 0 || refused == 0 {
		t.Errorf("the random batches should include accepted and refused ones: %d accepted, %d refused", accepted, refused)
	}
	t.Logf("%d batches accepted, %d refused", accepted, refused)
}

// ApplyWithDiff is Apply and WhatIf in one pass: the same outcome, diff and document.
func TestApplyWithDiffIsApplyAndWhatIf(t *testing.T) {
	data, err := gen.Generate(gen.Options{Agencies: 2, Staff: 40, Pages: 160, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	m, err := evaluator.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	doc := gjson.ParseBytes(data)
	r := rand.New(rand.NewPCG(5, 99))
	accepted := 0
	for i := 0; i < 30; i++ {
		b := randomBatch(r, doc)
		applied, w := m.ApplyWithDiff(b, testTime)
		if d := cmp.Diff(m.WhatIf(b), w); d != "" {
			t.Fatalf("batch %s: its what-if differs (-WhatIf +ApplyWithDiff):\n%s", b, d)
		}
		want, err := m.Apply(b, testTime)
		if (err == nil) != (applied != nil) {
			t.Fatalf("batch %s: Apply says %v, ApplyWithDiff applied: %v", b, err, applied != nil)
		}
		if applied == nil {
			continue
		}
		accepted++
		if d := cmp.Diff(want.Audit, applied.Audit); d != "" {
			t.Errorf("batch %s: audit (-Apply +ApplyWithDiff):\n%s", b, d)
		}
		if d := cmp.Diff(want.Notifications, applied.Notifications); d != "" {
			t.Errorf("batch %s: notifications (-Apply +ApplyWithDiff):\n%s", b, d)
		}
		if !bytes.Equal(want.Model.Snapshot(), applied.Model.Snapshot()) {
			t.Errorf("batch %s: the documents differ", b)
		}
	}
	if accepted == 0 {
		t.Fatal("no batch was accepted")
	}
}
