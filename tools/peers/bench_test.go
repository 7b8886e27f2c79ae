package peers

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/cedar-policy/cedar-go"
	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// The large snapshot of the issue: 10 agencies, 5,000 staff records, 50,000 pages.
var largeOptions = gen.Options{Agencies: 10, Staff: 5000, Pages: 50000, Seed: 1}

// profileOptions are the options of a scale profile (gen.Profile) with seed 1, the bytes
// `connsec gen --profile NAME` writes.
func profileOptions(b *testing.B, name string) gen.Options {
	o, err := gen.Profile(name)
	if err != nil {
		b.Fatal(err)
	}
	o.Seed = 1
	return o
}

const benchRequests = 1 << 14

// benchSet is a snapshot loaded by both engines with the same requests for each.
type benchSet struct {
	*pair
	reqs  []evaluator.Request
	preps []evaluator.Prepared // reqs prepared on the model (Model.Prepare), as creqs are for Cedar
	creqs []cedar.Request
}

var benchNames = []string{"example", "gen-10x5000x50000", "largest", "state"}

var (
	benchMu   sync.Mutex
	benchSets = map[string]*benchSet{}
)

// loadBenchSet builds the set of one snapshot of benchNames, once per process and only when a
// benchmark of it runs, so that -bench 'BenchmarkPeers/largest' does not build the state.
func loadBenchSet(b *testing.B, name string) *benchSet {
	benchMu.Lock()
	defer benchMu.Unlock()
	if s := benchSets[name]; s != nil {
		return s
	}
	var data []byte
	switch name {
	case "example":
		data = exampleSnapshot(b)
	case "gen-10x5000x50000":
		data = generated(b, largeOptions)
	default: // the scale profiles: the largest agency (6,000 / 60,000), the state (410 agencies, 200,000 pages)
		data = generated(b, profileOptions(b, name))
	}
	var ms0, ms1, ms2 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	t0 := time.Now()
	m, err := evaluator.Load(data)
	if err != nil {
		b.Fatal(err)
	}
	t1 := time.Now()
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	tr, err := Translate(data, "")
	if err != nil {
		b.Fatal(err)
	}
	t2 := time.Now()
	runtime.GC()
	runtime.ReadMemStats(&ms2)
	b.Logf("%s: %d bytes of JSON, %d people, %d pages; connsec Load %v (%.0f MB live); Cedar translation %v (%.0f MB live), %d entities, %d interned sets",
		name, len(data), len(tr.People), len(tr.Pages), t1.Sub(t0).Round(time.Millisecond), mb(ms1.HeapAlloc, ms0.HeapAlloc),
		t2.Sub(t1).Round(time.Millisecond), mb(ms2.HeapAlloc, ms1.HeapAlloc), len(tr.Entities), len(tr.setIntern))
	s := &benchSet{pair: &pair{name: name, data: data, model: m, tr: tr}}
	s.reqs = requests(tr, benchRequests, 42, "")
	for _, r := range s.reqs {
		c, err := tr.Request(r.Subject, r.Action, r.Resource)
		if err != nil {
			b.Fatal(err)
		}
		s.creqs = append(s.creqs, c)
		p, err := m.Prepare(r)
		if err != nil {
			b.Fatal(err)
		}
		s.preps = append(s.preps, p)
	}
	// Measure only a translation that decides as connsec does.
	allowed := 0
	for i, r := range s.reqs[:2000] {
		want, err := m.Allowed(r)
		if err != nil {
			b.Fatal(err)
		}
		got, _ := tr.Policies.IsAuthorized(tr.Entities, s.creqs[i])
		if want != (got == cedar.Allow) {
			b.Fatalf("%s: the engines disagree on %+v; run the differential test", name, r)
		}
		if want {
			allowed++
		}
	}
	b.Logf("%s: %d requests, %d of the first 2000 allowed", name, len(s.reqs), allowed)
	s.data = nil // the document is not needed again; the model keeps what it uses
	benchSets[name] = s
	return s
}

func mb(after, before uint64) float64 {
	if after < before {
		return 0
	}
	return float64(after-before) / (1 << 20)
}

// BenchmarkPeers decides the same requests through connsec (Model.Allowed) and cedar-go
// (PolicySet.IsAuthorized) on each snapshot. <snapshot>/connsec and <snapshot>/cedar give
// each engine's ns/op and allocations, one op being one decision; the cedar line also
// reports x-connsec-speedup, its ns/op ÷ the connsec line's. <snapshot>/ratio runs both
// engines in alternating blocks of 4096 requests, so that load from other work on the
// machine falls on both alike, and reports each engine's ns per decision and their ratio
// (each block starts with caches the other engine has used, so it is the colder figure).
// <snapshot>/connsec-prepared and <snapshot>/ratio-prepared do the same with the requests
// prepared on the model once (Model.Prepare, AllowedPrepared), as the Cedar requests are
// built once: a caller holding the model keeps the handles and skips the id lookups.
func BenchmarkPeers(b *testing.B) {
	for _, name := range benchNames {
		b.Run(name, func(b *testing.B) { benchPeers(b, loadBenchSet(b, name)) })
	}
}

func benchPeers(b *testing.B, s *benchSet) {
	m, reqs := s.model, s.reqs
	ps, ents, creqs := s.tr.Policies, s.tr.Entities, s.creqs
	var connsecNs float64
	b.Run("connsec", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := m.Allowed(reqs[i%len(reqs)]); err != nil {
				b.Fatal(err)
			}
		}
		connsecNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("cedar", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			ps.IsAuthorized(ents, creqs[i%len(creqs)])
		}
		if connsecNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/connsecNs, "x-connsec-speedup")
		}
	})
	b.Run("connsec-prepared", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := m.AllowedPrepared(s.preps[i%len(s.preps)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ratio", func(b *testing.B) {
		benchRatio(b, func(j int) { m.Allowed(reqs[j]) }, func(j int) { ps.IsAuthorized(ents, creqs[j]) }, len(reqs))
	})
	b.Run("ratio-prepared", func(b *testing.B) {
		benchRatio(b, func(j int) { m.AllowedPrepared(s.preps[j]) }, func(j int) { ps.IsAuthorized(ents, creqs[j]) }, len(reqs))
	})
}

// benchRatio runs connsec and Cedar on request j in alternating blocks of 4096 and reports
// each one's ns per decision and their ratio.
func benchRatio(b *testing.B, connsec, cedar func(j int), n int) {
	const block = 4096
	var tc, tp time.Duration
	done := 0
	for i := 0; b.Loop(); i++ {
		at := (i * block) % n
		t0 := time.Now()
		for j := at; j < at+block; j++ {
			connsec(j)
		}
		t1 := time.Now()
		for j := at; j < at+block; j++ {
			cedar(j)
		}
		tc += t1.Sub(t0)
		tp += time.Since(t1)
		done += block
	}
	b.ReportMetric(float64(tc.Nanoseconds())/float64(done), "connsec-ns/decision")
	b.ReportMetric(float64(tp.Nanoseconds())/float64(done), "cedar-ns/decision")
	b.ReportMetric(float64(tp)/float64(tc), "x-connsec-speedup")
}
