package evaluator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tidwall/gjson"

	"github.com/connsec/connsec/tools/gen"
)

// TestIncrementalEqualsReload: an edit applied to the model (withSegments) gives exactly the
// model the loader builds from the document the edit leaves: the same answer to the batch
// (accepted, or refused with the same error), the same document byte for byte, the same
// compiled model (every person, record, unit, group and page, the reports-to above every
// record, the packed pages deciding reads), the same spans, the same lint, the same people
// access and lint changes found from what the edits changed as from comparing all, and
// the same lint findings by scope found from those of the model before as found anew. Random batches
// over many ops, on generated snapshots and the example, each batch applied to the model the
// batches before it left.
func TestIncrementalEqualsReload(t *testing.T) {
	batches := 40
	if n, _ := strconv.Atoi(os.Getenv("CONNSEC_WHATIF_BATCHES")); n > 0 {
		batches = 4 * n
	}
	var docs [][]byte
	for seed := int64(1); seed <= 3; seed++ {
		data, err := gen.Generate(gen.Options{Agencies: 2, Staff: 40, Pages: 160, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, data)
	}
	if data, err := os.ReadFile("../fixtures/example/snapshot.json"); err == nil {
		docs = append(docs, data)
	} else {
		t.Fatal(err)
	}
	defer func(n int) { maxPatches = n }(maxPatches)
	maxPatches = 16 // models write their document out often, and keep patches in between
	accepted, refused, firstLints, structural, consolidated := 0, 0, 0, 0, 0
	for di, data := range docs {
		m, err := Load(data)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(di), 7))
		for i := 0; i < batches; i++ {
			raw := randomEditBatch(r, gjson.ParseBytes(m.Snapshot()))
			b, err := parseBatch(raw)
			if err != nil {
				t.Fatal(err)
			}
			// the first what-if after a load lints only the scopes the batch reaches
			fresh, err := Load(m.Snapshot())
			if err != nil {
				t.Fatal(err)
			}
			fch := &changeSet{}
			if next, err := fresh.applyBatch(b, true, fch); err == nil && (fch.known() || fch.byID()) {
				if d := cmp.Diff(lintDiff(fresh.lintAll(), next.lintAll()), fresh.lintDiffAfter(next, fch)); d != "" {
					t.Fatalf("doc %d batch %s: the first lint changes after a load differ (-all +reached scopes):\n%s", di, raw, d)
				}
				firstLints++
			}
			m.lintScopes() // so that an applied model finds its own from these
			ch := &changeSet{}
			inc, errInc := m.applyBatch(b, true, ch)
			rel, errRel := m.applyBatch(b, false, nil)
			if d := cmp.Diff(errRel, errInc); d != "" {
				t.Fatalf("doc %d batch %s: the errors differ (-reload +incremental):\n%s", di, raw, d)
			}
			if errInc != nil {
				refused++
				continue
			}
			accepted++
			if ch.byID() {
				structural++
				if strings.Contains(string(raw), `"consolidate_units"`) {
					consolidated++
				}
			}
			what := fmt.Sprintf("doc %d batch %s", di, raw)
			compareModels(t, what, inc, rel)
			compareChanges(t, what, m, inc, rel, ch)
			// the model the batch was applied to is left as it was: readers may still hold it
			compareModels(t, what+", the model it was applied to", m, m)
			m = inc
		}
	}
	if accepted < batches || refused == 0 {
		t.Errorf("the random batches should include accepted and refused ones: %d accepted, %d refused", accepted, refused)
	}
	if firstLints == 0 {
		t.Error("no first what-if after a load was linted in the scopes it reaches")
	}
	if structural == 0 || consolidated == 0 {
		t.Errorf("%d batches added or removed elements without a reload, %d of them consolidating units: both should be some", structural, consolidated)
	}
	t.Logf("%d batches accepted (%d adding or removing elements without a reload, %d of them consolidating units), %d refused, %d first lint changes after a load", accepted, structural, consolidated, refused, firstLints)
}

// compareAccessDiffs: the access diff from m to inc after change ch, which decides only the
// cells that can differ, equals with its counts the one comparing every changed person on
// every page and every changed page for every person (accessDiff, from m to rel); it returns
// the latter and the counts.
func compareAccessDiffs(t *testing.T, what string, m, inc, rel *Model, people []string, ch *changeSet) ([]AccessChange, diffCounts) {
	t.Helper()
	all := m.accessDiff(rel, people)
	after, counts := m.accessDiffAfter(inc, people, ch, -1)
	if d := cmp.Diff(all, after); d != "" {
		t.Fatalf("%s: access diffs differ (-all +known change):\n%s", what, d)
	}
	if d := cmp.Diff(tallyChanges(all), counts, cmp.AllowUnexported(diffCounts{})); d != "" {
		t.Fatalf("%s: the diff's counts differ (-all +known change):\n%s", what, d)
	}
	return all, counts
}

// compareChanges: the changes the what-if finds from what batch ch changed in m (inc, applied
// in place) equal those found by comparing m with the reloaded rel in full: the people, the
// access rows, their counts and first rows, the lint changes and the findings kept by scope.
func compareChanges(t *testing.T, what string, m, inc, rel *Model, ch *changeSet) {
	t.Helper()
	// the diffs that read only what a known change reaches equal those reading all
	people := m.changedPeople(rel)
	if d := cmp.Diff(people, m.changedPeopleAfter(inc, ch)); d != "" {
		t.Fatalf("%s: changed people differ (-all +known change):\n%s", what, d)
	}
	all, counts := compareAccessDiffs(t, what, m, inc, rel, people, ch)
	// a diff cut to its first rows lists those rows and counts every change
	first, cut := m.accessDiffAfter(inc, people, ch, 2)
	if d := cmp.Diff(firstChanges(all, 2), first, cmpopts.EquateEmpty()); d != "" || cut != counts {
		t.Fatalf("%s: the first 2 rows of the diff differ (-all +cut):\n%s", what, d)
	}
	if d := cmp.Diff(lintDiff(m.lintAll(), rel.lintAll()), m.lintDiffAfter(inc, ch)); d != "" {
		t.Fatalf("%s: lint changes differ (-all +known change):\n%s", what, d)
	}
	if d := cmp.Diff(rel.lintAll(), inc.Lint()); d != "" {
		t.Fatalf("%s: the findings kept by scope differ from Lint (-Lint +kept):\n%s", what, d)
	}
	if d := cmp.Diff(inc.findLintScopes(), inc.lintScopes(), cmp.AllowUnexported(lintScopes{}), cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("%s: the lint scopes found from the model before differ (-found anew +from before):\n%s", what, d)
	}
}

// compareModels: inc, from the incremental path, equals rel, from reloading, and both equal
// a model loaded from inc's document (with inc and rel one model: it equals its document).
func compareModels(t *testing.T, what string, inc, rel *Model) {
	t.Helper()
	if string(inc.Snapshot()) != string(rel.Snapshot()) {
		t.Fatalf("%s: the documents differ:\nincremental %s\nreload      %s", what, inc.Snapshot(), rel.Snapshot())
	}
	fresh, err := Load(inc.Snapshot())
	if err != nil {
		t.Fatalf("%s: the edited document does not load: %v", what, err)
	}
	all := cmp.Exporter(func(reflect.Type) bool { return true })
	parts := func(m *Model) []any {
		spans := m.spans
		if len(m.patches) > 0 {
			_, spans = m.spans.assemble(m.raw, m.patches)
		}
		return []any{m.snap, m.people, m.agencies, m.units, m.groups, m.pages, m.pageHot, spans}
	}
	for i, want := range parts(fresh) {
		if d := cmp.Diff(want, parts(inc)[i], all); d != "" {
			t.Fatalf("%s: part %d of the incrementally edited model differs from a loaded one (-loaded +incremental):\n%s", what, i, d)
		}
	}
	if d := cmp.Diff(fresh.lintAll(), inc.Lint()); d != "" {
		t.Fatalf("%s: lint differs (-loaded +incremental):\n%s", what, d)
	}
	for p := range fresh.people {
		for x := range fresh.pages {
			fl, fc := fresh.cell(int32(p), int32(x))
			il, ic := inc.cell(int32(p), int32(x))
			if fl != il || fc != ic {
				t.Fatalf("%s: %s on %s: loaded %v %v, incremental %v %v", what, fresh.people[p].src.ID, fresh.pages[x].src.ID, fl, fc, il, ic)
			}
		}
	}
}

// randomEditBatch makes a batch of 1–3 edits of many ops from the snapshot's own ids, acted by
// an administrator or a coordinator: mostly valid ones, some that must be refused.
func randomEditBatch(r *rand.Rand, doc gjson.Result) []byte {
	agencies := doc.Get("agencies").Array()
	ai := r.IntN(len(agencies))
	a := agencies[ai]
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
	group := func() string { return pick("groups.#.id") }
	pageOf := func(kinds ...string) string {
		var ids []string
		a.Get("pages").ForEach(func(_, p gjson.Result) bool {
			for _, k := range kinds {
				if p.Get("kind").Str == k {
					ids = append(ids, p.Get("id").Str)
				}
			}
			return true
		})
		if len(ids) == 0 {
			return page()
		}
		return ids[r.IntN(len(ids))]
	}
	fns := doc.Get("business_functions.#.code").Array()
	everyone := doc.Get("people.#.id").Array()
	anyone := everyone[r.IntN(len(everyone))].Str // of any agency, or of none
	principals := []string{"everyone", "dept_member", "dept_leader", "reports_to", "reports_to_above", "metric_owner",
		"given_individual", "project_member", "org_editor", "user:" + staff(), "unit:" + unit(), "group:" + group(),
		"function:" + fns[r.IntN(len(fns))].Str, "user:" + anyone, "bogus:principal"}
	roles := []string{"reader", "editor", "full", "denied", "not_set"}
	entries := func() []map[string]any {
		var out []map[string]any
		for i := r.IntN(4); i >= 0; i-- {
			e := map[string]any{"principal": principals[r.IntN(len(principals)-1+r.IntN(2))], "role": roles[r.IntN(len(roles))]}
			if r.IntN(3) == 0 {
				e["create"] = []string{"item"}
			}
			out = append(out, e)
		}
		return out
	}
	kinds := []string{"department", "individual", "project", "org_dialog", "dept_dialog", "individual_dialog"}
	var edits []map[string]any
	for n := 1 + r.IntN(3); n > 0; n-- {
		var e map[string]any
		switch r.IntN(34) {
		case 31:
			e = map[string]any{"op": "create_unit", "agency": ag, "unit": map[string]any{"id": "u-new" + strconv.Itoa(r.IntN(1000)), "name": "New", "temporary": r.IntN(4) == 0}}
		case 30:
			e = map[string]any{"op": "record_security_review", "agency": ag, "note": []string{"", "biennial"}[r.IntN(2)]}
		case 0, 1:
			e = map[string]any{"op": "move_staff", "agency": ag, "person": staff(), "unit": unit()}
		case 2, 3:
			e = map[string]any{"op": "assign_functions", "agency": ag, "person": staff(), "functions": []string{fns[r.IntN(len(fns))].Str}}
		case 4:
			e = map[string]any{"op": "remove_functions", "agency": ag, "person": staff(), "functions": []string{fns[r.IntN(len(fns))].Str}}
		case 5:
			e = map[string]any{"op": "end_date_staff", "agency": ag, "person": staff()}
		case 6:
			e = map[string]any{"op": "reinstate_staff", "agency": ag, "person": staff()}
		case 7, 8:
			e = map[string]any{"op": "set_security", "page": pageOf("organization", "department", "project", "individual"), "entries": entries()}
		case 9, 10:
			e = map[string]any{"op": "set_default_security", "page": pageOf("organization", "department", "project", "individual"), "kind": kinds[r.IntN(len(kinds))], "entries": entries()}
		case 11:
			e = map[string]any{"op": "add_out_assignment", "agency": ag, "person": staff(), "unit": unit(), "end": "2027-06-01"}
		case 12:
			e = map[string]any{"op": "end_out_assignment", "agency": ag, "person": staff(), "unit": unit()}
		case 13, 14:
			e = map[string]any{"op": "set_reports_to", "agency": ag, "person": staff(), "managers": []string{staff()}}
		case 15:
			e = map[string]any{"op": "set_group_members", "agency": ag, "group": group(), "members": []string{staff(), staff()}}
		case 16:
			e = map[string]any{"op": "add_staff", "agency": ag, "person": "p-new" + strconv.Itoa(r.IntN(1000)), "name": "New", "nt_account": "new"}
		case 17, 18:
			e = map[string]any{"op": "propagate_defaults", "page": pageOf("organization", "department", "project", "individual"), "kind": kinds[r.IntN(len(kinds))]}
		case 19, 32, 33:
			// one to three units, a unit named twice or the unit they go into among them now and then
			from := []string{unit()}
			for j := r.IntN(3); j > 0; j-- {
				from = append(from, unit())
			}
			e = map[string]any{"op": "consolidate_units", "agency": ag, "from": from, "into": unit()}
		case 20:
			e = map[string]any{"op": "create_page", "page": map[string]any{"id": "pg-new" + strconv.Itoa(r.IntN(1000)), "kind": "item", "parent": page(), "title": "New"}}
		case 21:
			e = map[string]any{"op": "delete_page", "page": page()}
		case 22:
			e = map[string]any{"op": "set_unit_roles", "agency": ag, "unit": unit(), "editors": []string{staff()}, "leaders": []string{}}
		case 23:
			e = map[string]any{"op": "set_unit_approver", "agency": ag, "unit": unit(), "approver": staff()}
		case 24:
			e = map[string]any{"op": "set_unit_specialization", "agency": ag, "unit": unit(), "specialization": "x"}
		case 25:
			e = map[string]any{"op": "set_org_roles", "agency": ag, "editors": []string{staff()}, "leaders": []string{staff(), staff()}}
		case 26:
			e = map[string]any{"op": []string{"establish_coordinator", "remove_coordinator"}[r.IntN(2)], "agency": ag, "person": staff(), "role": []string{"primary", "backup"}[r.IntN(2)]}
		case 27:
			e = map[string]any{"op": "set_person_id", "person": staff(), "status": []string{"active", "disabled", "deleted"}[r.IntN(3)]}
		case 28:
			x := pageOf("org_metric", "dept_metric", "individual_metric", "project_metric", "org_dialog_task", "dept_dialog_task", "individual_dialog_task", "project_dialog_task", "project_task", "personal_task", "basic_role_task", "project")
			e = map[string]any{"op": "set_page_people", "page": x}
			switch k := kindOfPage(a, x); {
			case k == "project":
				e["roles"] = map[string]any{"member": []string{staff()}, "leader": []string{[]string{staff(), "p-nobody"}[r.IntN(2)]}}
			case strings.HasSuffix(k, "metric"):
				e["owners"] = []string{staff()}
			default:
				e["responsible"] = []string{staff()}
			}
		default:
			e = map[string]any{"op": "delete_unit", "agency": ag, "unit": unit()}
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

func kindOfPage(a gjson.Result, id string) string {
	k := ""
	a.Get("pages").ForEach(func(_, p gjson.Result) bool {
		if p.Get("id").Str == id {
			k = p.Get("kind").Str
			return false
		}
		return true
	})
	return k
}

// TestDeleteUnitBeforeNamedUnits: deleting a unit that units named by entries come after
// moves those entries' units down in place of loading the document again (a section named
// by a page's own security and by a default section, shared by the pages it governs), and
// leaves the model a load of its document gives.
func TestDeleteUnitBeforeNamedUnits(t *testing.T) {
	m := loadExample(t)
	setup := `{"actor": "p-admin", "edits": [
	  {"op": "create_unit", "agency": "ag-alb", "unit": {"id": "u-alb-gone", "name": "Going Unit"}},
	  {"op": "create_unit", "agency": "ag-alb", "unit": {"id": "u-alb-kept", "name": "Kept Unit"}},
	  {"op": "set_security", "page": "pg-alb-org", "entries": [{"principal": "everyone", "role": "reader"}, {"principal": "unit:u-alb-kept", "role": "editor"}]},
	  {"op": "set_default_security", "page": "pg-alb-prj-kin", "kind": "project_metric", "entries": [{"principal": "unit:u-alb-kept", "role": "full"}]}]}`
	applied, err := m.Apply([]byte(setup), time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	m = applied.Model
	inc, rel, _ := applyInPlace(t, m, `{"actor": "p-admin", "edits": [{"op": "delete_unit", "agency": "ag-alb", "unit": "u-alb-gone"}]}`)
	compareModels(t, "delete_unit before a named unit", inc, rel)
	// the model deleted from is as it was
	if _, ok := m.unitIdx["u-alb-gone"]; !ok {
		t.Fatal("the model the unit was deleted from lost it")
	}
	compareModels(t, "the model before", m, applied.Model)
}

// applyInPlace applies batch to m both ways: in place (inc, with the changes ch it made), which
// it must have been, and by loading the document again (rel).
func applyInPlace(t *testing.T, m *Model, batch string) (inc, rel *Model, ch *changeSet) {
	t.Helper()
	b, err := parseBatch([]byte(batch))
	if err != nil {
		t.Fatal(err)
	}
	ch = &changeSet{}
	if inc, err = m.applyBatch(b, true, ch); err != nil {
		t.Fatal(err)
	}
	if !ch.byID() {
		t.Fatalf("%s was applied by loading the document again, not in place", batch)
	}
	if rel, err = m.applyBatch(b, false, nil); err != nil {
		t.Fatal(err)
	}
	return inc, rel, ch
}
