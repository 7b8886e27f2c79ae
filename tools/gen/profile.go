package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Scale profiles: named Options whose Sizes give every agency its own size, so that a
// snapshot can look like the largest real agency or like a whole state instead of a few
// agencies of about the same size.

// ProfileNames lists the names Profile knows.
func ProfileNames() []string { return []string{"largest", "state"} }

// Profile returns the Options of a named scale profile with Agencies, Staff and Pages set
// to its totals; Seed and AsOf are left for the caller. The sizes are fixed: the seed
// changes who and what is in a snapshot, not how large each agency is.
//
//   - largest: one agency the size of the largest real one, NYC Administration for
//     Children's Services: 6,000 staff records, 60,000 pages.
//   - state: a whole state like New York: 58 social services districts (NYC ACS with 6,000
//     records, six large counties of 550–1,200, the others 30–300 after their population)
//     and 352 voluntary agencies of 5–300 records, most of them small; 21,300 staff
//     records and 200,000 pages in all: 10 pages a record everywhere but NYC ACS, which
//     takes the rest (47,000, about 7.8 a record).
func Profile(name string) (Options, error) {
	var sizes []AgencySize
	switch name {
	case "largest":
		sizes = []AgencySize{{Code: "nyc", Name: nycName, Kind: District, Staff: 6000, Pages: 60000}}
	case "state":
		sizes = stateSizes()
	default:
		return Options{}, fmt.Errorf("unknown profile %q (known: %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return Options{}.withSizes(sizes), nil
}

// withSizes is o with Sizes and the totals they make: the number of agencies, staff records
// and pages.
func (o Options) withSizes(sizes []AgencySize) Options {
	o.Sizes, o.Agencies = sizes, len(sizes)
	o.Staff, o.Pages = sizeTotals(sizes)
	return o
}

// sizeTotals are the staff records and the pages of the agencies in all.
func sizeTotals(sizes []AgencySize) (staff, pages int) {
	for _, s := range sizes {
		staff += s.Staff
		pages += s.Pages
	}
	return staff, pages
}

// Scale returns o with every agency of Sizes f times as large (staff records and pages,
// rounded, no smaller than the minimums) and the totals recomputed: the same agencies and
// the same shape, smaller or larger. Options without Sizes are returned as they are.
func (o Options) Scale(f float64) Options {
	if o.Sizes == nil {
		return o
	}
	sizes := slices.Clone(o.Sizes)
	for i := range sizes {
		sizes[i].Staff = max(MinStaffPerAgency, int(math.Round(float64(sizes[i].Staff)*f)))
		sizes[i].Pages = max(MinPagesPerAgency, int(math.Round(float64(sizes[i].Pages)*f)))
	}
	return o.withSizes(sizes)
}

// districtStaff are the state profile's staff records of each district, invented after the
// county's population: NYC ACS 6,000, the six large counties 550–1,200, the others about
// 0.8 records per thousand residents, no fewer than 30 and no more than 300.
var districtStaff = map[string]int{
	"alb": 250, "all": 40, "bro": 160, "cat": 60, "cay": 60, "cha": 100, "che": 70, "chn": 40,
	"cli": 65, "col": 50, "cor": 40, "del": 35, "dut": 235, "eri": 1200, "ess": 30, "fra": 40,
	"ful": 45, "gen": 45, "gre": 40, "ham": 30, "her": 50, "jef": 95, "lew": 30, "liv": 50,
	"mad": 55, "mon": 900, "mnt": 40, "nas": 950, "nia": 170, "one": 185, "ono": 550, "ont": 90,
	"ora": 300, "orl": 30, "osw": 95, "ots": 45, "put": 75, "ren": 130, "roc": 270, "sar": 190,
	"sch": 125, "sco": 30, "sly": 30, "sen": 30, "stl": 85, "ste": 75, "suf": 1100, "sul": 60,
	"tio": 40, "tom": 85, "uls": 145, "war": 50, "was": 50, "way": 75, "wes": 800, "wyo": 30,
	"yat": 30, "nyc": 6000,
}

// The state profile's voluntary agencies: how many, their smallest and largest size and
// the staff records they hold together, and its pages in all.
const (
	stateVoluntary      = 352
	stateVoluntaryMin   = 5
	stateVoluntaryMax   = 300
	stateVoluntaryStaff = 5525
	statePages          = 200000
	statePagesPerRecord = 10
)

func stateSizes() []AgencySize {
	var out []AgencySize
	for _, d := range districts {
		out = append(out, AgencySize{Code: d.code, Name: districtName(d.county), Kind: District, Staff: districtStaff[d.code]})
	}
	staff := voluntarySizes(stateVoluntary, stateVoluntaryMin, stateVoluntaryMax, stateVoluntaryStaff)
	for i, v := range voluntaryAgencies(stateVoluntary, usedCodes(out)) {
		out = append(out, AgencySize{Code: v[0], Name: v[1], Kind: Voluntary, Staff: staff[i]})
	}
	// 10 pages a record; the largest agency takes what is left of the total
	largest, rest := 0, statePages
	for i := range out {
		if out[i].Staff > out[largest].Staff {
			largest = i
		}
	}
	for i := range out {
		if i != largest {
			out[i].Pages = statePagesPerRecord * out[i].Staff
			rest -= out[i].Pages
		}
	}
	out[largest].Pages = rest
	return out
}

func usedCodes(sizes []AgencySize) map[string]bool {
	used := map[string]bool{}
	for _, s := range sizes {
		used[s.Code] = true
	}
	return used
}

// voluntarySizes gives n agencies of lo..hi staff records adding up to total, skewed small:
// the quantiles of a Lomax (shifted Pareto) distribution from lo, clipped at hi, with the
// scale that comes nearest the total, then evened out to it exactly, in an order shuffled
// with a fixed seed (the profile does not depend on Options.Seed).
func voluntarySizes(n, lo, hi, total int) []int {
	const alpha = 1.5
	sizes := make([]int, n)
	fill := func(scale float64) int {
		sum := 0
		for i := range sizes {
			u := (float64(i) + 0.5) / float64(n)
			x := float64(lo) + scale*(math.Pow(1-u, -1/alpha)-1)
			sizes[i] = min(hi, int(math.Round(x)))
			sum += sizes[i]
		}
		return sum
	}
	a, b := 0.0, float64(hi)
	for range 60 {
		if m := (a + b) / 2; fill(m) > total {
			b = m
		} else {
			a = m
		}
	}
	sum := fill(a)
	// the rest, one record at a time, to the largest agencies below hi
	for i := n - 1; sum < total; i-- {
		if i < 0 {
			i = n - 1
		}
		if sizes[i] < hi {
			sizes[i]++
			sum++
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(n, func(i, j int) { sizes[i], sizes[j] = sizes[j], sizes[i] })
	return sizes
}
