package gen_test

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/connsec/connsec/tools/gen"
)

// shape is what the profile tests measure of a snapshot.
type shape struct {
	agencies, districts, voluntary int
	staff, active, ended, pages    int
	largestID                      string
	largest                        int   // staff records of the largest agency
	bigDistricts                   int   // districts other than the largest with 500 records or more
	volStaff                       []int // staff records per voluntary agency, sorted
	twoAgencies                    int   // people with records in two agencies or more
	movedOn                        int   // … of whom one record has ended and another is active or still to come
	foreignNames                   int   // user entries and project roles naming a person with no record in the page's agency
	longestID                      int
	volCPS                         int // CPS or intake units of voluntary agencies
}

func measure(d *doc) shape {
	var s shape
	s.agencies = len(d.Agencies)
	agenciesOf := map[string]map[int]bool{} // person → agencies with a record
	endedIn, openIn := map[string]bool{}, map[string]bool{}
	longest := func(id string) { s.longestID = max(s.longestID, len(id)) }
	for ai, a := range d.Agencies {
		longest(a.ID)
		voluntary := !isDistrict(d, ai)
		if voluntary {
			s.voluntary++
			s.volStaff = append(s.volStaff, len(a.Staff))
		} else {
			s.districts++
		}
		if len(a.Staff) > s.largest {
			s.largest, s.largestID = len(a.Staff), a.ID
		}
		for _, u := range a.Units {
			longest(u.ID)
			if voluntary && (u.Specialization == "CPS" || u.Specialization == "Intake") {
				s.volCPS++
			}
		}
		for _, g := range a.Groups {
			longest(g.ID)
		}
		here := map[string]bool{}
		for _, r := range a.Staff {
			s.staff++
			here[r.Person] = true
			if agenciesOf[r.Person] == nil {
				agenciesOf[r.Person] = map[int]bool{}
			}
			agenciesOf[r.Person][ai] = true
			switch {
			case r.End != nil && *r.End <= d.AsOf:
				s.ended++
				endedIn[r.Person] = true
			case r.Start <= d.AsOf:
				s.active++
				openIn[r.Person] = true
			default:
				openIn[r.Person] = true
			}
		}
		s.pages += len(a.Pages)
		foreign := func(p string) {
			if !here[p] && !slices.Contains(d.Administrators, p) {
				s.foreignNames++
			}
		}
		for _, p := range a.Pages {
			longest(p.ID)
			for _, e := range p.Security {
				if id, ok := strings.CutPrefix(e.Principal, "user:"); ok {
					foreign(id)
				}
			}
			for _, c := range p.Roles["consultant"] {
				foreign(c)
			}
		}
	}
	for p, as := range agenciesOf {
		if len(as) > 1 {
			s.twoAgencies++
			if endedIn[p] && openIn[p] {
				s.movedOn++
			}
		}
	}
	if s.largestID != "" {
		for ai, a := range d.Agencies {
			if a.ID != s.largestID && isDistrict(d, ai) && len(a.Staff) >= 500 {
				s.bigDistricts++
			}
		}
	}
	slices.Sort(s.volStaff)
	return s
}

func profile(t *testing.T, name string) gen.Options {
	t.Helper()
	o, err := gen.Profile(name)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// within fails t when n is not in lo..hi.
func within(t *testing.T, what string, n, lo, hi int) {
	t.Helper()
	if n < lo || n > hi {
		t.Errorf("%s: %d, want %d..%d", what, n, lo, hi)
	}
}

// generated makes the snapshot of o, checks it by the rules (check) and by loading it, and
// measures its shape.
func generated(t *testing.T, o gen.Options) ([]byte, *doc, shape) {
	t.Helper()
	b := generate(t, o)
	d := parse(t, b)
	for _, p := range check(d) {
		t.Error(p)
	}
	loads(t, b)
	return b, d, measure(d)
}

// stateShape checks a snapshot of the state profile scaled by f (1 for the full profile).
func stateShape(t *testing.T, f float64, seed int64) {
	o := profile(t, "state").Scale(f)
	o.Seed = seed
	b, _, s := generated(t, o)
	t.Logf("%d bytes; %d agencies (%d districts, %d voluntary); %d staff records (%d active, %d ended), %d pages; largest %s with %d records, %d other districts of 500 or more; voluntary agencies %d..%d records, median %d; %d people in two agencies (%d moved on); %d names of other agencies; longest id %d bytes",
		len(b), s.agencies, s.districts, s.voluntary, s.staff, s.active, s.ended, s.pages, s.largestID, s.largest, s.bigDistricts,
		s.volStaff[0], s.volStaff[len(s.volStaff)-1], s.volStaff[len(s.volStaff)/2], s.twoAgencies, s.movedOn, s.foreignNames, s.longestID)
	if s.agencies != 410 || s.districts != 58 || s.voluntary != 352 {
		t.Errorf("%d agencies, %d districts, %d voluntary; want 410, 58, 352", s.agencies, s.districts, s.voluntary)
	}
	if s.staff != o.Staff || s.pages != o.Pages {
		t.Errorf("%d staff records, %d pages; the options say %d, %d", s.staff, s.pages, o.Staff, o.Pages)
	}
	if s.largestID != "ag-nyc" || s.largest != o.Sizes[len(o.Sizes)-1-352].Staff {
		t.Errorf("the largest agency is %s with %d records, not ag-nyc", s.largestID, s.largest)
	}
	// agencies under 20 records have no ended record and none in a temporary unit
	within(t, "active records", s.active, s.staff*90/100, s.staff*97/100)
	within(t, "ended records", s.ended, s.staff*25/1000, s.staff*6/100)
	within(t, "median voluntary agency", s.volStaff[len(s.volStaff)/2], 5, 30)
	if f == 1 {
		within(t, "staff records", s.staff, 21000, 21500)
		within(t, "active records", s.active, 19500, 20500)
		within(t, "pages", s.pages, 195000, 205000)
		within(t, "records of NYC ACS", s.largest, 6000, 6000)
		within(t, "other districts of 500 or more", s.bigDistricts, 4, 8)
		within(t, "smallest voluntary agency", s.volStaff[0], 5, 10)
		within(t, "largest voluntary agency", s.volStaff[len(s.volStaff)-1], 200, 300)
		within(t, "people with records in two agencies", s.twoAgencies, 100, 1000)
		within(t, "people who left one agency for another", s.movedOn, 80, 1000)
		within(t, "names of other agencies", s.foreignNames, 4000, 1<<30)
	} else {
		within(t, "people with records in two agencies", s.twoAgencies, 15, 1000)
		within(t, "people who left one agency for another", s.movedOn, 10, 1000)
		within(t, "names of other agencies", s.foreignNames, 500, 1<<30)
	}
	within(t, "longest id", s.longestID, 1, 16)
	if s.volCPS > 0 {
		t.Errorf("%d CPS or intake units in voluntary agencies", s.volCPS)
	}
}

func TestProfileLargest(t *testing.T) {
	if testing.Short() {
		t.Skip("large snapshot")
	}
	o := profile(t, "largest")
	if o.Agencies != 1 || o.Staff != 6000 || o.Pages != 60000 {
		t.Fatalf("largest: %d agencies, %d staff, %d pages", o.Agencies, o.Staff, o.Pages)
	}
	o.Seed = 3
	b, d, s := generated(t, o)
	t.Logf("%d bytes; %d staff records (%d active, %d ended), %d pages; longest id %d bytes", len(b), s.staff, s.active, s.ended, s.pages, s.longestID)
	if s.agencies != 1 || s.largestID != "ag-nyc" || d.Agencies[0].Name != "NYC Administration for Children's Services" {
		t.Errorf("%d agencies, the largest %s", s.agencies, s.largestID)
	}
	if s.staff != 6000 || s.pages != 60000 {
		t.Errorf("%d staff records, %d pages", s.staff, s.pages)
	}
	within(t, "ended records", s.ended, 250, 400)
	within(t, "active records", s.active, 5500, 5800)
	within(t, "longest id", s.longestID, 1, 16)
}

// TestProfileState checks the state profile at a quarter of its size, with the same 410
// agencies; the full profile too with CONNSEC_GEN_FULL=1 (about 7 s and 800 MB).
func TestProfileState(t *testing.T) {
	t.Run("quarter", func(t *testing.T) { stateShape(t, 0.25, 1) })
	t.Run("full", func(t *testing.T) {
		if testing.Short() || os.Getenv("CONNSEC_GEN_FULL") != "1" {
			t.Skip("the full state profile: set CONNSEC_GEN_FULL=1")
		}
		stateShape(t, 1, 1)
	})
}

func TestProfileOptions(t *testing.T) {
	if _, err := gen.Profile("county"); err == nil {
		t.Error("an unknown profile was accepted")
	}
	o := profile(t, "state")
	o.Seed = 9
	small := o.Scale(0.02)
	a, b := generate(t, small), generate(t, small)
	if !bytes.Equal(a, b) {
		t.Error("the same profile and seed gave different bytes")
	}
	sum := 0
	for _, s := range small.Sizes {
		sum += s.Staff
		if s.Code == "nyc" && (s.Staff != 120 || s.Pages != 940) || s.Staff < 5 {
			t.Errorf("scaled by 0.02: %+v", s)
		}
	}
	if small.Agencies != 410 || small.Staff != sum || o.Staff != 21300 || o.Pages != 200000 {
		t.Errorf("scaled: %d agencies, %d staff (sum %d); full: %d staff, %d pages", small.Agencies, small.Staff, sum, o.Staff, o.Pages)
	}
	if o.Scale(1).Staff != o.Staff || !slices.Equal(o.Scale(1).Sizes, o.Sizes) {
		t.Error("Scale(1) changed the sizes")
	}
}
