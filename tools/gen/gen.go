// Package gen generates large, realistic and valid connsec.snapshot/v1 documents (SPEC §2)
// for benchmarks and property tests. The same Options always give the same bytes.
//
// What a snapshot holds: per agency a temporary unit and units of every specialization with
// approvers, editors and leaders; a primary and a backup coordinator; staff records (most
// active, about 5% end-dated, a few future starts, about 5% in the temporary unit, people
// who returned to an agency or moved between agencies) with reports-to trees five levels
// deep and out-assignments; groups, org editors and leaders; and a page tree that follows
// the kind table of SPEC §3 with security and default sections that use every principal
// form and every role. Staff counts staff records and Pages counts pages, both summed over
// the agencies. Options.Sizes gives each agency a size of its own instead, and Profile
// names two such sets of sizes: "largest" (one agency like NYC ACS) and "state" (the
// 410 agencies of a state like New York).
package gen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Options say how large a snapshot to make. Zero values take defaults: 3 agencies, 100 staff
// records per agency, 10 pages per staff record, as_of 2026-11-22.
//
// Without Sizes, Staff and Pages are split among the agencies at random (with weights
// between 0.5 and 1.5). With Sizes, each agency has the size Sizes gives it, and Agencies,
// Staff and Pages must be 0 or equal the number of agencies and the sums; Profile makes
// such Options.
type Options struct {
	Agencies, Staff, Pages int
	Seed                   int64
	AsOf                   string // default "2026-11-22"
	Sizes                  []AgencySize
}

// Smallest sizes the generator can fill with a valid snapshot.
const (
	MinStaffPerAgency = 5 // two coordinators and a unit with a manager
	MinPagesPerAgency = 2 // the organization page and one department page
	DefaultAsOf       = "2026-11-22"
)

func (o Options) normalize() (Options, error) {
	if o.Agencies < 0 || o.Staff < 0 || o.Pages < 0 {
		return o, fmt.Errorf("agencies, staff and pages must not be negative")
	}
	if o.Sizes != nil {
		var err error
		if o, err = o.normalizeSizes(); err != nil {
			return o, err
		}
	}
	if o.Agencies == 0 {
		o.Agencies = 3
	}
	if o.Staff == 0 {
		o.Staff = 100 * o.Agencies
	}
	if o.Pages == 0 {
		o.Pages = 10 * o.Staff
	}
	if o.AsOf == "" {
		o.AsOf = DefaultAsOf
	}
	if o.Staff < MinStaffPerAgency*o.Agencies {
		return o, fmt.Errorf("staff %d is too few for %d agencies (at least %d per agency)", o.Staff, o.Agencies, MinStaffPerAgency)
	}
	if o.Pages < MinPagesPerAgency*o.Agencies {
		return o, fmt.Errorf("pages %d is too few for %d agencies (at least %d per agency)", o.Pages, o.Agencies, MinPagesPerAgency)
	}
	if len(o.AsOf) != 10 {
		return o, fmt.Errorf("as_of %q is not a YYYY-MM-DD date", o.AsOf)
	}
	if _, err := time.Parse("2006-01-02", o.AsOf); err != nil {
		return o, fmt.Errorf("as_of %q is not a YYYY-MM-DD date", o.AsOf)
	}
	return o, nil
}

// Generate returns a connsec.snapshot/v1 JSON document of the requested size.
func Generate(o Options) ([]byte, error) {
	o, err := o.normalize()
	if err != nil {
		return nil, err
	}
	g := newGenerator(o)
	g.build()
	out, err := json.Marshal(g.document())
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// ---- output shapes (field order is the order of SPEC §2) ----

type snapshotJSON struct {
	Format            string                  `json:"format"`
	Version           int                     `json:"version"`
	AsOf              string                  `json:"as_of"`
	Administrators    []string                `json:"administrators"`
	Builds            []buildJSON             `json:"builds"`
	BusinessFunctions []functionJSON          `json:"business_functions"`
	People            []personJSON            `json:"people"`
	SiteDefaults      map[string]templateJSON `json:"site_defaults"`
	Agencies          []agencyJSON            `json:"agencies"`
}

type buildJSON struct {
	ID    string `json:"id"`
	Date  string `json:"date"`
	Notes string `json:"notes"`
}

type attributeJSON struct {
	Name       string `json:"name"`
	Capability string `json:"capability"`
	Scope      string `json:"scope"`
}

type suggestJSON struct {
	Functions       []string `json:"functions,omitempty"`
	Specializations []string `json:"specializations,omitempty"`
}

type functionJSON struct {
	Code       string          `json:"code"`
	Name       string          `json:"name"`
	Build      string          `json:"build"`
	Tasks      []string        `json:"tasks"`
	Attributes []attributeJSON `json:"attributes"`
	SuggestFor *suggestJSON    `json:"suggest_for,omitempty"`
	Restricted bool            `json:"restricted"`
}

type personJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	NTAccount string `json:"nt_account"`
	PersonID  string `json:"person_id"`
}

type entryJSON struct {
	Principal string   `json:"principal"`
	Role      string   `json:"role"`
	Create    []string `json:"create,omitempty"`
}

type templateJSON struct {
	Security []entryJSON            `json:"security"`
	Defaults map[string][]entryJSON `json:"defaults"`
}

type coordinatorJSON struct {
	Person string `json:"person"`
	Role   string `json:"role"`
}

type groupJSON struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

type unitJSON struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Specialization string   `json:"specialization,omitempty"`
	Temporary      bool     `json:"temporary,omitempty"`
	Approver       string   `json:"approver,omitempty"`
	Editors        []string `json:"editors,omitempty"`
	Leaders        []string `json:"leaders,omitempty"`
}

type outJSON struct {
	Unit  string `json:"unit"`
	Start string `json:"start"`
	End   string `json:"end,omitempty"`
}

type staffJSON struct {
	Person         string    `json:"person"`
	Unit           string    `json:"unit"`
	Start          string    `json:"start"`
	End            *string   `json:"end"` // null when open, as in SPEC §2's example
	Functions      []string  `json:"functions"`
	ReportsTo      []string  `json:"reports_to"`
	OutAssignments []outJSON `json:"out_assignments,omitempty"`
}

type rolesJSON struct {
	Sponsor    []string `json:"sponsor"`
	Leader     []string `json:"leader"`
	Member     []string `json:"member"`
	Consultant []string `json:"consultant"`
}

type pageJSON struct {
	ID          string                 `json:"id"`
	Kind        string                 `json:"kind"`
	Parent      *string                `json:"parent"`
	Title       string                 `json:"title"`
	CreatedBy   string                 `json:"created_by,omitempty"`
	Unit        string                 `json:"unit,omitempty"`
	Person      string                 `json:"person,omitempty"`
	Roles       *rolesJSON             `json:"roles,omitempty"`
	Owners      []string               `json:"owners,omitempty"`
	Responsible []string               `json:"responsible,omitempty"`
	Security    []entryJSON            `json:"security,omitempty"`
	Defaults    map[string][]entryJSON `json:"defaults,omitempty"`
}

type agencyJSON struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Coordinators []coordinatorJSON `json:"coordinators"`
	OrgEditors   []string          `json:"org_editors"`
	OrgLeaders   []string          `json:"org_leaders"`
	Groups       []groupJSON       `json:"groups"`
	Units        []unitJSON        `json:"units"`
	Staff        []staffJSON       `json:"staff"`
	Pages        []pageJSON        `json:"pages"`
}

// ---- generator state ----

type person struct {
	id, name, nt, status string
	tier                 int // 0 director … 5 temporary/new; managers always have a lower tier
	special              bool
}

type outState struct {
	unit       *unitState
	start, end int // days; end 0 = open
}

type record struct {
	person     int
	unit       *unitState
	start, end int // days since 1970-01-01; end 0 = open
	functions  []string
	reportsTo  []int
	outs       []outState
	busy       bool // holds a role (coordinator, approver, editor, leader…): not moved away
}

type unitState struct {
	id, name, spec string
	temporary      bool
	members        []*record // active in-assigned records
	manager        *record
	supervisors    []*record
	approver       int // person, -1 none
	editors        []int
	leaders        []int
	deptPage       int // page index, -1 none
}

type agencyState struct {
	id, code, name string
	nStaff, nPages int
	nReal, nTemp   int
	nLeave, nRet   int
	nMovIn         int
	nFutNew, nPend int
	nUnits         int       // non-temporary units
	specs          []specDef // specializations of its units, [0] administration

	units       []*unitState // [0] is the temporary unit
	staff       []*record
	director    *record
	deputies    []*record
	coords      [2]*record
	orgEditors  []int
	orgLeaders  []int
	groups      []groupJSON
	people      []int // persons with a record here (distinct)
	active      []int // persons with a record here active on as_of
	activeSet   map[int]bool
	hasRecord   map[int]bool
	pages       []pageJSON
	pageCtx     []pageCtx
	pagesByKind map[string][]int
}

type generator struct {
	o       Options
	r       *rand.Rand
	asOf    int // days since 1970-01-01
	people  []*person
	ntUsed  map[string]int
	admins  []int
	ag      []*agencyState
	dateBuf map[int]string
}

func newGenerator(o Options) *generator {
	t, _ := time.Parse("2006-01-02", o.AsOf)
	return &generator{
		o:       o,
		r:       rand.New(rand.NewPCG(uint64(o.Seed), 0x636f6e6e736563)), // "connsec"
		asOf:    int(t.Unix() / 86400),
		ntUsed:  map[string]int{},
		dateBuf: map[int]string{},
	}
}

func (g *generator) date(d int) string {
	if s, ok := g.dateBuf[d]; ok {
		return s
	}
	s := time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02")
	g.dateBuf[d] = s
	return s
}

// ---- small random helpers ----

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }
func (g *generator) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + g.r.IntN(hi-lo+1)
}
func pick[T any](g *generator, xs []T) T { return xs[g.r.IntN(len(xs))] }

// split divides total into n parts of at least min each, with random weights between 0.5
// and 1.5 so that agencies differ in size; the parts add up to total exactly.
func (g *generator) split(total, n, min int) []int {
	parts := make([]int, n)
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		w[i] = 0.5 + g.r.Float64()
		sum += w[i]
	}
	rest := total - n*min
	given := 0
	for i := range parts {
		extra := int(float64(rest) * w[i] / sum)
		parts[i] = min + extra
		given += extra
	}
	for i := 0; given < rest; i = (i + 1) % n {
		parts[i]++
		given++
	}
	return parts
}

func (g *generator) newPerson(status string) int {
	f, l := pick(g, firstNames), pick(g, lastNames)
	base := make([]byte, 0, 16)
	base = append(base, lower(f[0]))
	for i := 0; i < len(l); i++ {
		if c := l[i]; c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			base = append(base, lower(c))
		}
	}
	nt := string(base)
	if n := g.ntUsed[nt]; n > 0 {
		g.ntUsed[nt] = n + 1
		nt += strconv.Itoa(n + 1)
	} else {
		g.ntUsed[nt] = 1
	}
	g.people = append(g.people, &person{
		id: "p-" + strconv.Itoa(1001+len(g.people)), name: f + " " + l, nt: nt, status: status, tier: 4,
	})
	return len(g.people) - 1
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func (g *generator) pid(p int) string { return g.people[p].id }

func (g *generator) pids(ps []int) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = g.people[p].id
	}
	return out
}

// ---- the whole run ----

func (g *generator) build() {
	if g.o.Sizes != nil {
		for _, s := range g.o.Sizes {
			g.addAgency(s.Code, s.Name, s.Kind, s.Staff, s.Pages)
		}
	} else {
		g.evenAgencies()
	}
	admins := 1 + g.r.IntN(2)
	for i := 0; i < admins; i++ {
		g.admins = append(g.admins, g.newPerson("active"))
	}
	for _, a := range g.ag {
		g.planAgency(a)
		g.buildUnitsAndStaff(a)
	}
	for _, a := range g.ag {
		g.crossAgency(a)
	}
	for _, a := range g.ag {
		g.finishStaff(a)
	}
	for _, a := range g.ag {
		g.buildPages(a)
	}
}

// evenAgencies makes Options.Agencies agencies that share Staff and Pages at random.
func (g *generator) evenAgencies() {
	n := g.o.Agencies
	staff := g.split(g.o.Staff, n, MinStaffPerAgency)
	// pages follow the size of the agency
	pages := make([]int, n)
	rest := g.o.Pages - n*MinPagesPerAgency
	given := 0
	for i := range pages {
		extra := int(int64(rest) * int64(staff[i]) / int64(g.o.Staff))
		pages[i] = MinPagesPerAgency + extra
		given += extra
	}
	for i := 0; given < rest; i = (i + 1) % n {
		pages[i]++
		given++
	}
	for i := 0; i < n; i++ {
		code, name := agencyNames[i%len(agencyNames)][0], agencyNames[i%len(agencyNames)][1]
		if k := i / len(agencyNames); k > 0 {
			code += strconv.Itoa(k + 1)
			name += " (" + strconv.Itoa(k+1) + ")"
		}
		g.addAgency(code, name, District, staff[i], pages[i])
	}
}

func (g *generator) addAgency(code, name, kind string, staff, pages int) {
	a := &agencyState{
		id: "ag-" + code, code: code, name: name, nStaff: staff, nPages: pages, specs: specs,
		activeSet: map[int]bool{}, hasRecord: map[int]bool{}, pagesByKind: map[string][]int{},
	}
	if kind == Voluntary {
		a.specs = voluntarySpecs
	}
	g.ag = append(g.ag, a)
}

func (g *generator) document() *snapshotJSON {
	doc := &snapshotJSON{
		Format: "connsec.snapshot/v1", Version: 0, AsOf: g.o.AsOf,
		Administrators: g.pids(g.admins),
		Builds:         builds,
		SiteDefaults:   siteDefaults(),
	}
	for _, f := range catalog {
		fj := functionJSON{Code: f.code, Name: f.name, Build: f.build, Tasks: f.tasks, Restricted: f.restricted}
		for _, a := range f.attrs {
			fj.Attributes = append(fj.Attributes, attributeJSON{a[0], a[1], a[2]})
		}
		if f.suggestFns != nil || f.suggestSpecs != nil {
			fj.SuggestFor = &suggestJSON{Functions: f.suggestFns, Specializations: f.suggestSpecs}
		}
		doc.BusinessFunctions = append(doc.BusinessFunctions, fj)
	}
	doc.People = make([]personJSON, len(g.people))
	for i, p := range g.people {
		doc.People[i] = personJSON{p.id, p.name, p.nt, p.status}
	}
	for _, a := range g.ag {
		doc.Agencies = append(doc.Agencies, g.agencyDoc(a))
	}
	return doc
}

func (g *generator) agencyDoc(a *agencyState) agencyJSON {
	aj := agencyJSON{
		ID: a.id, Name: a.name,
		Coordinators: []coordinatorJSON{
			{g.pid(a.coords[0].person), "primary"},
			{g.pid(a.coords[1].person), "backup"},
		},
		OrgEditors: g.pids(a.orgEditors),
		OrgLeaders: g.pids(a.orgLeaders),
		Groups:     a.groups,
		Pages:      a.pages,
	}
	for _, u := range a.units {
		uj := unitJSON{ID: u.id, Name: u.name, Specialization: u.spec, Temporary: u.temporary}
		if u.approver >= 0 {
			uj.Approver = g.pid(u.approver)
		}
		uj.Editors, uj.Leaders = g.pids(u.editors), g.pids(u.leaders)
		aj.Units = append(aj.Units, uj)
	}
	aj.Staff = make([]staffJSON, len(a.staff))
	for i, s := range a.staff {
		sj := staffJSON{
			Person: g.pid(s.person), Unit: s.unit.id, Start: g.date(s.start),
			Functions: s.functions, ReportsTo: g.pids(s.reportsTo),
		}
		if sj.Functions == nil {
			sj.Functions = []string{}
		}
		if s.end != 0 {
			e := g.date(s.end)
			sj.End = &e
		}
		for _, o := range s.outs {
			oj := outJSON{Unit: o.unit.id, Start: g.date(o.start)}
			if o.end != 0 {
				oj.End = g.date(o.end)
			}
			sj.OutAssignments = append(sj.OutAssignments, oj)
		}
		aj.Staff[i] = sj
	}
	return aj
}

// siteDefaults are the templates of new departments and individuals (SPEC §2). They name
// no group or unit, which belong to one agency, only relative principals and functions.
func siteDefaults() map[string]templateJSON {
	e := func(p, r string, c ...string) entryJSON { return entryJSON{Principal: p, Role: r, Create: c} }
	return map[string]templateJSON{
		"department": {
			Security: []entryJSON{
				e("everyone", "reader"),
				e("dept_member", "editor", "dept_dialog", "dept_commitment", "item"),
				e("dept_editor", "editor", "dept_metric", "dept_dialog", "project", "dept_commitment", "item"),
				e("dept_leader", "full", "dept_metric", "dept_dialog", "project", "dept_commitment", "item"),
				e("org_leader", "full"),
				e("function:MAINT_SEC", "full"),
			},
			Defaults: map[string][]entryJSON{
				"dept_dialog":      {e("dept_member", "editor", "dept_dialog_task", "item"), e("dept_leader", "full", "dept_dialog_task", "item")},
				"dept_dialog_task": {e("dept_member", "reader"), e("person_responsible", "editor", "item")},
				"dept_metric":      {e("everyone", "reader"), e("metric_owner", "editor", "item"), e("dept_leader", "full")},
				"project":          {e("dept_member", "reader"), e("project_leader", "full", "project_metric", "project_task", "project_dialog", "item"), e("project_member", "editor", "project_task", "item")},
				"dept_commitment":  {e("dept_member", "reader"), e("dept_leader", "editor", "item")},
			},
		},
		"individual": {
			Security: []entryJSON{
				e("given_individual", "editor", "personal_task", "individual_dialog", "development_goal", "item"),
				e("reports_to", "full", "individual_metric", "personal_task", "basic_role", "individual_dialog", "individual_commitment", "development_goal", "performance_report", "item"),
				e("reports_to_above", "reader"),
				e("org_leader", "reader"),
			},
			Defaults: map[string][]entryJSON{
				"individual_dialog":      {e("given_individual", "editor", "individual_dialog_task", "item"), e("reports_to", "editor", "individual_dialog_task", "item")},
				"individual_dialog_task": {e("given_individual", "editor"), e("reports_to", "editor", "item")},
				"personal_task":          {e("given_individual", "editor", "item"), e("person_responsible", "editor"), e("reports_to_above", "reader")},
				"development_goal":       {e("given_individual", "editor"), e("reports_to", "editor")},
				"individual_metric":      {e("given_individual", "reader"), e("metric_owner", "editor", "item"), e("reports_to_above", "reader")},
			},
		},
	}
}
