package evaluator_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// The differential test of agency shards (SPEC §10.1, RULES.md §10.3): on generated snapshots
// with people named across agencies and people with records in two agencies, every request a
// shard answers is answered by it as by the whole snapshot: page checks, capability checks,
// who(page) and what(person) on the shard's pages, on the snapshot's day and on others.

type shardCase struct {
	name   string
	opts   gen.Options
	sample int // agencies compared (0: all)
	perAg  int // requests per agency
}

func shardCases(t *testing.T) []shardCase {
	state, err := gen.Profile("state")
	if err != nil {
		t.Fatal(err)
	}
	state = state.Scale(0.02)
	state.Seed = 13
	return []shardCase{
		{name: "gen-4x240x1500-seed11", opts: gen.Options{Agencies: 4, Staff: 240, Pages: 1500, Seed: 11}, perAg: 1200},
		{name: "gen-3x180x900-seed12-2025", opts: gen.Options{Agencies: 3, Staff: 180, Pages: 900, Seed: 12, AsOf: "2025-06-30"}, perAg: 1000},
		{name: "state-0.02-seed13", opts: state, sample: 12, perAg: 500},
	}
}

func TestAgencyShardAnswersAsTheWhole(t *testing.T) {
	total := 0
	for _, tc := range shardCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			whole, data := generatedModel(t, tc.opts)
			shards := newShardSet(t, whole, data)
			cross := 0
			for _, ag := range sampledAgencies(data, tc.sample) {
				sm, shard := shards.of(ag)
				cross += int(gjson.GetBytes(shard, "records_elsewhere.#").Int())
				d := newShardDiff(whole, sm, data, shard, uint64(len(ag))*7919+uint64(tc.opts.Seed))
				d.routed = shards
				d.run(tc.perAg)
				for _, m := range d.mismatches[:min(len(d.mismatches), 5)] {
					t.Errorf("%s: %s", ag, m)
				}
				if len(d.mismatches) > 0 {
					t.Fatalf("%s: %d of %d requests answered otherwise by the shard", ag, len(d.mismatches), d.asked)
				}
				total += d.asked
			}
			if cross == 0 {
				t.Fatal("no shard carries a record held elsewhere: the case tests nothing across agencies")
			}
		})
	}
	if total < 10000 {
		t.Fatalf("only %d requests compared", total)
	}
	t.Logf("%d requests compared", total)
}

// Without records_elsewhere the shard answers otherwise: a person named by the agency whose
// only active record is in another agency is refused at step 4, and a function held there does
// not count. This is the comparison above with the records left out, so it shows that the
// comparison can fail.
func TestAgencyShardNeedsRecordsElsewhere(t *testing.T) {
	tc := shardCases(t)[0]
	whole, data := generatedModel(t, tc.opts)
	found := map[string]int{}
	for _, ag := range sampledAgencies(data, 0) {
		shard, err := whole.AgencyShard(ag)
		if err != nil {
			t.Fatal(err)
		}
		bare, err := sjson.DeleteBytes(shard, "records_elsewhere")
		if err != nil {
			t.Fatal(err)
		}
		sm, err := evaluator.Load(bare)
		if err != nil {
			t.Fatalf("the shard of %s without records_elsewhere does not load: %v", ag, err)
		}
		d := newShardDiff(whole, sm, data, shard, uint64(len(ag))*7919+uint64(tc.opts.Seed))
		d.run(tc.perAg)
		for _, m := range d.mismatches {
			found[strings.SplitN(m, " ", 2)[0]]++
		}
	}
	if found["check"] == 0 || found["capability"] == 0 {
		t.Fatalf("the shards without records elsewhere answered page checks and capability checks as the whole (mismatches by sort: %v)", found)
	}
	t.Logf("mismatches without records elsewhere, by sort: %v", found)
}

// A shard refuses a records_elsewhere it cannot trust, each problem at its path.
func TestRecordsElsewhereAreChecked(t *testing.T) {
	whole, data := loadExample(t)
	ag := gjson.GetBytes(data, "agencies.0.id").String()
	other := gjson.GetBytes(data, "agencies.1.id").String()
	shard, err := whole.AgencyShard(ag)
	if err != nil {
		t.Fatal(err)
	}
	person := gjson.GetBytes(shard, "people.0.id").String()
	unit := gjson.GetBytes(shard, "agencies.0.units.0.id").String()
	for _, c := range []struct{ rec, code, path string }{
		{`{"person": "p-nobody", "agency": "ag-x", "unit": "u-x", "start": "2020-01-01", "end": null, "functions": []}`, "unknown_reference", "records_elsewhere[0].person"},
		{`{"person": "` + person + `", "agency": "` + ag + `", "unit": "u-x", "start": "2020-01-01", "end": null}`, "invalid_value", "records_elsewhere[0].agency"},
		{`{"person": "` + person + `", "agency": "ag-x", "unit": "` + unit + `", "start": "2020-01-01", "end": null}`, "invalid_value", "records_elsewhere[0].unit"},
		{`{"person": "` + person + `", "agency": "ag-x", "start": "2020-01-01", "end": null}`, "invalid_value", "records_elsewhere[0].unit"},
		{`{"person": "` + person + `", "agency": "ag-x", "unit": "u-x", "start": "2020-01-01", "end": "2019-01-01"}`, "invalid_value", "records_elsewhere[0].end"},
		{`{"person": "` + person + `", "agency": "ag-x", "unit": "u-x", "functions": ["NOPE"]}`, "unknown_reference", "records_elsewhere[0].functions[0]"},
		{`{"person": "` + person + `", "agency": "ag-x", "unit": "u-x", "reports_to": ["` + person + `"]}`, "invalid_value", "records_elsewhere[0].reports_to"},
		{`{"person": "` + person + `", "unit": "u-x"}`, "invalid_snapshot", "records_elsewhere[0].agency"},
		{`{"person": "` + person + `", "agency": "ag-x", "unit": "u-x", "start": "yesterday"}`, "invalid_value", "records_elsewhere[0].start"},
		{`"p-1"`, "invalid_snapshot", "records_elsewhere[0]"},
	} {
		doc, err := sjson.SetRawBytes(shard, "records_elsewhere", []byte("["+c.rec+"]"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = evaluator.Load(doc)
		var se *evaluator.SnapshotError
		if !errors.As(err, &se) {
			t.Fatalf("%s: loaded (%v)", c.rec, err)
		}
		ok := false
		for _, p := range se.Problems {
			ok = ok || (p.Code == c.code && p.Path == c.path)
		}
		if !ok {
			t.Errorf("%s: want %s at %s, got %v", c.rec, c.code, c.path, se.Problems)
		}
	}
	twice := `{"person": "` + person + `", "agency": "ag-x", "unit": "u-x", "start": "2020-01-01", "end": null}`
	doc, _ := sjson.SetRawBytes(shard, "records_elsewhere", []byte("["+twice+","+twice+"]"))
	if _, err := evaluator.Load(doc); err == nil || !strings.Contains(err.Error(), "overlapping") {
		t.Errorf("two overlapping records elsewhere: %v", err)
	}
	if _, err := whole.AgencyShard("ag-nope"); err == nil {
		t.Error("an unknown agency gave a shard")
	}
	// a unit of another agency named in an entry cannot be held by the shard
	named, _ := sjson.SetRawBytes(data, "agencies.0.pages.0.security.-1", []byte(`{"principal": "unit:`+gjson.GetBytes(data, "agencies.1.units.1.id").String()+`", "role": "reader"}`))
	m, err := evaluator.Load(named)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.AgencyShard(ag); err == nil || !strings.Contains(err.Error(), other) {
		t.Errorf("an entry naming a unit of %s: %v", other, err)
	}
}

func generatedModel(t *testing.T, o gen.Options) (*evaluator.Model, []byte) {
	t.Helper()
	data, err := gen.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return mustLoadSnapshot(t, data), data
}

// sampledAgencies are n agencies of the snapshot (all when n is 0): the first, and the ones
// spread evenly after it.
func sampledAgencies(data []byte, n int) []string {
	var all []string
	for _, a := range gjson.GetBytes(data, "agencies.#.id").Array() {
		all = append(all, a.Str)
	}
	if n == 0 || n >= len(all) {
		return all
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, all[i*len(all)/n])
	}
	return out
}

// shardDiff asks the whole and one shard the same random requests and notes every answer that
// differs.
type shardDiff struct {
	whole, shard *evaluator.Model
	rng          *rand.Rand
	asOf         time.Time
	pages        []string
	pageSet      map[string]bool
	units        []string
	agency       string
	kept         []string // the people the shard keeps
	cross        []string // of them, those with records elsewhere
	outside      []string // people of the whole the shard does not keep
	days         []string // days the records elsewhere start or end on
	caps         []string

	routed *shardSet // when set, capabilities on persons are also asked as the edge would route them

	asked      int
	mismatches []string
}

// shardSet writes and loads the shards of one snapshot as they are needed.
type shardSet struct {
	t          *testing.T
	whole      *evaluator.Model
	models     map[string]*evaluator.Model
	docs       map[string][]byte
	agenciesOf map[string][]string // person → the agencies where they have a record
	agencyRaw  map[string]string   // agency → its object as written
}

func newShardSet(t *testing.T, whole *evaluator.Model, data []byte) *shardSet {
	s := &shardSet{t: t, whole: whole, models: map[string]*evaluator.Model{}, docs: map[string][]byte{}, agenciesOf: map[string][]string{}, agencyRaw: map[string]string{}}
	for _, a := range gjson.GetBytes(data, "agencies").Array() {
		s.agencyRaw[a.Get("id").Str] = a.Raw
		seen := map[string]bool{}
		for _, p := range a.Get("staff.#.person").Array() {
			if !seen[p.Str] {
				seen[p.Str] = true
				s.agenciesOf[p.Str] = append(s.agenciesOf[p.Str], a.Get("id").Str)
			}
		}
	}
	return s
}

func (s *shardSet) of(ag string) (*evaluator.Model, []byte) {
	if m, ok := s.models[ag]; ok {
		return m, s.docs[ag]
	}
	doc, err := s.whole.AgencyShard(ag)
	if err != nil {
		s.t.Fatal(err)
	}
	m, err := evaluator.Load(doc)
	if err != nil {
		s.t.Fatalf("the shard of %s does not load: %v", ag, err)
	}
	s.models[ag], s.docs[ag] = m, doc
	return m, doc
}

// allowed asks a capability on a person of the shard of every agency where the person has a
// record (or, for a person with none, of every agency that names them), and is true when one
// that keeps the subject allows it.
func (s *shardSet) allowed(r evaluator.Request) bool {
	target := strings.TrimPrefix(r.Resource, "person:")
	ags := s.agenciesOf[target]
	if len(ags) == 0 {
		for ag, raw := range s.agencyRaw {
			if strings.Contains(raw, `"`+target+`"`) || strings.Contains(raw, `"user:`+target+`"`) {
				ags = append(ags, ag)
			}
		}
	}
	for _, ag := range ags {
		m, _ := s.of(ag)
		if ok, err := m.Allowed(r); err == nil && ok {
			return true
		}
	}
	return false
}

func newShardDiff(whole, shard *evaluator.Model, data, shardDoc []byte, seed uint64) *shardDiff {
	d := &shardDiff{whole: whole, shard: shard, rng: rand.New(rand.NewPCG(seed, 17)), pageSet: map[string]bool{}}
	d.asOf, _ = time.Parse("2006-01-02", gjson.GetBytes(data, "as_of").Str)
	d.agency = gjson.GetBytes(shardDoc, "agencies.0.id").Str
	for _, p := range gjson.GetBytes(shardDoc, "agencies.0.pages.#.id").Array() {
		d.pages = append(d.pages, p.Str)
		d.pageSet[p.Str] = true
	}
	for _, u := range gjson.GetBytes(shardDoc, "agencies.0.units.#.id").Array() {
		d.units = append(d.units, u.Str)
	}
	kept := map[string]bool{}
	for _, p := range gjson.GetBytes(shardDoc, "people.#.id").Array() {
		kept[p.Str] = true
		d.kept = append(d.kept, p.Str)
	}
	crossSet := map[string]bool{}
	for _, r := range gjson.GetBytes(shardDoc, "records_elsewhere").Array() {
		if p := r.Get("person").Str; !crossSet[p] {
			crossSet[p] = true
			d.cross = append(d.cross, p)
		}
		for _, k := range []string{"start", "end"} {
			if v := r.Get(k).Str; v != "" {
				d.days = append(d.days, v)
			}
		}
	}
	for _, p := range gjson.GetBytes(data, "people.#.id").Array() {
		if !kept[p.Str] {
			d.outside = append(d.outside, p.Str)
		}
	}
	seen := map[string]bool{}
	for _, c := range gjson.GetBytes(data, "business_functions.#.attributes.#.capability").Array() {
		for _, x := range c.Array() {
			if !seen[x.Str] {
				seen[x.Str] = true
				d.caps = append(d.caps, x.Str)
			}
		}
	}
	d.caps = append(d.caps, "nothing.view")
	return d
}

func pickOne(rng *rand.Rand, list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[rng.IntN(len(list))]
}

// subject is a person the shard keeps, most often one with records elsewhere; sometimes one
// it does not keep (the whole must allow them nothing the shard is asked about).
func (d *shardDiff) subject() (string, bool) {
	switch x := d.rng.IntN(100); {
	case x < 45 && len(d.cross) > 0:
		return pickOne(d.rng, d.cross), true
	case x < 90 || len(d.outside) == 0:
		return pickOne(d.rng, d.kept), true
	}
	return pickOne(d.rng, d.outside), false
}

// day is the snapshot's own (""), a day a record elsewhere starts or ends on (or the day
// before), or another day within two years.
func (d *shardDiff) day() string {
	switch x := d.rng.IntN(100); {
	case x < 40:
		return ""
	case x < 75 && len(d.days) > 0:
		day, _ := time.Parse("2006-01-02", pickOne(d.rng, d.days))
		return day.AddDate(0, 0, -d.rng.IntN(2)).Format("2006-01-02")
	}
	return d.asOf.AddDate(0, 0, d.rng.IntN(1400)-700).Format("2006-01-02")
}

var createKinds = []string{"project", "department", "individual", "org_metric", "org_dialog", "dept_metric",
	"project_task", "project_dialog", "personal_task", "basic_role", "performance_report", "item", "nonsense"}

func (d *shardDiff) run(n int) {
	for i := 0; i < n; i++ {
		subject, kept := d.subject()
		day := d.day()
		switch x := d.rng.IntN(100); {
		case x < 55:
			action := pickOne(d.rng, []string{"read", "edit", "manage_security", "create:" + pickOne(d.rng, createKinds)})
			d.check("check", evaluator.Request{Subject: subject, Action: action, Resource: "page:" + pickOne(d.rng, d.pages), AsOf: day}, kept)
		case x < 85:
			var target string
			switch d.rng.IntN(3) {
			case 0:
				target = "agency:" + d.agency
			case 1:
				target = "unit:" + pickOne(d.rng, d.units)
			default:
				target = "person:" + pickOne(d.rng, d.kept)
				if d.rng.IntN(3) == 0 && len(d.cross) > 0 {
					target = "person:" + pickOne(d.rng, d.cross)
				}
			}
			d.check("capability", evaluator.Request{Subject: subject, Action: pickOne(d.rng, d.caps), Resource: target, AsOf: day}, kept)
		case x < 92:
			d.who(pickOne(d.rng, []string{"read", "edit", "manage_security", "create:project"}), "page:"+pickOne(d.rng, d.pages), day)
		default:
			d.what(subject, pickOne(d.rng, []string{"read", "edit", "manage_security", "create:project"}), day, kept)
		}
		d.asked++
	}
}

func (d *shardDiff) differ(format string, args ...any) {
	d.mismatches = append(d.mismatches, fmt.Sprintf(format, args...))
}

func errCode(err error) string {
	var re *evaluator.RequestError
	if errors.As(err, &re) {
		return re.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// check compares one decision: allowed, level, create list and reasons, or the error's code.
// A subject the shard does not keep is not asked of it: the whole must allow them nothing on
// the shard's pages, its agency and its units. A person target may also be covered through
// another agency where the target has a record too, so a capability on a person is asked as
// well of the shard of every agency where the target has a record (RULES.md §10.3): allowed
// when one that keeps the subject allows it.
func (d *shardDiff) check(sort string, r evaluator.Request, kept bool) {
	want, err1 := d.whole.Check(r)
	if strings.HasPrefix(r.Resource, "person:") && d.routed != nil && err1 == nil {
		if got := d.routed.allowed(r); got != want.Allowed {
			d.differ("routed %+v: whole %v, the shards of the target's agencies %v", r, want.Allowed, got)
		}
		if !kept {
			return
		}
	}
	if !kept {
		if err1 == nil && want.Allowed && !isAdmin(want) {
			d.differ("%s %+v: the whole allows a person the shard does not keep", sort, r)
		}
		return
	}
	got, err2 := d.shard.Check(r)
	if errCode(err1) != errCode(err2) {
		d.differ("%s %+v: whole error %v, shard error %v", sort, r, err1, err2)
		return
	}
	if err1 != nil {
		return
	}
	if want.Allowed != got.Allowed || want.Level != got.Level || !reflect.DeepEqual(want.Create, got.Create) {
		d.differ("%s %+v: whole %v %s %v, shard %v %s %v (%v)", sort, r, want.Allowed, want.Level, want.Create, got.Allowed, got.Level, got.Create, got.Reasons)
		return
	}
	if !reflect.DeepEqual(want.Reasons, got.Reasons) {
		d.differ("reasons %+v: whole %v, shard %v", r, want.Reasons, got.Reasons)
	}
	if ok, err := d.shard.Allowed(r); err != nil || ok != got.Allowed {
		d.differ("allowed %+v: Check %v, Allowed %v (%v)", r, got.Allowed, ok, err)
	}
}

func isAdmin(d evaluator.Decision) bool {
	return len(d.Reasons) > 0 && d.Reasons[0].Kind == "administrator"
}

func (d *shardDiff) who(action, resource, day string) {
	want, err1 := d.whole.Who(action, resource, day)
	got, err2 := d.shard.Who(action, resource, day)
	if errCode(err1) != errCode(err2) {
		d.differ("who %s %s %s: whole error %v, shard error %v", action, resource, day, err1, err2)
		return
	}
	if !reflect.DeepEqual(want, got) {
		d.differ("who %s %s %s: whole %d rows, shard %d rows: %s", action, resource, day, len(want), len(got), firstDifference(want, got))
	}
}

// what compares the whole's rows on the shard's pages with the shard's rows.
func (d *shardDiff) what(person, action, day string, kept bool) {
	all, err1 := d.whole.What(person, action, day)
	want := []evaluator.Access{}
	for _, a := range all {
		if d.pageSet[a.Page] {
			want = append(want, a)
		}
	}
	if !kept {
		if err1 == nil && len(want) > 0 && !strings.Contains(want[0].Reason, "administrator") {
			d.differ("what %s %s %s: the whole has %d rows on the shard's pages for a person it does not keep", person, action, day, len(want))
		}
		return
	}
	got, err2 := d.shard.What(person, action, day)
	if errCode(err1) != errCode(err2) {
		d.differ("what %s %s %s: whole error %v, shard error %v", person, action, day, err1, err2)
		return
	}
	if err1 == nil && !reflect.DeepEqual(want, got) {
		d.differ("what %s %s %s: whole %d rows, shard %d rows: %s", person, action, day, len(want), len(got), firstDifference(want, got))
	}
}

func firstDifference(a, b []evaluator.Access) string {
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			return fmt.Sprintf("the shard has %+v", b[i])
		case i >= len(b):
			return fmt.Sprintf("the whole has %+v", a[i])
		case a[i] != b[i]:
			return fmt.Sprintf("whole %+v, shard %+v", a[i], b[i])
		}
	}
	return ""
}

// ids_elsewhere (a writer's cut, RULES.md §10.3) lists ids other shards hold: no edit may give
// one of them to something new, and none may also be held in the document.
func TestIDsElsewhereAreTaken(t *testing.T) {
	_, data := loadExample(t)
	doc, _ := sjson.SetRawBytes(data, "ids_elsewhere", []byte(`["pg-far-away", "u-far-away"]`))
	m, err := evaluator.Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	ag := gjson.GetBytes(data, "agencies.0.id").String()
	org := gjson.GetBytes(data, "agencies.0.pages.0.id").String()
	for _, c := range []struct{ edit, path string }{
		{`{"op": "create_page", "page": {"id": "pg-far-away", "kind": "item", "parent": "` + org + `", "title": "Taken"}}`, "edits[0].page.id"},
		{`{"op": "create_unit", "agency": "` + ag + `", "unit": {"id": "u-far-away", "name": "Taken"}}`, "edits[0].unit.id"},
	} {
		_, err := m.Apply([]byte(`{"actor": "p-admin", "edits": [`+c.edit+`]}`), time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
		var re *evaluator.EditError
		if !errors.As(err, &re) || re.Code != evaluator.CodeDuplicateID || re.Path != c.path {
			t.Errorf("%s: %v", c.edit, err)
		}
	}
	if _, err := m.Apply([]byte(`{"actor": "p-admin", "edits": [{"op": "create_unit", "agency": "`+ag+`", "unit": {"id": "u-near", "name": "Free"}}]}`), time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("a free id: %v", err)
	}
	held, _ := sjson.SetRawBytes(data, "ids_elsewhere", []byte(`["`+org+`"]`))
	_, err = evaluator.Load(held)
	var se *evaluator.SnapshotError
	if !errors.As(err, &se) || se.Problems[0].Code != evaluator.CodeDuplicateID || se.Problems[0].Path != "ids_elsewhere[0]" {
		t.Errorf("an id held here and elsewhere: %v", err)
	}
}
