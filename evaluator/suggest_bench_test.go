package evaluator_test

import (
	"testing"

	"github.com/connsec/connsec/evaluator"
)

// BenchmarkSuggest: the suggestions of denied page requests (each verified by a what-if), on
// the example and the generated 5,000 / 50,000 snapshot.
func BenchmarkSuggest(b *testing.B) {
	for _, s := range benchSnaps(b) {
		b.Run(s.name, func(b *testing.B) {
			var denied []evaluator.Request
			for _, r := range benchPageRequests(s) {
				if ok, err := s.model.Allowed(r); err == nil && !ok {
					denied = append(denied, r)
				}
				if len(denied) == 16 {
					break
				}
			}
			if len(denied) == 0 {
				b.Fatal("no denied request among the benchmark requests")
			}
			i := 0
			for b.Loop() {
				if _, err := s.model.Suggest(denied[i%len(denied)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
