package edge

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/connsec/connsec/tools/gen"
	"github.com/tidwall/gjson"
)

// The figure of the writers: accepted edits per second when the coordinators of 40 agencies
// push at once, and when one agency's coordinator pushes alone, through the Writers of their
// own shards and through the whole-model Ledger. Two sorts of batch: a page's security (no
// claim) and a move of a worker to another unit (a claim in the directory).
//
//	go test -run '^$' -bench BenchmarkWriters -benchtime 20x ./wasm/edge/

type benchAgency struct {
	id, page, person string
	units            [2]string
}

func benchAgencies(b *testing.B, doc []byte) []benchAgency {
	var out []benchAgency
	asOf := gjson.GetBytes(doc, "as_of").String()
	gjson.GetBytes(doc, "agencies").ForEach(func(_, a gjson.Result) bool {
		ag := benchAgency{id: a.Get("id").String(), page: a.Get("pages.1.id").String()}
		var units []string
		a.Get("units").ForEach(func(_, u gjson.Result) bool {
			if !u.Get("temporary").Bool() {
				units = append(units, u.Get("id").String())
			}
			return true
		})
		a.Get("staff").ForEach(func(_, r gjson.Result) bool {
			if end := r.Get("end"); end.Type == gjson.Null || end.String() > asOf {
				ag.person = r.Get("person").String()
				return false
			}
			return true
		})
		if len(units) < 2 || ag.person == "" {
			b.Fatalf("agency %s has no worker to move", ag.id)
		}
		ag.units = [2]string{units[0], units[1]}
		out = append(out, ag)
		return true
	})
	return out
}

func (ag benchAgency) batch(admin, sort string, i int) []byte {
	if sort == "move" {
		return []byte(fmt.Sprintf(`{"actor": %q, "edits": [{"op": "move_staff", "agency": %q, "person": %q, "unit": %q}]}`, admin, ag.id, ag.person, ag.units[i%2]))
	}
	role := []string{"reader", "editor"}[i%2]
	return []byte(fmt.Sprintf(`{"actor": %q, "edits": [{"op": "set_security", "page": %q, "entries": [{"principal": "everyone", "role": %q}]}]}`, admin, ag.page, role))
}

func BenchmarkWriters(b *testing.B) {
	doc, err := gen.Generate(gen.Options{Agencies: 40, Staff: 4000, Pages: 20000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	agencies := benchAgencies(b, doc)
	admin := gjson.GetBytes(doc, "administrators.0").String()
	now := func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) }
	stores := map[string]func() (Store, error){
		"ledger":  func() (Store, error) { return NewMemoryStore(doc, now) },
		"writers": func() (Store, error) { return NewMemoryWriters(doc, now) },
	}
	for _, sort := range []string{"security", "move"} {
		for _, name := range []string{"ledger", "writers"} {
			for _, at := range []int{1, len(agencies)} {
				b.Run(fmt.Sprintf("%s/%s/%d-agencies", sort, name, at), func(b *testing.B) {
					store, err := stores[name]()
					if err != nil {
						b.Fatal(err)
					}
					push := func(ag benchAgency, i int) {
						a, err := store.Submit(context.Background(), ag.batch(admin, sort, i), "")
						if err != nil || a.Status != 200 {
							b.Fatalf("%s: %v %s", ag.id, err, a.Body)
						}
					}
					for i, ag := range agencies[:at] { // every writer composes its cut once
						push(ag, i)
					}
					b.ResetTimer()
					start := time.Now()
					for i := 0; i < b.N; i++ {
						// a round: 40 batches, on one agency one after another, or on 40 at once
						if at == 1 {
							for k := range len(agencies) {
								push(agencies[0], i*len(agencies)+k+1)
							}
							continue
						}
						var wg sync.WaitGroup
						for _, ag := range agencies {
							wg.Add(1)
							go func() { defer wg.Done(); push(ag, i+1) }()
						}
						wg.Wait()
					}
					b.ReportMetric(float64(b.N*len(agencies))/time.Since(start).Seconds(), "edits/s")
				})
			}
		}
	}
}
