package gen

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Agencies of their own sizes (Options.Sizes) instead of an even split, and their names:
// New York's social services districts and generated voluntary agencies.

// AgencySize is the size and identity of one agency of Options.Sizes.
type AgencySize struct {
	// Code makes the agency's ids: ag-<code>, u-<code>-…, g-<code>-…, pg-<code>-….
	// Lower-case letters and digits, 1–5 bytes, so that every id stays within 16 bytes;
	// "" takes the next free code of Kind's list (counties for districts, generated
	// names for voluntary agencies).
	Code string
	Name string // "" takes the name that goes with the chosen code
	// Kind is "district" (a county department of social services, with units of every
	// specialization) or "voluntary" (a voluntary agency: administration, foster care,
	// adoption and preventive services units, no CPS or intake); "" is "district".
	Kind         string
	Staff, Pages int // staff records and pages of the agency
}

// Agency kinds of AgencySize.
const (
	District  = "district"
	Voluntary = "voluntary"
)

// normalizeSizes checks Sizes, fills in missing codes and names, and sets Agencies, Staff
// and Pages to the number of agencies and the sums.
func (o Options) normalizeSizes() (Options, error) {
	sizes := slices.Clone(o.Sizes)
	if len(sizes) == 0 {
		return o, fmt.Errorf("sizes lists no agency")
	}
	staff, pages := sizeTotals(sizes)
	used := map[string]bool{}
	for i, s := range sizes {
		switch s.Kind {
		case "":
			sizes[i].Kind = District
		case District, Voluntary:
		default:
			return o, fmt.Errorf("sizes[%d]: kind %q is neither %q nor %q", i, s.Kind, District, Voluntary)
		}
		if s.Staff < MinStaffPerAgency {
			return o, fmt.Errorf("sizes[%d]: staff %d is too few (at least %d per agency)", i, s.Staff, MinStaffPerAgency)
		}
		if s.Pages < MinPagesPerAgency {
			return o, fmt.Errorf("sizes[%d]: pages %d is too few (at least %d per agency)", i, s.Pages, MinPagesPerAgency)
		}
		if s.Code != "" {
			if !validCode(s.Code) {
				return o, fmt.Errorf("sizes[%d]: code %q is not 1–5 lower-case letters and digits", i, s.Code)
			}
			if used[s.Code] {
				return o, fmt.Errorf("sizes[%d]: code %q is used twice", i, s.Code)
			}
			used[s.Code] = true
		}
	}
	if o.Agencies != 0 && o.Agencies != len(sizes) || o.Staff != 0 && o.Staff != staff || o.Pages != 0 && o.Pages != pages {
		return o, fmt.Errorf("agencies %d, staff %d and pages %d do not match sizes (%d agencies, %d staff, %d pages); leave them 0",
			o.Agencies, o.Staff, o.Pages, len(sizes), staff, pages)
	}
	// missing codes: the next free county for a district, a generated name for a voluntary agency
	nVol := 0
	for _, s := range sizes {
		if s.Code == "" && s.Kind == Voluntary {
			nVol++
		}
	}
	reserved := maps.Clone(used)
	for _, d := range districts {
		reserved[d.code] = true
	}
	vol := voluntaryAgencies(nVol, reserved)
	for i := range sizes {
		if s := &sizes[i]; s.Code == "" && s.Kind == Voluntary {
			s.Code = vol[0][0]
			if s.Name == "" {
				s.Name = vol[0][1]
			}
			used[s.Code] = true
			vol = vol[1:]
		}
	}
	next := 0
	for i := range sizes {
		s := &sizes[i]
		if s.Code != "" {
			continue
		}
		for next < len(districts) && used[districts[next].code] {
			next++
		}
		if next < len(districts) {
			s.Code = districts[next].code
			if s.Name == "" {
				s.Name = districtName(districts[next].county)
			}
		} else {
			s.Code = freeCode("dss", used)
			if s.Name == "" {
				s.Name = "Social Services District " + s.Code
			}
		}
		used[s.Code] = true
	}
	for i := range sizes {
		if sizes[i].Name == "" {
			sizes[i].Name = sizes[i].Code
		}
	}
	return o.withSizes(sizes), nil
}

func validCode(c string) bool {
	if len(c) == 0 || len(c) > 5 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if !(c[i] >= 'a' && c[i] <= 'z' || c[i] >= '0' && c[i] <= '9') {
			return false
		}
	}
	return true
}

const nycName = "NYC Administration for Children's Services"

// districts are New York's 58 social services districts, the 57 counties outside New York
// City and NYC ACS, with the codes of their ids.
var districts = []struct{ code, county string }{
	{"alb", "Albany"}, {"all", "Allegany"}, {"bro", "Broome"}, {"cat", "Cattaraugus"},
	{"cay", "Cayuga"}, {"cha", "Chautauqua"}, {"che", "Chemung"}, {"chn", "Chenango"},
	{"cli", "Clinton"}, {"col", "Columbia"}, {"cor", "Cortland"}, {"del", "Delaware"},
	{"dut", "Dutchess"}, {"eri", "Erie"}, {"ess", "Essex"}, {"fra", "Franklin"},
	{"ful", "Fulton"}, {"gen", "Genesee"}, {"gre", "Greene"}, {"ham", "Hamilton"},
	{"her", "Herkimer"}, {"jef", "Jefferson"}, {"lew", "Lewis"}, {"liv", "Livingston"},
	{"mad", "Madison"}, {"mon", "Monroe"}, {"mnt", "Montgomery"}, {"nas", "Nassau"},
	{"nia", "Niagara"}, {"one", "Oneida"}, {"ono", "Onondaga"}, {"ont", "Ontario"},
	{"ora", "Orange"}, {"orl", "Orleans"}, {"osw", "Oswego"}, {"ots", "Otsego"},
	{"put", "Putnam"}, {"ren", "Rensselaer"}, {"roc", "Rockland"}, {"sar", "Saratoga"},
	{"sch", "Schenectady"}, {"sco", "Schoharie"}, {"sly", "Schuyler"}, {"sen", "Seneca"},
	{"stl", "St. Lawrence"}, {"ste", "Steuben"}, {"suf", "Suffolk"}, {"sul", "Sullivan"},
	{"tio", "Tioga"}, {"tom", "Tompkins"}, {"uls", "Ulster"}, {"war", "Warren"},
	{"was", "Washington"}, {"way", "Wayne"}, {"wes", "Westchester"}, {"wyo", "Wyoming"},
	{"yat", "Yates"}, {"nyc", ""},
}

func districtName(county string) string {
	if county == "" {
		return nycName
	}
	return county + " County DSS"
}

// Words of voluntary agencies' names: a place of New York or a saint, and a pattern.
var (
	nyPlaces = []string{
		"Adirondack", "Albany", "Auburn", "Binghamton", "Bronx", "Brooklyn", "Buffalo",
		"Capital District", "Catskill", "Chautauqua", "Cortland", "Elmira", "Finger Lakes",
		"Flatbush", "Genesee Valley", "Geneva", "Glens Falls", "Harlem", "Hudson Valley",
		"Ithaca", "Jamestown", "Kingston", "Lackawanna", "Long Island", "Lower East Side",
		"Mid-Hudson", "Mohawk Valley", "Newburgh", "Niagara", "North Country", "Olean",
		"Oneonta", "Oswego", "Plattsburgh", "Poughkeepsie", "Queens", "Rochester", "Rockaway",
		"Saratoga", "Schenectady", "Southern Tier", "Staten Island", "Syracuse", "Tonawanda",
		"Troy", "Utica", "Washington Heights", "Watertown", "Westchester", "Yonkers",
	}
	saints = []string{
		"St. Agatha's", "St. Anne's", "St. Brigid's", "St. Catherine's", "St. Christopher's",
		"St. Dominic's", "St. Francis", "St. John's", "St. Joseph's", "St. Luke's", "St. Mark's",
		"St. Mary's", "St. Vincent's", "Good Shepherd", "Holy Cross",
	}
	placePatterns = []string{
		"%s Family Services", "%s Children's Services", "%s Youth and Family Services",
		"%s Center for Children and Families", "%s Children's Home", "%s Home for Children",
		"%s Child and Family Agency", "%s Community Services", "%s Foster Care Network",
		"%s Family Preservation Program", "%s Kinship Center", "%s Children's Aid Society",
		"Catholic Charities of %s", "Lutheran Social Services of %s", "Jewish Family Services of %s",
		"Episcopal Social Services of %s", "Family Counseling Center of %s", "Youth Advocate Programs of %s",
	}
	saintPatterns = []string{
		"%s Family Services", "%s Home for Children", "%s Children's Services", "%s Center for Youth",
		"%s Villa", "%s Child Care Agency",
	}
)

// voluntaryAgencies returns n distinct (code, name) pairs of plausible voluntary agencies,
// the same for every call; codes are built from the name's initials and avoid used.
func voluntaryAgencies(n int, used map[string]bool) [][2]string {
	var names []string
	for _, p := range placePatterns {
		for _, w := range nyPlaces {
			names = append(names, fmt.Sprintf(p, w))
		}
	}
	for _, p := range saintPatterns {
		for _, w := range saints {
			names = append(names, fmt.Sprintf(p, w))
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	used = maps.Clone(used)
	out := make([][2]string, 0, n)
	for i := 0; i < n; i++ {
		name := names[i%len(names)]
		if k := i / len(names); k > 0 {
			name += " (" + strconv.Itoa(k+1) + ")"
		}
		out = append(out, [2]string{freeCode(initials(name), used), name})
	}
	slices.SortFunc(out, func(x, y [2]string) int { return strings.Compare(x[1], y[1]) })
	return out
}

// initials are the lower-case first letters of a name's words, "of", "and" and "for" left
// out, at most four: "St. Anne's Family Services" → "safs".
func initials(name string) string {
	var b []byte
	for _, w := range strings.Fields(name) {
		switch w {
		case "of", "and", "for":
			continue
		}
		if c := lower(w[0]); c >= 'a' && c <= 'z' && len(b) < 4 {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		b = append(b, 'v')
	}
	return string(b)
}

// freeCode returns base if unused, or else the start of base with the smallest number
// from 2 that makes it unused, five bytes at most; it marks the code used.
func freeCode(base string, used map[string]bool) string {
	code := base
	for k := 2; used[code]; k++ {
		n := strconv.Itoa(k)
		code = base[:min(len(base), 5-len(n))] + n
	}
	used[code] = true
	return code
}
