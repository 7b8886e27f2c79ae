package edge_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
	"github.com/connsec/connsec/wasm/edge"
)

// The differential test of the sharded reader (README "The edge", RULES.md §10.3): on a
// generated multi-agency snapshot, random checks (pages and capabilities), who, what and
// searches asked of edge.Shards — which answers from per-agency models loaded from the
// writer's AgencyShard documents, routed by the directory index — are answered as the
// evaluator answers them on the whole document. The reader API is asked directly (the
// handler adds only JSON and authorization to it).

func stateSnapshot(t testing.TB) []byte {
	t.Helper()
	o, err := gen.Profile("state")
	if err != nil {
		t.Fatal(err)
	}
	o = o.Scale(0.02)
	o.Seed = 21
	data, err := gen.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type shardedDiff struct {
	t        *testing.T
	whole    *evaluator.Model
	ledger   *edge.Ledger
	shards   *edge.Shards
	rng      *rand.Rand
	data     []byte
	people   []string
	cross    []string // people with records in two agencies or more
	named    []string // people named by an agency where they have no record
	pages    []string
	units    []string
	agencies []string
	caps     []string
	asked    map[string]int
	bad      []string
	// notKept counts the checks whose subject the answering shard does not keep; their
	// reasons are the directory's (RULES.md §10), so only the decision and level are compared
	notKept int
}

func newShardedDiff(t *testing.T, data []byte, budget int64) *shardedDiff {
	whole, err := evaluator.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := edge.NewMemoryStore(data, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	d := &shardedDiff{t: t, whole: whole, ledger: ledger, data: data, rng: rand.New(rand.NewPCG(5, 8)), asked: map[string]int{},
		shards: &edge.Shards{Source: ledger, Fresh: time.Hour, Budget: budget},
		people: whole.IDs("person"), pages: whole.IDs("page"), units: whole.IDs("unit"), agencies: whole.IDs("agency"),
		caps: append(whole.Capabilities(), "nothing.view")}
	for _, p := range d.people {
		if len(whole.RecordsIn(p)) > 1 {
			d.cross = append(d.cross, p)
		}
	}
	gjson.GetBytes(data, "agencies").ForEach(func(_, ag gjson.Result) bool {
		for _, e := range ag.Get("pages.#.security.#.principal").Array() {
			for _, x := range e.Array() {
				if id, ok := strings.CutPrefix(x.Str, "user:"); ok && !slices.Contains(whole.RecordsIn(id), ag.Get("id").Str) {
					d.named = append(d.named, id)
				}
			}
		}
		return true
	})
	return d
}

func (d *shardedDiff) pick(list []string) string { return list[d.rng.IntN(len(list))] }

func (d *shardedDiff) person() string {
	switch x := d.rng.IntN(100); {
	case x < 35 && len(d.cross) > 0:
		return d.pick(d.cross)
	case x < 55 && len(d.named) > 0:
		return d.pick(d.named)
	case x < 57:
		return "p-nobody"
	}
	return d.pick(d.people)
}

func (d *shardedDiff) day() string {
	if d.rng.IntN(3) > 0 {
		return ""
	}
	base, _ := time.Parse("2006-01-02", d.whole.AsOf())
	return base.AddDate(0, 0, d.rng.IntN(1400)-700).Format("2006-01-02")
}

func (d *shardedDiff) differ(format string, args ...any) {
	d.bad = append(d.bad, fmt.Sprintf(format, args...))
}

func code(err error) string {
	var re *evaluator.RequestError
	if errors.As(err, &re) {
		return re.Code + ": " + re.Message
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

var ctx = context.Background()

func (d *shardedDiff) check(r evaluator.Request) {
	d.asked["check"]++
	want, err1 := d.whole.Check(r)
	got, _, err2 := d.shards.Check(ctx, edge.Versions{}, r)
	if code(err1) != code(err2) {
		d.differ("check %+v: whole error %q, shards %q", r, code(err1), code(err2))
		return
	}
	if err1 != nil {
		return
	}
	if want.Allowed != got.Allowed || want.Level != got.Level || !reflect.DeepEqual(want.Create, got.Create) {
		d.differ("check %+v: whole %v %s %v, shards %v %s %v (%v)", r, want.Allowed, want.Level, want.Create, got.Allowed, got.Level, got.Create, got.Reasons)
		return
	}
	if len(got.Reasons) == 1 && got.Reasons[0].Kind == "not_in_agency" {
		d.notKept++
		return
	}
	if !reflect.DeepEqual(want.Reasons, got.Reasons) {
		d.differ("reasons of %+v: whole %v, shards %v", r, want.Reasons, got.Reasons)
	}
	if ok, _, err := d.shards.Allowed(ctx, edge.Versions{}, r); err != nil || ok != got.Allowed {
		d.differ("allowed %+v: Check %v, Allowed %v (%v)", r, got.Allowed, ok, err)
	}
}

func (d *shardedDiff) rows(sort string, want, got []evaluator.Access, err1, err2 error, what string) {
	d.asked[sort]++
	if code(err1) != code(err2) {
		d.differ("%s %s: whole error %q, shards %q", sort, what, code(err1), code(err2))
	} else if !reflect.DeepEqual(want, got) {
		d.differ("%s %s: whole %d rows, shards %d rows: %s", sort, what, len(want), len(got), firstDifference(want, got))
	}
}

func firstDifference(a, b []evaluator.Access) string {
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			return fmt.Sprintf("the shards have %+v", b[i])
		case i >= len(b):
			return fmt.Sprintf("the whole has %+v", a[i])
		case a[i] != b[i]:
			return fmt.Sprintf("whole %+v, shards %+v", a[i], b[i])
		}
	}
	return ""
}

var pageActions = []string{"read", "edit", "manage_security", "create:project", "create:individual", "create:item", "create:nonsense"}

// run asks n random requests; sorts below upto (of 1000) are drawn: 920 asks checks and who
// only, 1000 every sort.
func (d *shardedDiff) run(n, upto int) {
	for i := 0; i < n; i++ {
		subject, day := d.person(), d.day()
		switch x := d.rng.IntN(upto); {
		case x < 450:
			d.check(evaluator.Request{Subject: subject, Action: d.pick(pageActions), Resource: "page:" + d.pick(d.pages), AsOf: day})
		case x < 850:
			target := "person:" + d.person()
			switch d.rng.IntN(4) {
			case 0:
				target = "agency:" + d.pick(d.agencies)
			case 1:
				target = "unit:" + d.pick(d.units)
			}
			d.check(evaluator.Request{Subject: subject, Action: d.pick(d.caps), Resource: target, AsOf: day})
		case x < 920:
			res := "page:" + d.pick(d.pages)
			action := d.pick(pageActions[:4])
			if d.rng.IntN(3) == 0 {
				res, action = "person:"+d.person(), d.pick(d.caps)
			}
			want, err1 := d.whole.Who(action, res, day)
			got, _, err2 := d.shards.Who(ctx, edge.Versions{}, action, res, day)
			d.rows("who", want, got, err1, err2, action+" "+res+" "+day)
		case x < 980:
			action := d.pick(pageActions[:4])
			want, err1 := d.whole.What(subject, action, day)
			got, _, err2 := d.shards.What(ctx, edge.Versions{}, subject, action, day)
			d.rows("what", want, got, err1, err2, subject+" "+action+" "+day)
		case x < 990:
			sort := d.pick([]string{"unit", "agency", "person"})
			action := d.pick(d.caps)
			d.asked["search resource"]++
			var want []string
			var err1 error
			for _, id := range d.whole.IDs(sort) {
				ok, err := d.whole.Allowed(evaluator.Request{Subject: subject, Action: action, Resource: sort + ":" + id, AsOf: day})
				if err != nil {
					want, err1 = nil, err
					break
				}
				if ok {
					want = append(want, id)
				}
			}
			got, _, err2 := d.shards.Resources(ctx, edge.Versions{}, subject, action, sort, day)
			if code(err1) != code(err2) || (err1 == nil && !reflect.DeepEqual(append([]string{}, want...), got)) {
				d.differ("search resource %s %s %s: whole %v %q, shards %v %q", subject, action, sort, want, code(err1), got, code(err2))
			}
		default:
			res := "page:" + d.pick(d.pages)
			if d.rng.IntN(2) == 0 {
				res = "person:" + d.person()
			}
			d.asked["search action"]++
			want := []string{}
			var err1 error
			candidates := d.whole.Capabilities()
			if strings.HasPrefix(res, "page:") {
				candidates = []string{"read", "edit", "manage_security"}
			}
			for _, a := range candidates {
				dec, err := d.whole.Check(evaluator.Request{Subject: subject, Action: a, Resource: res, AsOf: day})
				if err != nil {
					err1 = err
					break
				}
				if dec.Allowed {
					want = append(want, a)
				}
				if a == "read" {
					for _, k := range dec.Create {
						want = append(want, "create:"+k)
					}
				}
			}
			got, _, err2 := d.shards.Actions(ctx, edge.Versions{}, subject, res, day)
			if code(err1) != code(err2) || (err1 == nil && !reflect.DeepEqual(want, got)) {
				d.differ("search action %s %s: whole %v %q, shards %v %q", subject, res, want, code(err1), got, code(err2))
			}
		}
	}
}

func (d *shardedDiff) report() {
	d.t.Helper()
	for _, m := range d.bad[:min(len(d.bad), 8)] {
		d.t.Error(m)
	}
	if len(d.bad) > 0 {
		d.t.Fatalf("%d answers of the sharded reader differ from the whole's (asked: %v)", len(d.bad), d.asked)
	}
}

func TestShardedReaderAnswersAsTheWhole(t *testing.T) {
	data := stateSnapshot(t)
	d := newShardedDiff(t, data, 1<<30) // every agency fits: what(administrator) reads them all
	if len(d.cross) == 0 || len(d.named) == 0 {
		t.Fatalf("the snapshot has %d people with records in two agencies and %d named where they have none: it tests nothing across agencies", len(d.cross), len(d.named))
	}
	d.run(12000, 1000)
	d.report()
	total := 0
	for _, n := range d.asked {
		total += n
	}
	st := d.shards.Stats()
	t.Logf("%d requests on %d agencies compared (%v); %d checks of subjects the shard does not keep; %d models held, %d loads, %d evictions; directory index %d bytes, heap %d bytes",
		total, len(d.agencies), d.asked, d.notKept, len(st.Models), st.Loads, st.Evictions, st.Directory, st.Memory.HeapAlloc)
	if total < 10000 || d.asked["who"] == 0 || d.asked["what"] == 0 || d.asked["search resource"] == 0 || d.asked["search action"] == 0 {
		t.Fatalf("too few requests of some sort: %v", d.asked)
	}
}

// A budget smaller than two models keeps one at a time: every request that needs another
// agency evicts the one held, and the answers are still the whole's.
func TestShardedReaderEvictsWithinItsBudget(t *testing.T) {
	data := stateSnapshot(t)
	d := newShardedDiff(t, data, 1) // one byte: no two models fit
	d.run(400, 920)                 // checks and who: one shard, or the few of a target's agencies
	d.report()
	st := d.shards.Stats()
	if len(st.Models) != 1 || st.Evictions == 0 || st.Loads != st.Evictions+1 {
		t.Fatalf("a budget of one byte holds %d models after %d loads and %d evictions", len(st.Models), st.Loads, st.Evictions)
	}
}

// A model is cut from one state and answers only requests that state covers: after a batch,
// a request with the batch's token is answered from shards cut after it.
func TestShardedReaderReadsItsWrites(t *testing.T) {
	data := stateSnapshot(t)
	ledger, err := edge.NewMemoryStore(data, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := &edge.Shards{Source: ledger, Fresh: time.Hour}
	whole, _ := evaluator.Load(data)
	ag := whole.IDs("agency")[1]
	page := ""
	for _, p := range whole.IDs("page") {
		if whole.AgencyOf(p) == ag {
			page = p
			break
		}
	}
	var subject string
	for _, p := range whole.IDs("person") {
		if ok, _ := whole.Allowed(evaluator.Request{Subject: p, Action: "read", Resource: "page:" + page}); !ok && len(whole.RecordsIn(p)) > 0 && whole.RecordsIn(p)[0] != ag {
			if st, _ := whole.Standing(p); len(st.StaffOf) > 0 {
				subject = p
				break
			}
		}
	}
	r := evaluator.Request{Subject: subject, Action: "read", Resource: "page:" + page}
	if d, _, err := s.Check(ctx, edge.Versions{}, r); err != nil || d.Allowed {
		t.Fatalf("before the batch: %v %v", d, err)
	}
	admin := whole.IDs("person")[0]
	for _, p := range whole.IDs("person") {
		if st, _ := whole.Standing(p); st.Administrator {
			admin = p
			break
		}
	}
	batch := fmt.Sprintf(`{"actor": %q, "edits": [{"op": "set_security", "page": %q, "entries": [{"principal": "user:%s", "role": "reader"}]}]}`, admin, page, subject)
	a, err := ledger.Submit(ctx, []byte(batch), "")
	if err != nil || a.Status != 200 {
		t.Fatalf("the batch: %v %s", err, a.Body)
	}
	token, _ := edge.ParseVersions(gjson.GetBytes(a.Body, "version").Str)
	d, v, err := s.Check(ctx, token, r)
	if err != nil || !d.Allowed || !v.Covers(token) {
		t.Fatalf("with the batch's token %s: %v at %s (%v)", token, d, v, err)
	}
	if _, _, err := s.Check(ctx, token.With(edge.Shard{Agency: ag}, 99), r); err == nil || !strings.Contains(err.Error(), "does not exist yet") {
		t.Fatalf("a token of a state no writer reached: %v", err)
	}
}

// TestShardModelSizeFactor measures a read model's heap against its shard document's length
// (the factor Shards estimates sizes with), and the memory of every agency loaded against the
// whole model. go test -run ShardModelSizeFactor -v ./wasm/edge/
func TestShardModelSizeFactor(t *testing.T) {
	if testing.Short() {
		t.Skip("measures memory")
	}
	data := stateSnapshot(t)
	whole, err := evaluator.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	docs := map[string][]byte{}
	docBytes := 0
	for _, ag := range whole.IDs("agency") {
		doc, err := whole.AgencyShard(ag)
		if err != nil {
			t.Fatal(err)
		}
		docs[ag] = doc
		docBytes += len(doc)
	}
	before := heap()
	var held []*evaluator.Model
	for _, ag := range whole.IDs("agency") {
		m, err := evaluator.LoadForReading(docs[ag])
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, m)
	}
	models := heap() - before
	clear(docs)
	before = heap()
	wm, err := evaluator.LoadForReading(data)
	if err != nil {
		t.Fatal(err)
	}
	wholeHeap := heap() - before
	factor := float64(models) / float64(docBytes)
	t.Logf("%d agencies: shard documents %d bytes, their read models %d bytes (factor %.2f); the whole document %d bytes, its read model %d bytes",
		len(held), docBytes, models, factor, len(data), wholeHeap)
	if factor > float64(edge.DefaultShardFactor)*1.5 {
		t.Errorf("a shard's model takes %.2f bytes per document byte; DefaultShardFactor (%.2f) underestimates it", factor, float64(edge.DefaultShardFactor))
	}
	runtime.KeepAlive(held)
	runtime.KeepAlive(wm)
}
