package evaluator_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
	"github.com/tidwall/gjson"
)

// A coordinator's view loads, keeps only its agency and the people it names, and decides
// every question about the agency's pages as the whole snapshot does.
func TestAgencyViewDecidesAsTheWhole(t *testing.T) {
	whole, data := loadExample(t)
	for _, agency := range gjson.GetBytes(data, "agencies.#.id").Array() {
		view, err := whole.AgencyView(agency.String())
		if err != nil {
			t.Fatal(err)
		}
		m, err := evaluator.Load(view)
		if err != nil {
			t.Fatalf("the view of %s does not load: %v", agency, err)
		}
		if got := gjson.GetBytes(view, "agencies.#").Int(); got != 1 {
			t.Fatalf("the view of %s has %d agencies", agency, got)
		}
		people := gjson.GetBytes(view, "people.#.id").Array()
		if all := gjson.GetBytes(data, "people.#").Int(); int64(len(people)) >= all {
			t.Errorf("the view of %s keeps all %d people", agency, all)
		}
		checked := 0
		for _, page := range gjson.GetBytes(view, "agencies.0.pages.#.id").Array() {
			for _, person := range people {
				for _, action := range []string{"read", "edit", "manage_security"} {
					r := evaluator.Request{Subject: person.String(), Action: action, Resource: page.String()}
					want, err1 := whole.Allowed(r)
					got, err2 := m.Allowed(r)
					if want != got || (err1 == nil) != (err2 == nil) {
						t.Fatalf("%s %s %s: whole %v (%v), view %v (%v)", person, action, page, want, err1, got, err2)
					}
					checked++
				}
			}
		}
		if checked == 0 {
			t.Fatalf("nothing was compared for %s", agency)
		}
	}
	if _, err := whole.AgencyView("ag-nope"); err == nil {
		t.Fatal("an unknown agency gave a view")
	}
}

// Standing names the agencies a person coordinates and where they are staff (SPEC §5).
func TestStanding(t *testing.T) {
	m, data := loadExample(t)
	st, err := m.Standing("p-1003")
	if err != nil {
		t.Fatal(err)
	}
	if st.Administrator || len(st.Coordinates) != 1 || st.Coordinates[0] != "ag-alb" || len(st.StaffOf) != 1 {
		t.Fatalf("p-1003 (primary coordinator of ag-alb): %+v", st)
	}
	if st, _ := m.Standing("p-admin"); !st.Administrator {
		t.Fatalf("p-admin is not an administrator: %+v", st)
	}
	if st, _ := m.Standing("p-1012"); len(st.Coordinates) != 0 {
		t.Fatalf("p-1012 coordinates %v", st.Coordinates)
	}
	if _, err := m.Standing("p-nobody"); err == nil {
		t.Fatal("an unknown person has a standing")
	}
	unit := gjson.GetBytes(data, "agencies.1.units.0.id").String()
	page := gjson.GetBytes(data, "agencies.0.pages.3.id").String()
	if m.AgencyOf(unit) != "ag-sta" || m.AgencyOf(page) != "ag-alb" || m.AgencyOf("ag-sta") != "ag-sta" || m.AgencyOf("p-1003") != "" {
		t.Fatalf("AgencyOf: %s→%q %s→%q", unit, m.AgencyOf(unit), page, m.AgencyOf(page))
	}
}

// The view is of the current version: after an edit it shows the edit.
func TestAgencyViewAfterAnEdit(t *testing.T) {
	m, _ := loadExample(t)
	applied, err := m.Apply([]byte(`{"actor": "p-1003", "base_version": 0, "edits": [{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": "u-alb-fc1"}]}`), clockForViews)
	if err != nil {
		t.Fatal(err)
	}
	view, err := applied.Model.AgencyView("ag-alb")
	if err != nil {
		t.Fatal(err)
	}
	if v := gjson.GetBytes(view, "version").Int(); v != 1 {
		t.Fatalf("the view after an edit says version %d", v)
	}
	if u := gjson.GetBytes(view, `agencies.0.staff.#(person=="p-1012").unit`).String(); u != "u-alb-fc1" {
		t.Fatalf("the view after an edit has p-1012 in %q", u)
	}
}

// A person whose Person ID is not active has no standing.
func TestStandingNeedsAnActivePersonID(t *testing.T) {
	m, _ := loadExample(t)
	applied, err := m.Apply([]byte(`{"actor": "p-admin", "edits": [{"op": "set_person_id", "person": "p-admin2", "status": "disabled"}]}`), clockForViews)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := applied.Model.Standing("p-admin2"); st.Administrator || len(st.Coordinates) > 0 {
		t.Fatalf("a disabled administrator still stands: %+v", st)
	}
}

var clockForViews = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// A reader that holds agency shards shows a coordinator their view from the shard (SPEC
// §10.1): ShardView of each agency's shard is AgencyView of the whole, byte for byte, and a
// document that is not a shard is refused. Lint on a shard words end_dated_person_id_active
// for the people with a record there as the whole does, since it counts their records
// elsewhere (RULES.md §10.3).
func TestShardViewAndLintAsTheWhole(t *testing.T) {
	o, err := gen.Profile("state")
	if err != nil {
		t.Fatal(err)
	}
	o = o.Scale(0.02)
	o.Seed = 13
	whole, data := generatedModel(t, o)
	shards := newShardSet(t, whole, data)
	leavers := map[string]evaluator.Finding{}
	for _, f := range whole.Lint() {
		if f.Code == "end_dated_person_id_active" {
			leavers[f.Target] = f
		}
	}
	for _, ag := range sampledAgencies(data, 20) {
		want, err := whole.AgencyView(ag)
		if err != nil {
			t.Fatal(err)
		}
		_, doc := shards.of(ag)
		got, err := evaluator.ShardView(doc)
		if err != nil || !bytes.Equal(want, got) {
			t.Fatalf("%s: the view from the shard is not the whole's (%v; %d bytes against %d)", ag, err, len(got), len(want))
		}
	}
	compared, differ := 0, 0 // the people with records in several agencies, on each of their shards
	for _, p := range whole.IDs("person") {
		agencies := whole.RecordsIn(p)
		if len(agencies) < 2 || compared >= 60 {
			continue
		}
		for _, ag := range agencies {
			sm, _ := shards.of(ag)
			var got evaluator.Finding
			for _, f := range sm.Lint() {
				if f.Code == "end_dated_person_id_active" && f.Target == "person:"+p {
					got = f
				}
			}
			if got != leavers["person:"+p] {
				differ++
			}
			compared++
		}
	}
	if differ > 0 || compared == 0 {
		t.Fatalf("%d of %d shards of people with records in several agencies lint them otherwise", differ, compared)
	}
	if _, err := evaluator.ShardView(data); err == nil {
		t.Fatal("ShardView took the whole snapshot for a shard")
	}
}
