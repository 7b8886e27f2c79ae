package gen_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// The snapshot as this test reads it back, independently of the generator's own types.
type doc struct {
	Format         string   `json:"format"`
	AsOf           string   `json:"as_of"`
	Administrators []string `json:"administrators"`
	Functions      []struct {
		Code       string `json:"code"`
		Build      string `json:"build"`
		Attributes []struct {
			Capability, Scope string
		} `json:"attributes"`
	} `json:"business_functions"`
	Builds []struct {
		ID string `json:"id"`
	} `json:"builds"`
	People []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		NT       string `json:"nt_account"`
		PersonID string `json:"person_id"`
	} `json:"people"`
	SiteDefaults map[string]struct {
		Security []entry            `json:"security"`
		Defaults map[string][]entry `json:"defaults"`
	} `json:"site_defaults"`
	Agencies []struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		Coordinators []struct{ Person, Role string }
		OrgEditors   []string `json:"org_editors"`
		OrgLeaders   []string `json:"org_leaders"`
		Groups       []struct {
			ID      string   `json:"id"`
			Members []string `json:"members"`
		} `json:"groups"`
		Units []struct {
			ID             string   `json:"id"`
			Specialization string   `json:"specialization"`
			Temporary      bool     `json:"temporary"`
			Approver       string   `json:"approver"`
			Editors        []string `json:"editors"`
			Leaders        []string `json:"leaders"`
		} `json:"units"`
		Staff []struct {
			Person    string   `json:"person"`
			Unit      string   `json:"unit"`
			Start     string   `json:"start"`
			End       *string  `json:"end"`
			Functions []string `json:"functions"`
			ReportsTo []string `json:"reports_to"`
			Outs      []struct {
				Unit, Start, End string
			} `json:"out_assignments"`
		} `json:"staff"`
		Pages []page `json:"pages"`
	} `json:"agencies"`
}

type entry struct {
	Principal string   `json:"principal"`
	Role      string   `json:"role"`
	Create    []string `json:"create"`
}

type page struct {
	ID          string              `json:"id"`
	Kind        string              `json:"kind"`
	Parent      *string             `json:"parent"`
	Title       string              `json:"title"`
	CreatedBy   string              `json:"created_by"`
	Unit        string              `json:"unit"`
	Person      string              `json:"person"`
	Roles       map[string][]string `json:"roles"`
	Owners      []string            `json:"owners"`
	Responsible []string            `json:"responsible"`
	Security    []entry             `json:"security"`
	Defaults    map[string][]entry  `json:"defaults"`
}

// SPEC §3, written out again here so that the test does not trust the generator's table.
var children = map[string]string{
	"organization":      "org_metric org_dialog project org_commitment department individual",
	"department":        "dept_metric dept_dialog project dept_commitment",
	"project":           "project_metric project_task project_dialog",
	"individual":        "individual_metric personal_task basic_role individual_dialog individual_commitment development_goal performance_report",
	"org_dialog":        "org_dialog_task",
	"dept_dialog":       "dept_dialog_task",
	"project_dialog":    "project_dialog_task",
	"individual_dialog": "individual_dialog_task",
	"basic_role":        "basic_role_task",
}

var defaultKeys = map[string]string{
	"organization": "org_metric org_dialog org_dialog_task project org_commitment department individual",
	"department":   "dept_metric dept_dialog dept_dialog_task project dept_commitment",
	"project":      "project_metric project_task project_dialog project_dialog_task",
	"individual":   "individual_metric personal_task basic_role basic_role_task individual_dialog individual_dialog_task individual_commitment development_goal",
}

var allKinds = strings.Fields("organization department project individual org_metric dept_metric project_metric individual_metric " +
	"org_dialog dept_dialog project_dialog individual_dialog org_dialog_task dept_dialog_task project_dialog_task individual_dialog_task " +
	"basic_role basic_role_task project_task personal_task org_commitment dept_commitment individual_commitment development_goal performance_report item")

func childAllowed(parent, child string) bool {
	return child == "item" || slices.Contains(strings.Fields(children[parent]), child)
}

func hasOwnSecurity(k string) bool {
	return k == "organization" || k == "department" || k == "project" || k == "individual" || strings.HasSuffix(k, "_metric")
}

func generate(t testing.TB, o gen.Options) []byte {
	t.Helper()
	b, err := gen.Generate(o)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", o, err)
	}
	return b
}

func parse(t testing.TB, b []byte) *doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("the output is not the expected JSON: %v", err)
	}
	return &d
}

var sizes = []gen.Options{
	{Agencies: 1, Staff: 5, Pages: 2, Seed: 1},
	{Agencies: 1, Staff: 12, Pages: 9, Seed: 2},
	{Agencies: 2, Staff: 40, Pages: 100, Seed: 3},
	{Agencies: 3, Staff: 300, Pages: 3000, Seed: 4},
	{Agencies: 4, Staff: 1000, Pages: 4000, Seed: 5, AsOf: "2028-02-29"},
	{Agencies: 7, Staff: 700, Pages: 20000, Seed: -6},
	{Agencies: 60, Staff: 2000, Pages: 6000, Seed: 7},
}

func TestDeterministic(t *testing.T) {
	o := gen.Options{Agencies: 3, Staff: 400, Pages: 4000, Seed: 42}
	a, b := generate(t, o), generate(t, o)
	if !bytes.Equal(a, b) {
		t.Fatal("the same options gave different bytes")
	}
	o.Seed = 43
	if c := generate(t, o); bytes.Equal(a, c) {
		t.Fatal("another seed gave the same bytes")
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []gen.Options{
		{Agencies: -1},
		{Agencies: 3, Staff: 14, Pages: 100},
		{Agencies: 3, Staff: 100, Pages: 5},
		{AsOf: "2026-02-30"},
		{AsOf: "26-11-22"},
	} {
		if _, err := gen.Generate(o); err == nil {
			t.Errorf("Generate(%+v) accepted bad options", o)
		}
	}
	d := parse(t, generate(t, gen.Options{}))
	if len(d.Agencies) != 3 || d.AsOf != "2026-11-22" {
		t.Errorf("defaults: %d agencies, as_of %s", len(d.Agencies), d.AsOf)
	}
}

func TestCountsAndRules(t *testing.T) {
	for _, o := range sizes {
		t.Run(fmt.Sprintf("%d-%d-%d", o.Agencies, o.Staff, o.Pages), func(t *testing.T) {
			d := parse(t, generate(t, o))
			staff, pages := 0, 0
			for _, a := range d.Agencies {
				staff += len(a.Staff)
				pages += len(a.Pages)
			}
			if len(d.Agencies) != o.Agencies || staff != o.Staff || pages != o.Pages {
				t.Fatalf("asked %d agencies, %d staff, %d pages; got %d, %d, %d", o.Agencies, o.Staff, o.Pages, len(d.Agencies), staff, pages)
			}
			for _, p := range check(d) {
				t.Error(p)
			}
		})
	}
}

// check verifies the rules of SPEC §1–4 the generator promises, independently of the loader.
func check(d *doc) (problems []string) {
	bad := func(format string, args ...any) {
		if len(problems) < 30 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	idRE := regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	ids := map[string]bool{}
	claim := func(id string) {
		if !idRE.MatchString(id) {
			bad("bad id %q", id)
		}
		if ids[id] {
			bad("duplicate id %q", id)
		}
		ids[id] = true
	}
	day := func(s string) time.Time {
		t, err := time.Parse("2006-01-02", s)
		if err != nil || len(s) != 10 {
			bad("bad date %q", s)
		}
		return t
	}
	if d.Format != "connsec.snapshot/v1" {
		bad("format %q", d.Format)
	}
	asOf := day(d.AsOf)
	active := func(start string, end *string) bool {
		return !day(start).After(asOf) && (end == nil || day(*end).After(asOf))
	}
	status := map[string]string{}
	for _, p := range d.People {
		claim(p.ID)
		status[p.ID] = p.PersonID
		if p.Name == "" || p.NT == "" {
			bad("person %s without name or nt_account", p.ID)
		}
	}
	fns := map[string]bool{}
	for _, f := range d.Functions {
		fns[f.Code] = true
		if !slices.ContainsFunc(d.Builds, func(b struct {
			ID string `json:"id"`
		}) bool {
			return b.ID == f.Build
		}) {
			bad("function %s of unknown build %s", f.Code, f.Build)
		}
	}
	if len(d.Functions) < 18 {
		bad("only %d business functions", len(d.Functions))
	}
	activeIn := map[string]int{} // person → active records anywhere
	hasRecord := map[string]bool{}
	for _, a := range d.Agencies {
		claim(a.ID)
		for _, u := range a.Units {
			claim(u.ID)
		}
		for _, g := range a.Groups {
			claim(g.ID)
		}
		for _, p := range a.Pages {
			claim(p.ID)
		}
	}
	known := func(p, where string) {
		if _, ok := status[p]; !ok {
			bad("%s: unknown person %q", where, p)
		}
	}
	for _, p := range d.Administrators {
		known(p, "administrators")
		if status[p] != "active" {
			bad("administrator %s is %s", p, status[p])
		}
	}
	seenForms, seenRoles := map[string]bool{}, map[string]bool{}
	checkSection := func(es []entry, governed string, agency int, where string) {
		seen := map[string]bool{}
		for _, e := range es {
			if seen[e.Principal] {
				bad("%s: principal %s twice", where, e.Principal)
			}
			seen[e.Principal] = true
			if !slices.Contains([]string{"reader", "editor", "full", "denied", "not_set"}, e.Role) {
				bad("%s: role %q", where, e.Role)
			}
			seenRoles[e.Role] = true
			for _, k := range e.Create {
				if !childAllowed(governed, k) {
					bad("%s: create %s is not a child kind of %s", where, k, governed)
				}
			}
			form, ref, _ := strings.Cut(e.Principal, ":")
			seenForms[form] = true
			switch form {
			case "user":
				known(ref, where)
			case "group", "unit":
				if agency < 0 {
					bad("%s: site default names %s", where, e.Principal)
					continue
				}
				a := d.Agencies[agency]
				ok := false
				for _, g := range a.Groups {
					ok = ok || form == "group" && g.ID == ref
				}
				for _, u := range a.Units {
					ok = ok || form == "unit" && u.ID == ref
				}
				if !ok {
					bad("%s: %s is not of the page's agency", where, e.Principal)
				}
			case "function":
				if !fns[ref] {
					bad("%s: unknown function %s", where, ref)
				}
			case "everyone", "org_editor", "org_leader", "dept_member", "dept_editor", "dept_leader", "metric_owner",
				"person_responsible", "given_individual", "reports_to", "reports_to_above",
				"project_sponsor", "project_leader", "project_member", "project_consultant":
				if ref != "" {
					bad("%s: principal %q", where, e.Principal)
				}
			default:
				bad("%s: principal %q", where, e.Principal)
			}
		}
	}
	for k, tpl := range d.SiteDefaults {
		if k != "department" && k != "individual" {
			bad("site_defaults.%s", k)
		}
		checkSection(tpl.Security, k, -1, "site_defaults."+k)
		for dk, es := range tpl.Defaults {
			if !slices.Contains(strings.Fields(defaultKeys[k]), dk) {
				bad("site_defaults.%s.defaults.%s not allowed", k, dk)
			}
			checkSection(es, dk, -1, "site_defaults."+k+"."+dk)
		}
	}
	for ai, a := range d.Agencies {
		units := map[string]bool{}
		temporary := map[string]bool{}
		for _, u := range a.Units {
			units[u.ID] = true
			temporary[u.ID] = u.Temporary
		}
		if !slices.ContainsFunc(a.Units, func(u struct {
			ID             string   `json:"id"`
			Specialization string   `json:"specialization"`
			Temporary      bool     `json:"temporary"`
			Approver       string   `json:"approver"`
			Editors        []string `json:"editors"`
			Leaders        []string `json:"leaders"`
		}) bool {
			return u.Temporary
		}) {
			bad("%s has no temporary unit", a.ID)
		}
		// staff: references, dates, no overlap in the agency, managers with a record here
		recs := map[string][][2]time.Time{}
		activeHere := map[string]bool{}
		activeUnit := map[string]string{}
		outUnits := map[string][]string{}
		for si, s := range a.Staff {
			where := fmt.Sprintf("%s.staff[%d]", a.ID, si)
			known(s.Person, where)
			hasRecord[s.Person] = true
			if !units[s.Unit] {
				bad("%s: unit %s is not of the agency", where, s.Unit)
			}
			start, end := day(s.Start), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
			if s.End != nil {
				end = day(*s.End)
			}
			if !end.After(start) {
				bad("%s: ends before it starts", where)
			}
			for _, r := range recs[s.Person] {
				if start.Before(r[1]) && r[0].Before(end) {
					bad("%s: overlaps another record of %s", where, s.Person)
				}
			}
			recs[s.Person] = append(recs[s.Person], [2]time.Time{start, end})
			if active(s.Start, s.End) {
				activeIn[s.Person]++
				activeHere[s.Person] = true
				activeUnit[s.Person] = s.Unit
			}
			for _, f := range s.Functions {
				if !fns[f] {
					bad("%s: unknown function %s", where, f)
				}
			}
			for _, o := range s.Outs {
				if !units[o.Unit] || temporary[o.Unit] || o.Unit == s.Unit {
					bad("%s: out-assignment to %s", where, o.Unit)
				}
				if o.End != "" && !day(o.End).After(day(o.Start)) {
					bad("%s: out-assignment ends before it starts", where)
				}
				var oEnd *string
				if o.End != "" {
					oEnd = &o.End
				}
				if active(o.Start, oEnd) {
					outUnits[s.Person] = append(outUnits[s.Person], o.Unit)
				}
			}
		}
		graph := map[string][]string{}
		for si, s := range a.Staff {
			for _, m := range s.ReportsTo {
				if recs[m] == nil {
					bad("%s.staff[%d]: manager %s has no record in the agency", a.ID, si, m)
				}
				graph[s.Person] = append(graph[s.Person], m)
			}
		}
		if c := cycle(graph); c != "" {
			bad("%s: reports_to cycle through %s", a.ID, c)
		}
		primary, backup := 0, 0
		for _, c := range a.Coordinators {
			if !activeHere[c.Person] {
				bad("%s: coordinator %s is not active staff", a.ID, c.Person)
			}
			switch c.Role {
			case "primary":
				primary++
			case "backup":
				backup++
			}
		}
		if primary != 1 || backup != 1 {
			bad("%s: %d primary and %d backup coordinators", a.ID, primary, backup)
		}
		member := func(p, u string) bool { return activeUnit[p] == u || slices.Contains(outUnits[p], u) }
		for _, u := range a.Units {
			if u.Approver != "" && !member(u.Approver, u.ID) {
				bad("%s: approver %s is not a member", u.ID, u.Approver)
			}
			for _, p := range append(slices.Clone(u.Editors), u.Leaders...) {
				if !member(p, u.ID) {
					bad("%s: editor or leader %s is not a member", u.ID, p)
				}
			}
		}
		for _, p := range append(slices.Clone(a.OrgEditors), a.OrgLeaders...) {
			if !activeHere[p] {
				bad("%s: org editor or leader %s is not active", a.ID, p)
			}
		}
		for _, g := range a.Groups {
			for _, m := range g.Members {
				known(m, g.ID)
			}
		}
		// pages
		byID := map[string]*page{}
		for i := range a.Pages {
			byID[a.Pages[i].ID] = &a.Pages[i]
		}
		orgs, depts := 0, map[string]bool{}
		for pi := range a.Pages {
			p := &a.Pages[pi]
			where := fmt.Sprintf("%s.pages[%d] (%s)", a.ID, pi, p.Kind)
			if !slices.Contains(allKinds, p.Kind) {
				bad("%s: kind %q", where, p.Kind)
			}
			if p.Title == "" {
				bad("%s: no title", where)
			}
			if p.Kind == "organization" {
				orgs++
				if p.Parent != nil {
					bad("%s: organization with a parent", where)
				}
			} else if p.Parent == nil || byID[*p.Parent] == nil {
				bad("%s: parent is not a page of the agency", where)
			} else if parent := byID[*p.Parent]; !childAllowed(parent.Kind, p.Kind) {
				bad("%s: a %s under a %s", where, p.Kind, parent.Kind)
			}
			if p.CreatedBy != "" && recs[p.CreatedBy] == nil {
				bad("%s: created_by %s has no record in the agency", where, p.CreatedBy)
			}
			if hasOwnSecurity(p.Kind) {
				if len(p.Security) == 0 {
					bad("%s: no security", where)
				}
				checkSection(p.Security, p.Kind, ai, where+".security")
				for k, es := range p.Defaults {
					if !slices.Contains(strings.Fields(defaultKeys[p.Kind]), k) {
						bad("%s: default section %s not allowed", where, k)
					}
					if es == nil {
						bad("%s: default section %s is null", where, k)
					}
					checkSection(es, k, ai, where+".defaults."+k)
				}
			} else if p.Security != nil || p.Defaults != nil {
				bad("%s: security on a kind without own security", where)
			}
			switch {
			case p.Kind == "department":
				if !units[p.Unit] || temporary[p.Unit] || depts[p.Unit] {
					bad("%s: unit %q", where, p.Unit)
				}
				depts[p.Unit] = true
			case p.Kind == "individual":
				if recs[p.Person] == nil {
					bad("%s: person %q has no record in the agency", where, p.Person)
				}
			case p.Kind == "project":
				for _, r := range []string{"sponsor", "leader", "member", "consultant"} {
					if _, ok := p.Roles[r]; !ok {
						bad("%s: no %s role list", where, r)
					}
					for _, x := range p.Roles[r] {
						known(x, where)
					}
				}
			case strings.HasSuffix(p.Kind, "_metric"):
				if len(p.Owners) == 0 {
					bad("%s: no owners", where)
				}
				for _, x := range p.Owners {
					known(x, where)
				}
			case strings.HasSuffix(p.Kind, "_task"):
				if len(p.Responsible) == 0 {
					bad("%s: no responsible", where)
				}
				for _, x := range p.Responsible {
					known(x, where)
				}
			}
		}
		if orgs != 1 {
			bad("%s: %d organization pages", a.ID, orgs)
		}
		parents := map[string][]string{}
		for _, p := range a.Pages {
			if p.Parent != nil {
				parents[p.ID] = []string{*p.Parent}
			}
		}
		if c := cycle(parents); c != "" {
			bad("%s: page parent cycle through %s", a.ID, c)
		}
	}
	for p, n := range activeIn {
		if n > 1 {
			bad("%s has %d active records", p, n)
		}
	}
	for _, p := range d.People {
		if p.PersonID != "active" && activeIn[p.ID] > 0 {
			bad("%s is %s but has an active record", p.ID, p.PersonID)
		}
	}
	for _, p := range d.Administrators {
		if hasRecord[p] {
			bad("administrator %s has a staff record", p)
		}
	}
	// a large enough snapshot uses every principal form and every role
	if len(d.People) > 200 {
		for _, f := range []string{"everyone", "org_editor", "org_leader", "dept_member", "dept_editor", "dept_leader",
			"metric_owner", "person_responsible", "given_individual", "reports_to", "reports_to_above",
			"project_sponsor", "project_leader", "project_member", "project_consultant", "user", "group", "unit", "function"} {
			if !seenForms[f] {
				bad("no entry names a %s principal", f)
			}
		}
		for _, r := range []string{"reader", "editor", "full", "denied", "not_set"} {
			if !seenRoles[r] {
				bad("no entry has the role %s", r)
			}
		}
	}
	return problems
}

// cycle returns a node on a cycle of the graph, or "".
func cycle(g map[string][]string) string {
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var visit func(n string) string
	visit = func(n string) string {
		switch state[n] {
		case visiting:
			return n
		case done:
			return ""
		}
		state[n] = visiting
		for _, m := range g[n] {
			if c := visit(m); c != "" {
				return c
			}
		}
		state[n] = done
		return ""
	}
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if c := visit(k); c != "" {
			return c
		}
	}
	return ""
}

// TestMix checks the shape of a benchmark-sized snapshot: shares of record kinds and pages.
func TestMix(t *testing.T) {
	if testing.Short() {
		t.Skip("large snapshot")
	}
	d := parse(t, generate(t, gen.Options{Agencies: 10, Staff: 5000, Pages: 50000, Seed: 1}))
	asOf := d.AsOf
	var ended, future, temp, outs, multi, entries int
	records := map[string]int{}
	kinds := map[string]int{}
	for _, a := range d.Agencies {
		tmp := map[string]bool{}
		for _, u := range a.Units {
			tmp[u.ID] = u.Temporary
		}
		for _, s := range a.Staff {
			records[s.Person]++
			switch {
			case s.End != nil && *s.End <= asOf:
				ended++
			case s.Start > asOf:
				future++
			case tmp[s.Unit]:
				temp++
			}
			outs += len(s.Outs)
		}
		for _, p := range a.Pages {
			kinds[p.Kind]++
			entries += len(p.Security)
			for _, es := range p.Defaults {
				entries += len(es)
			}
		}
	}
	for _, n := range records {
		if n > 1 {
			multi++
		}
	}
	disabled := 0
	for _, p := range d.People {
		if p.PersonID != "active" {
			disabled++
		}
	}
	t.Logf("records: %d ended, %d future, %d temporary, %d out-assignments, %d people with two records, %d inactive Person IDs", ended, future, temp, outs, multi, disabled)
	t.Logf("pages by kind: %v; %d entries", kinds, entries)
	within := func(what string, n, lo, hi int) {
		if n < lo || n > hi {
			t.Errorf("%s: %d, want %d..%d", what, n, lo, hi)
		}
	}
	within("end-dated records", ended, 200, 300)
	within("future starts", future, 20, 80)
	within("temporary unit records", temp, 200, 300)
	within("out-assignments", outs, 200, 1000)
	within("people with two records", multi, 20, 200)
	within("inactive Person IDs", disabled, 5, 100)
	for _, k := range allKinds {
		if kinds[k] == 0 {
			t.Errorf("no page of kind %s", k)
		}
	}
}

// TestLoads loads generated snapshots of several seeds and sizes with the real loader.
func TestLoads(t *testing.T) {
	for _, o := range sizes {
		for _, seed := range []int64{o.Seed, o.Seed + 100} {
			o.Seed = seed
			b := generate(t, o)
			_, err := evaluator.Load(b)
			if err == nil {
				continue
			}
			var se *evaluator.SnapshotError
			if !errors.As(err, &se) {
				t.Errorf("%+v: %v", o, err)
				continue
			}
			t.Errorf("%+v: refused with %d problems", o, len(se.Problems))
			for i, p := range se.Problems {
				if i == 20 {
					break
				}
				t.Errorf("  %s", p)
			}
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	o := gen.Options{Agencies: 10, Staff: 5000, Pages: 50000, Seed: 1}
	var n int
	for b.Loop() {
		out, err := gen.Generate(o)
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
}

func BenchmarkLoadGenerated(b *testing.B) {
	data, err := gen.Generate(gen.Options{Agencies: 10, Staff: 5000, Pages: 50000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := evaluator.Load(data); err != nil {
			b.Fatal(err)
		}
	}
}
