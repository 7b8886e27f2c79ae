package edge

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestHeldIDs: ids laid out in order answer as a map written as the directory index was, with
// the pairs over it in their order (a later one holds an id) and then those under it where
// nothing holds the id yet (the first one), present or not, ids given twice included.
func TestHeldIDs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for _, n := range []int{0, 1, 2, 3, 17, 1000} {
		want := map[string]uint16{}
		var over, under []heldPair
		for i := 0; i < n; i++ {
			id, a := fmt.Sprintf("pg-%d", r.IntN(2*n)), uint16(r.IntN(400))
			want[id] = a
			over = append(over, heldPair{id, a})
		}
		for i := 0; i < n/2+1; i++ {
			id, a := fmt.Sprintf("pg-%d", r.IntN(3*n+1)), uint16(r.IntN(400))
			if _, taken := want[id]; !taken {
				want[id] = a
			}
			under = append(under, heldPair{id, a})
		}
		h := heldLayered(over, under)
		if h.len() != len(want) {
			t.Fatalf("%d pairs: %d ids held, want %d", n, h.len(), len(want))
		}
		for i := 0; i < 3*n+2; i++ {
			id := fmt.Sprintf("pg-%d", i)
			w, wantOK := want[id]
			if got, ok := h.get(id); ok != wantOK || got != w {
				t.Fatalf("%d pairs: %s is held by %d (%v), want %d (%v)", n, id, got, ok, w, wantOK)
			}
		}
		for _, id := range []string{"", "pg-", "pg-99999", "zz"} {
			if _, ok := h.get(id); ok {
				t.Fatalf("%d pairs: %q is held", n, id)
			}
		}
	}
}
