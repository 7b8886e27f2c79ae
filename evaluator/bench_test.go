package evaluator_test

import (
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
	"github.com/tidwall/gjson"
)

// Benchmarks of issue 2 on the example snapshot, on a generated 5,000-staff / 50,000-page one
// and on the largest agency (gen.Profile("largest"): 6,000 staff records, 60,000 pages).
// Targets: check ≤ 0.5 µs with 0 allocations, load ≤ 1 s, who(page) ≤ 5 ms; at the largest
// agency (issue 11) what(person) ≤ 5 ms and who(page) ≤ 2 ms.
//
//	go test -run '^$' -bench . -benchmem ./evaluator/

// benchSnap is a snapshot document, its model and the ids the benchmarks draw requests from.
type benchSnap struct {
	name  string
	data  []byte
	model *evaluator.Model
	info  *snapInfo
	// coordinator is the primary security coordinator of the first agency, whose what(person)
	// is among the longest answers of a snapshot
	coordinator string
}

var (
	benchExampleOnce, benchGenOnce, benchLargestOnce sync.Once
	benchExample, benchGen, benchLargest             *benchSnap
	benchExampleErr, benchGenErr, benchLargestErr    error
)

func loadBenchSnap(name string, data []byte) (*benchSnap, error) {
	m, err := evaluator.Load(data)
	if err != nil {
		return nil, err
	}
	info, err := readSnapInfo(data)
	if err != nil {
		return nil, err
	}
	coordinator := gjson.GetBytes(data, `agencies.0.coordinators.#(role=="primary").person`).Str
	return &benchSnap{name: name, data: data, model: m, info: info, coordinator: coordinator}, nil
}

// benchSnaps gives the example snapshot, the generated 5,000 / 50,000 one and the largest
// agency, each built once per process.
func benchSnaps(b *testing.B) []*benchSnap {
	b.Helper()
	benchExampleOnce.Do(func() {
		data, err := os.ReadFile("../fixtures/example/snapshot.json")
		if err != nil {
			benchExampleErr = err
			return
		}
		benchExample, benchExampleErr = loadBenchSnap("example", data)
	})
	benchGenOnce.Do(func() {
		data, err := gen.Generate(gen.Options{Agencies: 10, Staff: 5000, Pages: 50000, Seed: 1})
		if err != nil {
			benchGenErr = err
			return
		}
		benchGen, benchGenErr = loadBenchSnap("gen5000", data)
	})
	benchLargestOnce.Do(func() {
		o, err := gen.Profile("largest")
		if err != nil {
			benchLargestErr = err
			return
		}
		o.Seed = 1 // the bytes of `connsec gen --profile largest`
		data, err := gen.Generate(o)
		if err != nil {
			benchLargestErr = err
			return
		}
		benchLargest, benchLargestErr = loadBenchSnap("largest", data)
	})
	for _, err := range []error{benchExampleErr, benchGenErr, benchLargestErr} {
		if err != nil {
			b.Fatal(err)
		}
	}
	return []*benchSnap{benchExample, benchGen, benchLargest}
}

const benchRequests = 1024 // a power of two: the loops rotate with a mask

func benchPageRequests(s *benchSnap) []evaluator.Request {
	rng := rand.New(rand.NewPCG(7, 11))
	actions := []string{"read", "edit", "manage_security"}
	reqs := make([]evaluator.Request, benchRequests)
	for i := range reqs {
		reqs[i] = evaluator.Request{
			Subject:  s.info.people[rng.IntN(len(s.info.people))],
			Action:   actions[rng.IntN(len(actions))],
			Resource: "page:" + s.info.pages[rng.IntN(len(s.info.pages))].id,
		}
	}
	return reqs
}

func benchCapabilityRequests(s *benchSnap) []evaluator.Request {
	rng := rand.New(rand.NewPCG(13, 17))
	reqs := make([]evaluator.Request, benchRequests)
	for i := range reqs {
		res := randomTarget(rng, s.info)
		reqs[i] = evaluator.Request{
			Subject:  s.info.people[rng.IntN(len(s.info.people))],
			Action:   s.info.capabilities[rng.IntN(len(s.info.capabilities))],
			Resource: res,
		}
	}
	return reqs
}

func benchAllowed(b *testing.B, s *benchSnap, reqs []evaluator.Request) {
	for _, r := range reqs { // every request must be answerable
		if _, err := s.model.Allowed(r); err != nil {
			b.Fatalf("%+v: %v", r, err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := s.model.Allowed(reqs[i&(benchRequests-1)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	// The target is a median: time batches of 16 checks and report the median of their
	// means, which a preempted or descheduled batch does not move.
	const batch, batches = 16, 4096
	means := make([]float64, batches)
	for j := range means {
		t0 := time.Now()
		for k := range batch {
			s.model.Allowed(reqs[(j*batch+k)&(benchRequests-1)])
		}
		means[j] = float64(time.Since(t0).Nanoseconds()) / batch
	}
	slices.Sort(means)
	b.ReportMetric(means[batches/2], "p50-ns")
}

// BenchmarkCheckPage is the hot path: Allowed on page requests (must not allocate).
func BenchmarkCheckPage(b *testing.B) {
	for _, s := range benchSnaps(b) {
		b.Run(s.name, func(b *testing.B) { benchAllowed(b, s, benchPageRequests(s)) })
	}
}

// BenchmarkCheckCapability: Allowed on capability requests of agency, unit and person targets.
func BenchmarkCheckCapability(b *testing.B) {
	for _, s := range benchSnaps(b) {
		b.Run(s.name, func(b *testing.B) { benchAllowed(b, s, benchCapabilityRequests(s)) })
	}
}

// BenchmarkCheckWithReasons: Check, the decision with its reasons worded.
func BenchmarkCheckWithReasons(b *testing.B) {
	for _, s := range benchSnaps(b) {
		b.Run(s.name, func(b *testing.B) {
			reqs := benchPageRequests(s)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.model.Check(reqs[i&(benchRequests-1)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkWhoPage: every person who may read a page, with level and reason.
func BenchmarkWhoPage(b *testing.B) {
	for _, s := range benchSnaps(b) {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(19, 23))
			pages := make([]string, benchRequests)
			for i := range pages {
				pages[i] = "page:" + s.info.pages[rng.IntN(len(s.info.pages))].id
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.model.Who("read", pages[i&(benchRequests-1)], ""); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkWhatPerson: every page a person may read; <snapshot>/coordinator asks it of the
// primary security coordinator of the first agency again and again.
func BenchmarkWhatPerson(b *testing.B) {
	for _, s := range benchSnaps(b) {
		if s.coordinator != "" {
			b.Run(s.name+"/coordinator", func(b *testing.B) {
				b.ReportAllocs()
				rows := 0
				for b.Loop() {
					out, err := s.model.What(s.coordinator, "read", "")
					if err != nil {
						b.Fatal(err)
					}
					rows = len(out)
				}
				b.ReportMetric(float64(rows), "rows")
			})
		}
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(29, 31))
			people := make([]string, benchRequests)
			for i := range people {
				people[i] = s.info.people[rng.IntN(len(s.info.people))]
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.model.What(people[i&(benchRequests-1)], "read", ""); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkLoad: validating and compiling a snapshot document; heap-MB is what the model
// keeps after a collection (the document itself, held by the model, is not counted).
func BenchmarkLoad(b *testing.B) {
	for _, s := range benchSnaps(b) {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(s.data)))
			b.ReportAllocs()
			// The heap is measured on the first load only: a collection with the large
			// snapshots of the other benchmarks alive takes longer than a load.
			var heap float64
			first := true
			for b.Loop() {
				var before, after runtime.MemStats
				if first {
					b.StopTimer()
					runtime.GC()
					runtime.ReadMemStats(&before)
					b.StartTimer()
				}
				m, err := evaluator.Load(s.data)
				if err != nil {
					b.Fatal(err)
				}
				if first {
					b.StopTimer()
					runtime.GC()
					runtime.ReadMemStats(&after)
					heap = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
					runtime.KeepAlive(m)
					first = false
					b.StartTimer()
				}
			}
			b.ReportMetric(heap, "heap-MB")
		})
	}
}
