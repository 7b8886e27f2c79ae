package evaluator_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// Property tests on generated snapshots (issue 2, SPEC §3–4, §8): who and what agree with
// check person by person and page by page, levels are monotone in the actions they allow,
// Allowed and Check agree, and the snapshot's own day is the default day. Seeds are fixed,
// so a failure always comes back the same.

// snapInfo is what the tests need to know of a snapshot, read from the document itself (not
// from the model under test).
type snapInfo struct {
	asOf         string
	people       []string
	status       map[string]string // person → person_id status
	admins       map[string]bool
	pages        []pageInfo // in snapshot order: agencies, then their pages
	pageIdx      map[string]int
	agencies     []string
	units        []string
	capabilities []string
}

// randomTarget is a capability target of the snapshot: an agency, a unit or a person.
func randomTarget(rng *rand.Rand, info *snapInfo) string {
	switch rng.IntN(3) {
	case 0:
		return "agency:" + info.agencies[rng.IntN(len(info.agencies))]
	case 1:
		return "unit:" + info.units[rng.IntN(len(info.units))]
	default:
		return "person:" + info.people[rng.IntN(len(info.people))]
	}
}

type pageInfo struct {
	id, kind, parent, agency string
}

func readSnapInfo(data []byte) (*snapInfo, error) {
	if !gjson.ValidBytes(data) {
		return nil, errors.New("the snapshot is not JSON")
	}
	doc := gjson.ParseBytes(data)
	s := &snapInfo{asOf: doc.Get("as_of").Str, status: map[string]string{}, admins: map[string]bool{}, pageIdx: map[string]int{}}
	doc.Get("people").ForEach(func(_, p gjson.Result) bool {
		id := p.Get("id").Str
		s.people = append(s.people, id)
		st := p.Get("person_id").Str
		if st == "" {
			st = "active"
		}
		s.status[id] = st
		return true
	})
	doc.Get("administrators").ForEach(func(_, a gjson.Result) bool {
		s.admins[a.Str] = true
		return true
	})
	caps := map[string]bool{}
	doc.Get("business_functions.#.attributes.#.capability").ForEach(func(_, list gjson.Result) bool {
		list.ForEach(func(_, c gjson.Result) bool {
			caps[c.Str] = true
			return true
		})
		return true
	})
	for c := range caps {
		s.capabilities = append(s.capabilities, c)
	}
	sort.Strings(s.capabilities)
	doc.Get("agencies").ForEach(func(_, a gjson.Result) bool {
		ag := a.Get("id").Str
		s.agencies = append(s.agencies, ag)
		a.Get("units").ForEach(func(_, u gjson.Result) bool {
			s.units = append(s.units, u.Get("id").Str)
			return true
		})
		a.Get("pages").ForEach(func(_, p gjson.Result) bool {
			pi := pageInfo{id: p.Get("id").Str, kind: p.Get("kind").Str, parent: p.Get("parent").Str, agency: ag}
			s.pageIdx[pi.id] = len(s.pages)
			s.pages = append(s.pages, pi)
			return true
		})
		return true
	})
	if len(s.people) == 0 || len(s.pages) == 0 || len(s.capabilities) == 0 {
		return nil, fmt.Errorf("the snapshot has %d people, %d pages and %d capabilities", len(s.people), len(s.pages), len(s.capabilities))
	}
	return s, nil
}

// The kind table of SPEC §3, written out again so that the tests do not trust the evaluator's.
var (
	specChildren = map[string][]string{
		"organization":       {"org_metric", "org_dialog", "project", "org_commitment", "department", "individual"},
		"department":         {"dept_metric", "dept_dialog", "project", "dept_commitment"},
		"project":            {"project_metric", "project_task", "project_dialog"},
		"individual":         {"individual_metric", "personal_task", "basic_role", "individual_dialog", "individual_commitment", "development_goal", "performance_report"},
		"org_dialog":         {"org_dialog_task"},
		"dept_dialog":        {"dept_dialog_task"},
		"project_dialog":     {"project_dialog_task"},
		"individual_dialog":  {"individual_dialog_task"},
		"basic_role":         {"basic_role_task"},
		"performance_report": {},
	}
	specOwnSecurity = map[string]bool{
		"organization": true, "department": true, "project": true, "individual": true,
		"org_metric": true, "dept_metric": true, "project_metric": true, "individual_metric": true,
	}
	specKinds = []string{
		"organization", "department", "project", "individual",
		"org_metric", "dept_metric", "project_metric", "individual_metric",
		"org_dialog", "dept_dialog", "project_dialog", "individual_dialog",
		"org_dialog_task", "dept_dialog_task", "project_dialog_task", "individual_dialog_task",
		"basic_role", "basic_role_task", "project_task", "personal_task",
		"org_commitment", "dept_commitment", "individual_commitment",
		"development_goal", "performance_report", "item",
	}
)

// childKinds: the kinds that may be created under a page of kind k (item under every kind).
func childKinds(k string) []string {
	return append(slices.Clone(specChildren[k]), "item")
}

// pageActions: every action on a page of kind k, the create kinds that fit included.
func pageActions(k string) []string {
	acts := []string{"read", "edit", "manage_security"}
	for _, c := range childKinds(k) {
		acts = append(acts, "create:"+c)
	}
	return acts
}

// underPerformanceReport: a performance report, or an item below one (SPEC §4.6).
func (s *snapInfo) underPerformanceReport(x int) bool {
	for {
		p := s.pages[x]
		if p.kind == "performance_report" {
			return true
		}
		if p.kind != "item" || p.parent == "" {
			return false
		}
		x = s.pageIdx[p.parent]
	}
}

// sectionOwner: the nearest page at or above x with security of its own, which owns the
// section that governs x (SPEC §3, §4.1 step 8).
func (s *snapInfo) sectionOwner(x int) int {
	for !specOwnSecurity[s.pages[x].kind] {
		x = s.pageIdx[s.pages[x].parent]
	}
	return x
}

// samplePages draws up to perKind pages of every kind, so that rare kinds are covered too.
func (s *snapInfo) samplePages(rng *rand.Rand, perKind int) []int {
	byKind := map[string][]int{}
	for x, p := range s.pages {
		byKind[p.kind] = append(byKind[p.kind], x)
	}
	var out []int
	for _, k := range specKinds {
		xs := slices.Clone(byKind[k])
		rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		out = append(out, xs[:min(perKind, len(xs))]...)
	}
	return out
}

// samplePeople draws n people, with every administrator and every person whose Person ID is
// not active among them.
func (s *snapInfo) samplePeople(rng *rand.Rand, n int) []string {
	var out []string
	for _, p := range s.people {
		if s.admins[p] || s.status[p] != "active" {
			out = append(out, p)
		}
	}
	out = out[:min(len(out), n/2)]
	for len(out) < n && len(out) < len(s.people) {
		p := s.people[rng.IntN(len(s.people))]
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// propSnap is one snapshot under test.
type propSnap struct {
	name string
	m    *evaluator.Model
	info *snapInfo
	// how many pages per kind and people the heavy properties sample
	pagesPerKind, people int
}

var (
	propMu    sync.Mutex
	propCache = map[string]*propSnap{}
)

func propLoad(t *testing.T, name string, data []byte, pagesPerKind, people int) *propSnap {
	t.Helper()
	m, err := evaluator.Load(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	info, err := readSnapInfo(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if m.AsOf() != info.asOf {
		t.Fatalf("%s: the model's day %q is not the document's %q", name, m.AsOf(), info.asOf)
	}
	return &propSnap{name: name, m: m, info: info, pagesPerKind: pagesPerKind, people: people}
}

// propSnaps: three small generated snapshots (one on another day), the example, and a
// bigger generated one of which only a small sample is taken. Each is built once.
func propSnaps(t *testing.T) []*propSnap {
	t.Helper()
	propMu.Lock()
	defer propMu.Unlock()
	type spec struct {
		name          string
		opts          gen.Options
		perKind, ppl  int
		exampleOnDisk bool
	}
	specs := []spec{
		{name: "example", exampleOnDisk: true, perKind: 6, ppl: 16},
		{name: "gen-3x300x3000-seed1", opts: gen.Options{Agencies: 3, Staff: 300, Pages: 3000, Seed: 1}, perKind: 4, ppl: 10},
		{name: "gen-2x200x2000-seed2-2025", opts: gen.Options{Agencies: 2, Staff: 200, Pages: 2000, Seed: 2, AsOf: "2025-06-30"}, perKind: 3, ppl: 8},
		{name: "gen-4x400x3000-seed3", opts: gen.Options{Agencies: 4, Staff: 400, Pages: 3000, Seed: 3}, perKind: 2, ppl: 6},
		{name: "gen-8x2000x20000-seed4", opts: gen.Options{Agencies: 8, Staff: 2000, Pages: 20000, Seed: 4}, perKind: 0, ppl: 0},
	}
	var out []*propSnap
	for _, sp := range specs {
		if s, ok := propCache[sp.name]; ok {
			out = append(out, s)
			continue
		}
		var data []byte
		var err error
		if sp.exampleOnDisk {
			data, err = os.ReadFile("../fixtures/example/snapshot.json")
		} else {
			data, err = gen.Generate(sp.opts)
		}
		if err != nil {
			t.Fatalf("%s: %v", sp.name, err)
		}
		s := propLoad(t, sp.name, data, sp.perKind, sp.ppl)
		propCache[sp.name] = s
		out = append(out, s)
	}
	return out
}

func requestCode(err error) string {
	if err == nil {
		return ""
	}
	var re *evaluator.RequestError
	if errors.As(err, &re) {
		return re.Code
	}
	return "not a *RequestError: " + err.Error()
}

// checkAll decides the action on the resource for every person of the snapshot.
func checkAll(t *testing.T, s *propSnap, action, resource string) map[string]evaluator.Decision {
	t.Helper()
	out := map[string]evaluator.Decision{}
	for _, p := range s.info.people {
		d, err := s.m.Check(evaluator.Request{Subject: p, Action: action, Resource: resource})
		if err != nil {
			t.Fatalf("%s: check %s %s %s: %v", s.name, p, action, resource, err)
		}
		if d.Allowed {
			out[p] = d
		}
	}
	return out
}

// compareWho asserts that who lists exactly the people check allows, each once, sorted by
// person id, with check's level and a reason.
func compareWho(t *testing.T, s *propSnap, action, resource string, page bool) {
	t.Helper()
	rows, err := s.m.Who(action, resource, "")
	if err != nil {
		t.Fatalf("%s: who %s %s: %v", s.name, action, resource, err)
	}
	allowed := checkAll(t, s, action, resource)
	seen := map[string]bool{}
	for i, r := range rows {
		if i > 0 && rows[i-1].Person >= r.Person {
			t.Errorf("%s: who %s %s: rows not sorted by person id (%s before %s)", s.name, action, resource, rows[i-1].Person, r.Person)
		}
		if seen[r.Person] {
			t.Errorf("%s: who %s %s lists %s twice", s.name, action, resource, r.Person)
		}
		seen[r.Person] = true
		d, ok := allowed[r.Person]
		if !ok {
			t.Errorf("%s: who %s %s lists %s, whom check does not allow", s.name, action, resource, r.Person)
			continue
		}
		if r.Reason == "" {
			t.Errorf("%s: who %s %s: the row of %s has no reason", s.name, action, resource, r.Person)
		}
		if page {
			if r.Level != d.Level {
				t.Errorf("%s: who %s %s: %s at level %s, check says %s", s.name, action, resource, r.Person, r.Level, d.Level)
			}
			if "page:"+r.Page != resource {
				t.Errorf("%s: who %s %s: the row of %s names the page %q", s.name, action, resource, r.Person, r.Page)
			}
		}
	}
	for p := range allowed {
		if !seen[p] {
			t.Errorf("%s: check allows %s to %s %s, but who leaves them out", s.name, p, action, resource)
		}
	}
}

// TestPropertyWhoEqualsCheck: for sampled pages and every page action (create kinds that fit
// included), who lists exactly the people for whom check allows it, at check's level; a
// create kind that does not fit is the same error for who, check and Allowed. Capability
// targets likewise.
func TestPropertyWhoEqualsCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pairs := 0
	for _, s := range propSnaps(t) {
		pages := s.info.samplePages(rng, s.pagesPerKind)
		if s.pagesPerKind == 0 { // the bigger snapshot: a few random pages, read and edit only
			for range 6 {
				pages = append(pages, rng.IntN(len(s.info.pages)))
			}
		}
		for _, x := range pages {
			pg := s.info.pages[x]
			res := "page:" + pg.id
			acts := pageActions(pg.kind)
			if s.pagesPerKind == 0 {
				acts = acts[:2]
			}
			for _, a := range acts {
				compareWho(t, s, a, res, true)
				pairs++
			}
			// a create kind that cannot hang under this page
			var misfits []string
			for _, k := range specKinds {
				if !slices.Contains(childKinds(pg.kind), k) {
					misfits = append(misfits, k)
				}
			}
			a := "create:" + misfits[rng.IntN(len(misfits))]
			_, werr := s.m.Who(a, res, "")
			_, cerr := s.m.Check(evaluator.Request{Subject: s.info.people[0], Action: a, Resource: res})
			_, aerr := s.m.Allowed(evaluator.Request{Subject: s.info.people[0], Action: a, Resource: res})
			for what, err := range map[string]error{"who": werr, "check": cerr, "allowed": aerr} {
				if requestCode(err) != evaluator.CodeInvalidValue {
					t.Errorf("%s: %s %s %s: want an invalid_value error, got %v", s.name, what, a, res, err)
				}
			}
		}
		if s.pagesPerKind == 0 {
			continue
		}
		// capability targets
		for range 12 {
			c := s.info.capabilities[rng.IntN(len(s.info.capabilities))]
			res := randomTarget(rng, s.info)
			compareWho(t, s, c, res, false)
		}
	}
	t.Logf("%d page/action pairs compared person by person", pairs)
}

// TestPropertyWhatEqualsCheck: for sampled people, what lists exactly the pages check allows
// them, in snapshot order, at check's level.
func TestPropertyWhatEqualsCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	actions := []string{"read", "edit", "manage_security", "create:item", "create:project", "create:individual_dialog_task"}
	for _, s := range propSnaps(t) {
		if s.people == 0 {
			continue
		}
		for _, p := range s.info.samplePeople(rng, s.people) {
			for _, a := range actions {
				rows, err := s.m.What(p, a, "")
				if err != nil {
					t.Fatalf("%s: what %s %s: %v", s.name, p, a, err)
				}
				got := map[string]evaluator.Level{}
				last := -1
				for _, r := range rows {
					x, ok := s.info.pageIdx[r.Page]
					if !ok {
						t.Fatalf("%s: what %s %s lists an unknown page %q", s.name, p, a, r.Page)
					}
					if x <= last {
						t.Errorf("%s: what %s %s: %s is out of snapshot order", s.name, p, a, r.Page)
					}
					last = x
					if r.Person != p || r.Reason == "" {
						t.Errorf("%s: what %s %s: row %+v", s.name, p, a, r)
					}
					got[r.Page] = r.Level
				}
				for _, pg := range s.info.pages {
					kind, isCreate := cutPrefix(a, "create:")
					if isCreate && !slices.Contains(childKinds(pg.kind), kind) {
						if _, listed := got[pg.id]; listed {
							t.Errorf("%s: what %s %s lists %s, under which %s cannot be created", s.name, p, a, pg.id, kind)
						}
						continue
					}
					d, err := s.m.Check(evaluator.Request{Subject: p, Action: a, Resource: "page:" + pg.id})
					if err != nil {
						t.Fatalf("%s: check %s %s %s: %v", s.name, p, a, pg.id, err)
					}
					lvl, listed := got[pg.id]
					switch {
					case d.Allowed && !listed:
						t.Errorf("%s: check allows %s to %s %s, but what leaves it out", s.name, p, a, pg.id)
					case !d.Allowed && listed:
						t.Errorf("%s: what %s %s lists %s, which check does not allow", s.name, p, a, pg.id)
					case listed && lvl != d.Level:
						t.Errorf("%s: what %s %s: %s at level %s, check says %s", s.name, p, a, pg.id, lvl, d.Level)
					}
				}
			}
		}
	}
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}

// TestPropertyLevelMonotone: what SPEC §4 guarantees between a person's level on a page and
// the actions it allows. The level is the same whatever the action asked (§4.1 step 8: the
// level is p's level on the page asked about); read needs reader or above and edit editor or
// above (so edit implies read and full implies both); denied allows no read, edit or create
// and, on a page with its own security, no manage_security; on a page with its own security
// manage_security is allowed exactly at full; on a page without (dialogs, tasks, items…) it
// is decided on the page that owns the governing section, so there it equals manage_security
// on that page, whatever the level here (a creator's full access on a dialog does not carry
// it); create:K is allowed exactly when K is among the decision's create kinds, never when
// denied; a performance report (and an item under one) allows read at most (§4.6), unless
// the person is an administrator (level full, everything allowed).
func TestPropertyLevelMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	seenLevels := map[evaluator.Level]int{}
	for _, s := range propSnaps(t) {
		n := 8000
		if s.pagesPerKind == 0 {
			n = 1000
		}
		for range n {
			p := s.info.people[rng.IntN(len(s.info.people))]
			x := rng.IntN(len(s.info.pages))
			pg := s.info.pages[x]
			res := "page:" + pg.id
			dec := map[string]evaluator.Decision{}
			for _, a := range pageActions(pg.kind) {
				d, err := s.m.Check(evaluator.Request{Subject: p, Action: a, Resource: res})
				if err != nil {
					t.Fatalf("%s: check %s %s %s: %v", s.name, p, a, res, err)
				}
				dec[a] = d
			}
			fail := func(format string, args ...any) {
				t.Helper()
				t.Errorf("%s: %s on %s (%s): %s", s.name, p, pg.id, pg.kind, fmt.Sprintf(format, args...))
			}
			lvl := dec["read"].Level
			seenLevels[lvl]++
			for a, d := range dec {
				if d.Level != lvl {
					fail("level %s for %s but %s for read", d.Level, a, lvl)
				}
			}
			read, edit, manage := dec["read"].Allowed, dec["edit"].Allowed, dec["manage_security"].Allowed
			if read != (lvl == evaluator.LevelReader || lvl == evaluator.LevelEditor || lvl == evaluator.LevelFull) {
				fail("read allowed %v at level %s", read, lvl)
			}
			if edit != (lvl == evaluator.LevelEditor || lvl == evaluator.LevelFull) {
				fail("edit allowed %v at level %s", edit, lvl)
			}
			if edit && !read {
				fail("edit allowed without read")
			}
			perf := s.info.underPerformanceReport(x)
			switch {
			case specOwnSecurity[pg.kind]:
				if manage != (lvl == evaluator.LevelFull) {
					fail("manage_security allowed %v at level %s on a page with its own security", manage, lvl)
				}
			case perf:
				if manage != (lvl == evaluator.LevelFull) || (lvl == evaluator.LevelFull) != (s.info.admins[p] && s.info.status[p] == "active") {
					fail("performance report: manage_security %v at level %s (administrator %v)", manage, lvl, s.info.admins[p])
				}
			default:
				owner := s.info.pages[s.info.sectionOwner(x)]
				d, err := s.m.Check(evaluator.Request{Subject: p, Action: "manage_security", Resource: "page:" + owner.id})
				if err != nil {
					t.Fatal(err)
				}
				if d.Allowed != manage {
					fail("manage_security %v here but %v on %s, which owns the governing section", manage, d.Allowed, owner.id)
				}
			}
			if perf && !s.info.admins[p] {
				if lvl != evaluator.LevelNone && lvl != evaluator.LevelReader {
					fail("performance report at level %s", lvl)
				}
				if edit || manage {
					fail("performance report: edit %v, manage_security %v", edit, manage)
				}
			}
			if lvl == evaluator.LevelDenied && (read || edit) {
				fail("denied, yet read %v edit %v", read, edit)
			}
			for _, k := range childKinds(pg.kind) {
				c := dec["create:"+k].Allowed
				if c != slices.Contains(dec["read"].Create, k) {
					fail("create:%s allowed %v, but the decision's create kinds are %v", k, c, dec["read"].Create)
				}
				if c && lvl == evaluator.LevelDenied {
					fail("denied, yet create:%s allowed", k)
				}
				if c && perf && !s.info.admins[p] {
					fail("performance report, yet create:%s allowed", k)
				}
			}
			if lvl == evaluator.LevelDenied && len(dec["read"].Create) > 0 {
				fail("denied, yet the decision lists create kinds %v", dec["read"].Create)
			}
		}
	}
	for _, l := range []evaluator.Level{evaluator.LevelNone, evaluator.LevelReader, evaluator.LevelEditor, evaluator.LevelFull, evaluator.LevelDenied} {
		if seenLevels[l] == 0 {
			t.Errorf("no sampled decision was at level %s: the property was not exercised", l)
		}
	}
	t.Logf("levels sampled: %v", seenLevels)
}

// randomRequest draws a request of any sort: page actions and capabilities on every sort of
// target, other days, and requests in error of every kind.
func randomRequest(rng *rand.Rand, s *snapInfo) evaluator.Request {
	var r evaluator.Request
	switch n := rng.IntN(100); {
	case n < 2:
		r.Subject = "p-nobody"
	case n < 3:
		r.Subject = ""
	default:
		r.Subject = s.people[rng.IntN(len(s.people))]
	}
	page := "page:" + s.pages[rng.IntN(len(s.pages))].id
	target := func() string {
		switch rng.IntN(3) {
		case 0:
			return "agency:" + s.agencies[rng.IntN(len(s.agencies))]
		case 1:
			return "unit:" + s.units[rng.IntN(len(s.units))]
		}
		return "person:" + s.people[rng.IntN(len(s.people))]
	}
	switch n := rng.IntN(100); {
	case n < 45: // a page action on a page
		r.Action = []string{"read", "edit", "manage_security"}[rng.IntN(3)]
		r.Resource = page
	case n < 55: // create, the kind fitting or not
		r.Action = "create:" + specKinds[rng.IntN(len(specKinds))]
		if rng.IntN(2) == 0 {
			kind := s.pages[s.pageIdx[page[len("page:"):]]].kind
			ks := childKinds(kind)
			r.Action = "create:" + ks[rng.IntN(len(ks))]
		}
		r.Resource = page
	case n < 85: // a capability on a target
		r.Action = s.capabilities[rng.IntN(len(s.capabilities))]
		r.Resource = target()
	case n < 88: // a capability no function grants
		r.Action = "case.teleport"
		r.Resource = target()
	default: // requests in error
		switch rng.IntN(10) {
		case 0:
			r.Action, r.Resource = "read", "page:pg-nowhere"
		case 1:
			r.Action, r.Resource = "read", page[len("page:"):] // untyped
		case 2:
			r.Action, r.Resource = "read", "building:b-1"
		case 3:
			r.Action, r.Resource = "", page
		case 4:
			r.Action, r.Resource = s.capabilities[0], page // a capability of a page
		case 5:
			r.Action, r.Resource = "edit", target() // a page action on a target
		case 6:
			r.Action, r.Resource = "create:spaceship", page
		case 7:
			r.Action, r.Resource = s.capabilities[0], "unit:u-nowhere"
		case 8:
			r.Action, r.Resource = s.capabilities[0], "person:p-nobody"
		default:
			r.Action, r.Resource = "read", ""
		}
	}
	switch n := rng.IntN(100); {
	case n < 55:
	case n < 70:
		r.AsOf = s.asOf
	case n < 97: // another day within a few years
		r.AsOf = fmt.Sprintf("%04d-%02d-%02d", 2021+rng.IntN(8), 1+rng.IntN(12), 1+rng.IntN(28))
	case n < 98:
		r.AsOf = "2026-02-30"
	default:
		r.AsOf = "yesterday"
	}
	return r
}

// TestPropertyAllowedEqualsCheck: Allowed, the hot path, answers every request as Check does,
// errors included (the same code).
func TestPropertyAllowedEqualsCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	counts := map[string]int{}
	for _, s := range propSnaps(t) {
		for range 10000 {
			r := randomRequest(rng, s.info)
			ok, aerr := s.m.Allowed(r)
			d, cerr := s.m.Check(r)
			if requestCode(aerr) != requestCode(cerr) {
				t.Errorf("%s: %+v: Allowed error %v, Check error %v", s.name, r, aerr, cerr)
				continue
			}
			if aerr != nil {
				counts["error "+requestCode(aerr)]++
				if ok || d.Allowed {
					t.Errorf("%s: %+v: an error, yet allowed (%v, %v)", s.name, r, ok, d.Allowed)
				}
				continue
			}
			if ok != d.Allowed {
				t.Errorf("%s: %+v: Allowed %v, Check %v", s.name, r, ok, d.Allowed)
			}
			if len(d.Reasons) == 0 {
				t.Errorf("%s: %+v: Check gives no reason", s.name, r)
			}
			what := "page"
			if _, isPage := cutPrefix(r.Resource, "page:"); !isPage {
				what = "capability"
			}
			counts[fmt.Sprintf("%s allowed=%v", what, ok)]++
		}
	}
	for _, k := range []string{"page allowed=true", "page allowed=false", "capability allowed=true", "capability allowed=false",
		"error " + evaluator.CodeUnknownReference, "error " + evaluator.CodeInvalidValue} {
		if counts[k] == 0 {
			t.Errorf("no request came out %s: the property was not exercised", k)
		}
	}
	t.Logf("requests: %v", counts)
}

// TestPropertyAsOfSnapshotDay: naming the snapshot's own day changes nothing: check, Allowed,
// who and what answer exactly as with no day at all.
func TestPropertyAsOfSnapshotDay(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range propSnaps(t) {
		for range 4000 {
			r := randomRequest(rng, s.info)
			r.AsOf = ""
			r2 := r
			r2.AsOf = s.info.asOf
			d1, e1 := s.m.Check(r)
			d2, e2 := s.m.Check(r2)
			if !reflect.DeepEqual(d1, d2) || !reflect.DeepEqual(e1, e2) {
				t.Errorf("%s: %+v: check differs with the snapshot's day named:\n%+v %v\n%+v %v", s.name, r, d1, e1, d2, e2)
			}
			a1, e1 := s.m.Allowed(r)
			a2, e2 := s.m.Allowed(r2)
			if a1 != a2 || requestCode(e1) != requestCode(e2) {
				t.Errorf("%s: %+v: Allowed %v/%v, with the day named %v/%v", s.name, r, a1, e1, a2, e2)
			}
		}
		for range 3 {
			pg := "page:" + s.info.pages[rng.IntN(len(s.info.pages))].id
			w1, e1 := s.m.Who("read", pg, "")
			w2, e2 := s.m.Who("read", pg, s.info.asOf)
			if !reflect.DeepEqual(w1, w2) || !reflect.DeepEqual(e1, e2) {
				t.Errorf("%s: who read %s differs with the snapshot's day named", s.name, pg)
			}
		}
		if s.people == 0 {
			continue
		}
		for range 2 {
			p := s.info.people[rng.IntN(len(s.info.people))]
			w1, e1 := s.m.What(p, "edit", "")
			w2, e2 := s.m.What(p, "edit", s.info.asOf)
			if !reflect.DeepEqual(w1, w2) || !reflect.DeepEqual(e1, e2) {
				t.Errorf("%s: what %s edit differs with the snapshot's day named", s.name, p)
			}
		}
	}
}
