package evaluator

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/connsec/connsec/tools/gen"
)

// whatIndexModels are the example snapshot and generated ones, on which deciding from the
// whatIndex is compared with deciding entry by entry.
func whatIndexModels(t *testing.T) map[string]*Model {
	t.Helper()
	out := map[string]*Model{}
	data, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	if out["example"], err = Load(data); err != nil {
		t.Fatal(err)
	}
	for seed := int64(1); seed <= 3; seed++ {
		data, err := gen.Generate(gen.Options{Agencies: 3, Staff: 90, Pages: 500, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Load(data)
		if err != nil {
			t.Fatal(err)
		}
		out["gen"+string(rune('0'+seed))] = m
	}
	return out
}

// TestWhatIndexDecidesAsEntries: for every person, page and page action, on the snapshot's
// day and a later one, the outcome decided from the slots of the whatIndex is the one
// decided entry by entry without a memo.
func TestWhatIndexDecidesAsEntries(t *testing.T) {
	for name, m := range whatIndexModels(t) {
		idx := m.whatIndex()
		if idx == nil {
			t.Fatalf("%s: no whatIndex", name)
		}
		actions := []string{"read", "edit", "manage_security"}
		for k := kind(1); k < kindCount; k++ {
			actions = append(actions, "create:"+k.String())
		}
		for _, day := range []Date{m.snap.AsOf, halfYearOn(t, m.snap.AsOf)} {
			for p := range m.people {
				memo := newPersonMemo(m, int32(p), day)
				memo.slots = newSlotAnswers(idx, int32(p))
				for _, action := range actions {
					q, err := m.resolve(Request{Subject: m.people[p].src.ID, Action: action, Resource: "page:" + m.pages[0].src.ID, AsOf: day.String()})
					if err != nil && q.action != actCreate {
						t.Fatal(err)
					}
					for x := range m.pages {
						q.ref, q.memo = int32(x), nil
						want := m.decide(q, nil)
						q.memo = memo
						if got := m.decide(q, nil); got != want {
							t.Fatalf("%s: %s %s page %s on %s: indexed %+v, entry by entry %+v",
								name, m.people[p].src.ID, action, m.pages[x].src.ID, day, got, want)
						}
					}
				}
			}
		}
	}
}

// TestWhatIsCheckedPageByPage: What, which decides from the whatIndex, answers the rows that
// deciding each page without a memo and wording it gives.
func TestWhatIsCheckedPageByPage(t *testing.T) {
	for name, m := range whatIndexModels(t) {
		for _, action := range []string{"read", "edit", "manage_security", "create:dialog"} {
			for p := range m.people {
				person := m.people[p].src.ID
				got, err := m.What(person, action, "")
				if err != nil {
					if _, ok := err.(*RequestError); ok && action == "create:dialog" {
						continue
					}
					t.Fatal(err)
				}
				q, qerr := m.resolve(Request{Subject: person, Action: action, Resource: "page:" + m.pages[0].src.ID})
				if qerr != nil && q.action != actCreate {
					t.Fatal(qerr)
				}
				want := []Access{}
				w := newRowWords(m)
				for x := range m.pages {
					q.ref = int32(x)
					if q.action == actCreate && (q.create == kindInvalid || !kindRules[m.pages[x].kind].children.has(q.create)) {
						continue
					}
					if o := m.decide(q, nil); o.allowed {
						want = append(want, w.row(q, o, nil))
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: what(%s, %s) differs from deciding page by page: %d rows, want %d", name, person, action, len(got), len(want))
				}
			}
		}
	}
}

// halfYearOn is the 15th of the month six months after d's.
func halfYearOn(t *testing.T, d Date) Date {
	var y, mo, day int
	if _, err := fmt.Sscanf(d.String(), "%d-%d-%d", &y, &mo, &day); err != nil {
		t.Fatal(err)
	}
	if mo += 6; mo > 12 {
		y, mo = y+1, mo-12
	}
	later, ok := parseDate(fmt.Sprintf("%04d-%02d-15", y, mo))
	if !ok {
		t.Fatalf("no day six months after %s", d)
	}
	return later
}

// TestWhatFunctionEntriesReadTheRecordOfThePagesAgency: a person with active records in two
// agencies holds a business function on each. A function: entry on a page matches them only
// through their record in the page's agency (SPEC §4.2): on St. Anne's organization page the
// function they hold there gives full access and the one they hold only in Albany gives
// nothing, and on Albany's the function they hold only at St. Anne's gives nothing. What
// answers each page as Check does.
func TestWhatFunctionEntriesReadTheRecordOfThePagesAgency(t *testing.T) {
	base, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		t.Fatal(err)
	}
	agency := func(id string) map[string]any {
		for _, a := range doc["agencies"].([]any) {
			if a := a.(map[string]any); a["id"] == id {
				return a
			}
		}
		t.Fatalf("no agency %s", id)
		return nil
	}
	page := func(a map[string]any, id string) map[string]any {
		for _, p := range a["pages"].([]any) {
			if p := p.(map[string]any); p["id"] == id {
				return p
			}
		}
		t.Fatalf("no page %s", id)
		return nil
	}
	entry := func(principal, role string) map[string]any {
		return map[string]any{"principal": principal, "role": role}
	}
	// Kevin Walsh (p-1005) holds MAINTAIN_SECURITY in Albany; he is given a second record at
	// St. Anne's holding CASE_SEARCH only
	alb, sta := agency("ag-alb"), agency("ag-sta")
	sta["staff"] = append(sta["staff"].([]any), map[string]any{"person": "p-1005", "unit": "u-sta-fc",
		"start": "2026-01-01", "functions": []any{"CASE_SEARCH"}, "reports_to": []any{}})
	staOrg, albOrg := page(sta, "pg-sta-org"), page(alb, "pg-alb-org")
	staOrg["security"] = append(staOrg["security"].([]any), entry("function:MAINTAIN_SECURITY", "editor"), entry("function:CASE_SEARCH", "full"))
	albOrg["security"] = append(albOrg["security"].([]any), entry("function:CASE_SEARCH", "editor"))
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.whatIndex() == nil {
		t.Fatal("the snapshot is not decided from the whatIndex")
	}
	rows := map[string]Access{}
	got, err := m.What("p-1005", "edit", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		rows[r.Page] = r
	}
	r, ok := rows["pg-sta-org"]
	if !ok || r.Level != LevelFull || !strings.HasPrefix(r.Reason, "the entry function:CASE_SEARCH (full)") {
		t.Errorf("pg-sta-org: %+v (present %v), want full from function:CASE_SEARCH", r, ok)
	}
	if strings.Contains(r.Reason, "MAINTAIN_SECURITY") {
		t.Errorf("pg-sta-org: the function held only in Albany applies: %q", r.Reason)
	}
	if r, ok := rows["pg-alb-org"]; ok {
		t.Errorf("pg-alb-org: the function held only at St. Anne's gives edit: %+v", r)
	}
	// every page, every page action: What lists exactly the pages Check allows
	for _, action := range []string{"read", "edit", "manage_security"} {
		got, err := m.What("p-1005", action, "")
		if err != nil {
			t.Fatal(err)
		}
		listed := map[string]bool{}
		for _, r := range got {
			listed[r.Page] = true
		}
		for x := range m.pages {
			id := m.pages[x].src.ID
			d, err := m.Check(Request{Subject: "p-1005", Action: action, Resource: "page:" + id})
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != listed[id] {
				t.Errorf("%s on %s: check allows %v, what lists %v", action, id, d.Allowed, listed[id])
			}
		}
	}
}

// BenchmarkWhatFloor splits what(person) at the largest agency (gen.Profile("largest"),
// seed 1, its first agency's primary coordinator, read) into its two parts, to show where
// the floor of an answer whose every row is materialized lies:
//
//   - decide: every page decided from the whatIndex as What decides it, no row made;
//
//   - materialize: the rows of the answer copied into a new []Access of their number, every
//     string already made (the least any What can do once it knows the rows);
//
//   - what: the whole call.
//
//     go test -run '^$' -bench WhatFloor -benchmem -count 3 ./evaluator/
func BenchmarkWhatFloor(b *testing.B) {
	o, err := gen.Profile("largest")
	if err != nil {
		b.Fatal(err)
	}
	o.Seed = 1
	data, err := gen.Generate(o)
	if err != nil {
		b.Fatal(err)
	}
	m, err := Load(data)
	if err != nil {
		b.Fatal(err)
	}
	person := m.snap.Agencies[0].Coordinators[0].Person
	full, err := m.What(person, "read", "")
	if err != nil {
		b.Fatal(err)
	}
	q, err := m.resolve(Request{Subject: person, Action: "read", Resource: "page:" + m.pages[0].src.ID})
	if err != nil {
		b.Fatal(err)
	}
	idx := m.whatIndex()
	b.Run("decide", func(b *testing.B) {
		b.ReportAllocs()
		allowed := 0
		for b.Loop() {
			q.memo = newPersonMemo(m, q.person, q.day)
			q.memo.slots = newSlotAnswers(idx, q.person)
			allowed = 0
			for x := range m.pages {
				q.ref = int32(x)
				if m.decide(q, nil).allowed {
					allowed++
				}
			}
		}
		if allowed != len(full) {
			b.Fatalf("%d pages allowed, what lists %d", allowed, len(full))
		}
		b.ReportMetric(float64(allowed), "rows")
	})
	b.Run("materialize", func(b *testing.B) {
		b.ReportAllocs()
		var out []Access
		for b.Loop() {
			out = make([]Access, len(full))
			for i := range full {
				r := &full[i]
				out[i] = Access{Person: r.Person, Name: r.Name, Page: r.Page, Title: r.Title, Level: r.Level, Reason: r.Reason}
			}
		}
		b.ReportMetric(float64(len(out)), "rows")
	})
	b.Run("what", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.What(person, "read", ""); err != nil {
				b.Fatal(err)
			}
		}
	})
}
