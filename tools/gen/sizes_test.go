package gen_test

import (
	"errors"
	"regexp"
	"testing"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

var districtNames = regexp.MustCompile(`^(.* County DSS|NYC Administration for Children's Services)$`)

func isDistrict(d *doc, ai int) bool { return districtNames.MatchString(d.Agencies[ai].Name) }

// loads fails t when the real loader refuses the snapshot.
func loads(t *testing.T, b []byte) {
	t.Helper()
	_, err := evaluator.Load(b)
	if err == nil {
		return
	}
	var se *evaluator.SnapshotError
	if !errors.As(err, &se) {
		t.Fatal(err)
	}
	for i, p := range se.Problems {
		if i == 20 {
			break
		}
		t.Errorf("  %s", p)
	}
	t.Fatalf("refused with %d problems", len(se.Problems))
}

// TestSizes gives agencies sizes of their own: each has exactly its size, missing codes and
// names are filled in, voluntary agencies have no CPS or intake units, and bad sizes are refused.
func TestSizes(t *testing.T) {
	// sizes and totals must agree
	for _, bad := range []gen.Options{
		{Sizes: []gen.AgencySize{}},
		{Sizes: []gen.AgencySize{{Staff: 4, Pages: 10}}},
		{Sizes: []gen.AgencySize{{Staff: 10, Pages: 1}}},
		{Sizes: []gen.AgencySize{{Staff: 10, Pages: 10, Kind: "county"}}},
		{Sizes: []gen.AgencySize{{Staff: 10, Pages: 10, Code: "toolong"}}},
		{Sizes: []gen.AgencySize{{Staff: 10, Pages: 10, Code: "ab"}, {Staff: 10, Pages: 10, Code: "ab"}}},
		{Sizes: []gen.AgencySize{{Staff: 10, Pages: 10}}, Staff: 11},
		{Sizes: []gen.AgencySize{{Staff: 10, Pages: 10}}, Agencies: 2},
	} {
		if _, err := gen.Generate(bad); err == nil {
			t.Errorf("Generate(%+v) accepted bad sizes", bad)
		}
	}
	// missing codes and names are filled in: counties for districts, generated names for voluntary agencies
	d := parse(t, generate(t, gen.Options{Seed: 2, Sizes: []gen.AgencySize{
		{Staff: 30, Pages: 100}, {Kind: "voluntary", Staff: 12, Pages: 40}, {Code: "alb", Staff: 20, Pages: 60}, {Staff: 8, Pages: 30},
	}}))
	for _, p := range check(d) {
		t.Error(p)
	}
	var got []string
	for _, a := range d.Agencies {
		got = append(got, a.ID)
	}
	if got[0] != "ag-all" || got[2] != "ag-alb" || got[3] != "ag-bro" || !isDistrict(d, 0) || isDistrict(d, 1) {
		t.Errorf("agencies %v", got)
	}
	sizes := []gen.AgencySize{
		{Code: "big", Name: "Big County DSS", Staff: 400, Pages: 3000},
		{Code: "v1", Name: "Small Family Services", Kind: "voluntary", Staff: 60, Pages: 700},
		{Kind: "voluntary", Staff: 5, Pages: 2},
	}
	b := generate(t, gen.Options{Seed: 3, AsOf: "2025-03-01", Sizes: sizes})
	loads(t, b)
	d = parse(t, b)
	for _, p := range check(d) {
		t.Error(p)
	}
	for i, a := range d.Agencies {
		if len(a.Staff) != sizes[i].Staff || len(a.Pages) != sizes[i].Pages {
			t.Errorf("%s: %d staff records, %d pages; want %d, %d", a.ID, len(a.Staff), len(a.Pages), sizes[i].Staff, sizes[i].Pages)
		}
		for _, u := range a.Units {
			if i > 0 && (u.Specialization == "CPS" || u.Specialization == "Intake") {
				t.Errorf("voluntary %s has a %s unit", a.ID, u.Specialization)
			}
		}
	}
	if d.Agencies[0].ID != "ag-big" || d.Agencies[1].Name != "Small Family Services" || len(d.Agencies[1].Units) < 3 {
		t.Errorf("agencies %s, %s with %d units", d.Agencies[0].ID, d.Agencies[1].Name, len(d.Agencies[1].Units))
	}
}
