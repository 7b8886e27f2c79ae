package edge

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestHeldIDs: the ids laid out in order answer as the map they were laid out from, present
// or not, and pairs read in any order with an id twice answer as a map written in their order.
func TestHeldIDs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for _, n := range []int{0, 1, 2, 3, 17, 1000} {
		m := map[string]uint16{}
		var pairs []heldPair
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("pg-%d", r.IntN(2*n))
			a := uint16(r.IntN(400))
			m[id] = a // a later pair of the same id holds it
			pairs = append(pairs, heldPair{id, a})
		}
		for name, h := range map[string]heldIDs{"from the map": heldFrom(m), "from the pairs": heldFromPairs(pairs)} {
			if h.len() != len(m) {
				t.Fatalf("%d pairs, %s: %d ids held, want %d", n, name, h.len(), len(m))
			}
			for i := 0; i < 2*n+2; i++ {
				id := fmt.Sprintf("pg-%d", i)
				want, wantOK := m[id]
				if got, ok := h.get(id); ok != wantOK || got != want {
					t.Fatalf("%d pairs, %s: %s is held by %d (%v), want %d (%v)", n, name, id, got, ok, want, wantOK)
				}
			}
			for _, id := range []string{"", "pg-", "pg-99999", "zz"} {
				if _, ok := h.get(id); ok != hasKey(m, id) {
					t.Fatalf("%d pairs, %s: %q found %v", n, name, id, ok)
				}
			}
		}
	}
}

func hasKey(m map[string]uint16, id string) bool { _, ok := m[id]; return ok }
