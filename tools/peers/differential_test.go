package peers

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// The fixed seed set that go test (and make test) runs; each snapshot gets
// requestsPerSnapshot requests on its own day and whatIfRequests on two other days.
var diffSeeds = []int64{1, 2, 3}

const (
	requestsPerSnapshot = 10000
	whatIfRequests      = 2000
)

// coverage counts what the compared requests exercised, from connsec's reasons.
type coverage struct {
	forms    map[string]int // principal forms of applying entries
	roles    map[string]int
	reasons  map[string]int // reason kinds: creator, administrator, deny, fixed_rule, function …
	actions  map[string][2]int
	requests int
}

func newCoverage() *coverage {
	return &coverage{forms: map[string]int{}, roles: map[string]int{}, reasons: map[string]int{}, actions: map[string][2]int{}}
}

func actionClass(a string) string {
	switch {
	case a == "read" || a == "edit" || a == "manage_security":
		return a
	case strings.HasPrefix(a, "create:"):
		return "create"
	}
	return "capability"
}

// compare runs the requests through both engines and reports every disagreement with the
// request, both answers and connsec's reasons.
func compare(t *testing.T, p *pair, reqs []evaluator.Request, cov *coverage) {
	t.Helper()
	bad := 0
	for i, r := range reqs {
		want, err := p.model.Allowed(r)
		if err != nil {
			t.Errorf("%s: connsec refuses a valid request %+v: %v", p.name, r, err)
			continue
		}
		got, err := p.tr.Decide(r.Subject, r.Action, r.Resource)
		if err != nil {
			t.Fatalf("%s: %+v: %v", p.name, r, err)
		}
		cov.requests++
		c := cov.actions[actionClass(r.Action)]
		if want {
			c[1]++
		}
		c[0]++
		cov.actions[actionClass(r.Action)] = c
		// Reasons (and the level) for every page read, one request in four and every
		// disagreement: Check allocates, and the exhaustive runs are large.
		isRead := r.Action == "read" && strings.HasPrefix(r.Resource, "page:")
		if !isRead && i%4 != 0 && got == want {
			continue
		}
		d, err := p.model.Check(r)
		if err != nil {
			t.Fatalf("%s: Check %+v: %v", p.name, r, err)
		}
		if d.Allowed != want {
			t.Errorf("%s: connsec's Allowed (%v) and Check (%v) differ on %+v", p.name, want, d.Allowed, r)
		}
		for _, re := range d.Reasons {
			cov.reasons[re.Kind]++
			if re.Kind == "entry" {
				form, _, _ := strings.Cut(re.Principal, ":")
				cov.forms[form]++
				cov.roles[re.Role]++
			}
		}
		if isRead {
			compareLevel(t, p, r, d) // the level and create list, once per (person, page) in the exhaustive runs
		}
		if got == want {
			continue
		}
		bad++
		if bad <= 20 {
			reasons, _ := json.MarshalIndent(d.Reasons, "    ", "  ")
			t.Errorf("%s: DISAGREE on {subject %s, action %s, resource %s, as_of %q}: connsec %v (level %q), cedar %v\n    connsec reasons: %s",
				p.name, r.Subject, r.Action, r.Resource, r.AsOf, want, d.Level, got, reasons)
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d requests disagree", p.name, bad, len(reqs))
	}
}

// compareLevel compares connsec's level and create list on a page with what Cedar's
// decisions imply: reader/editor from read/edit, full from the level:full policy (on a page
// without own security no connsec action tells full from editor: manage_security is decided
// on the owner, step 8), denied from the forbid that decided, the create list from every
// create:K.
func compareLevel(t *testing.T, p *pair, r evaluator.Request, d evaluator.Decision) {
	t.Helper()
	id := strings.TrimPrefix(r.Resource, "page:")
	ask := func(action string) (bool, []string) {
		ok, why, err := p.tr.DecideWhy(r.Subject, action, r.Resource)
		if err != nil {
			t.Fatal(err)
		}
		return ok, why
	}
	read, why := ask("read")
	kind := p.tr.w.pages[id].Kind
	level := "none"
	switch {
	case slices.Contains(why, "administrator"):
		level = "full"
	case slices.Contains(why, "denied"):
		level = "denied"
	case read:
		level = "reader"
		if ok, _ := ask("edit"); ok {
			level = "editor"
			if ok, _ := ask("level:full"); ok {
				level = "full"
			}
		}
	}
	var create []string
	if level != "denied" {
		for _, k := range childKinds(kind) {
			if ok, _ := ask("create:" + k); ok {
				create = append(create, k)
			}
		}
	}
	want := string(d.Level)
	// connsec's Create names only kinds that may sit under this page (§4.1 step 7), as Cedar
	// is asked only of those: the lists are compared whole
	wantCreate := slices.Clone(d.Create)
	slices.Sort(wantCreate)
	slices.Sort(create)
	if level != want || !slices.Equal(create, wantCreate) {
		reasons, _ := json.MarshalIndent(d.Reasons, "    ", "  ")
		t.Errorf("%s: LEVEL DIFFERS on {subject %s, page %s, as_of %q}: connsec %s create %v, cedar %s create %v\n    connsec reasons: %s",
			p.name, r.Subject, id, r.AsOf, d.Level, d.Create, level, create, reasons)
	}
}

// checkInvalid: connsec answers malformed requests with an error, never a decision.
func checkInvalid(t *testing.T, p *pair, seed uint64) {
	t.Helper()
	for _, r := range invalidRequests(p.tr, seed) {
		if p.tr.Valid(r.Subject, r.Action, r.Resource) {
			t.Fatalf("the translation calls %+v valid", r)
		}
		if ok, err := p.model.Allowed(r); err == nil {
			t.Errorf("%s: connsec answers the invalid request %+v with %v instead of an error", p.name, r, ok)
		}
	}
}

// shiftDay moves a YYYY-MM-DD date by n days.
func shiftDay(day string, n int) string {
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		panic(err)
	}
	return d.AddDate(0, 0, n).Format("2006-01-02")
}

// differential compares one snapshot on its own day and on two what-if days (translated
// anew, since a translation holds one day).
func differential(t *testing.T, name string, data []byte, seed uint64, cov *coverage) {
	p := loadPair(t, name, data, "")
	compare(t, p, requests(p.tr, requestsPerSnapshot, seed, ""), cov)
	checkInvalid(t, p, seed)
	for i, shift := range []int{-75, 40} {
		day := shiftDay(p.tr.Day, shift)
		q := &pair{name: name + "@" + day, model: p.model}
		tr, err := Translate(data, day)
		if err != nil {
			t.Fatal(err)
		}
		q.tr = tr
		compare(t, q, requests(tr, whatIfRequests, seed+uint64(i)+100, day), cov)
	}
}

func (c *coverage) report(t *testing.T) {
	t.Helper()
	keys := func(m map[string]int) string {
		var ks []string
		for k, v := range m {
			ks = append(ks, fmt.Sprintf("%s=%d", k, v))
		}
		sort.Strings(ks)
		return strings.Join(ks, " ")
	}
	t.Logf("%d requests compared", c.requests)
	for _, a := range []string{"read", "edit", "manage_security", "create", "capability"} {
		t.Logf("  %-16s %6d requests, %6d allowed", a, c.actions[a][0], c.actions[a][1])
	}
	t.Logf("  applying entries by principal form: %s", keys(c.forms))
	t.Logf("  applying entries by role: %s", keys(c.roles))
	t.Logf("  reasons: %s", keys(c.reasons))
}

// Every principal form and role of SPEC §4.2 applied to some compared request.
var (
	allForms = []string{"everyone", "org_editor", "org_leader", "dept_member", "dept_editor", "dept_leader",
		"metric_owner", "person_responsible", "given_individual", "reports_to", "reports_to_above",
		"project_sponsor", "project_leader", "project_member", "project_consultant",
		"user", "group", "unit", "function"}
	allRoles   = []string{"reader", "editor", "full", "denied", "not_set"}
	allReasons = []string{"administrator", "creator", "deny", "fixed_rule", "function", "owner_page",
		"person_id_inactive", "no_active_staff_record"}
)

func (c *coverage) require(t *testing.T) {
	t.Helper()
	for _, list := range []struct {
		what string
		want []string
		got  map[string]int
	}{{"principal form", allForms, c.forms}, {"role", allRoles, c.roles}, {"reason", allReasons, c.reasons}} {
		for _, w := range list.want {
			if list.got[w] == 0 {
				t.Errorf("no compared request exercised the %s %q", list.what, w)
			}
		}
	}
}

// TestDifferentialGenerated: generated snapshots, every principal form and role, at least
// 10,000 requests each on the snapshot's day, and what-if days.
func TestDifferentialGenerated(t *testing.T) {
	cov := newCoverage()
	for _, seed := range diffSeeds {
		data := generated(t, gen.Options{Agencies: 3, Staff: 200, Pages: 1500, Seed: seed})
		differential(t, fmt.Sprintf("gen(seed %d)", seed), data, uint64(seed), cov)
	}
	cov.report(t)
	cov.require(t)
}

// TestDifferentialExample: the example snapshot, whose README names a rule per page.
func TestDifferentialExample(t *testing.T) {
	cov := newCoverage()
	differential(t, "example", exampleSnapshot(t), 7, cov)
	cov.report(t)
}

// TestDifferentialExampleAll: every person, page, action, capability and target of the
// example, on its day and on 2026-12-15 (p-1024's out-assignment has started).
func TestDifferentialExampleAll(t *testing.T) {
	data := exampleSnapshot(t)
	cov := newCoverage()
	for _, day := range []string{"", "2026-12-15"} {
		p := loadPair(t, "example(all)@"+day, data, day)
		reqs := allRequests(p.tr)
		for i := range reqs {
			reqs[i].AsOf = day
		}
		compare(t, p, reqs, cov)
	}
	cov.report(t)
	cov.require(t)
}
