package evaluator

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestIDTableActsAsAMap: random sets, moves and removals of short and long ids, with copies
// taken along the way, answer as a map does; a copy is not changed by changes to the table
// it was taken from.
func TestIDTableActsAsAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	id := func() string {
		if r.IntN(8) == 0 {
			return fmt.Sprintf("pg-a-long-page-id-%d", r.IntN(400)) // over 16 bytes: the map
		}
		return fmt.Sprintf("pg-%d", r.IntN(3000))
	}
	table, want := newIDTable(r.IntN(50)), map[string]int32{}
	type copyOf struct {
		t    idTable
		want map[string]int32
	}
	var copies []copyOf
	check := func(what string, tb *idTable, w map[string]int32) {
		t.Helper()
		if tb.len() != len(w) {
			t.Fatalf("%s: %d ids, want %d", what, tb.len(), len(w))
		}
		for k, v := range w {
			if x, ok := tb.get(k); !ok || x != v {
				t.Fatalf("%s: %s at %d (%v), want %d", what, k, x, ok, v)
			}
		}
		for i := 0; i < 200; i++ {
			k := id()
			_, ok := tb.get(k)
			if _, in := w[k]; ok != in {
				t.Fatalf("%s: %s found %v, want %v", what, k, ok, in)
			}
		}
	}
	for step := 0; step < 20000; step++ {
		k := id()
		if r.IntN(3) == 0 {
			table.del(k)
			delete(want, k)
		} else {
			x := r.Int32N(1 << 20)
			table.set(k, x)
			want[k] = x
		}
		if step%2000 == 0 {
			w := make(map[string]int32, len(want))
			for k, v := range want {
				w[k] = v
			}
			copies = append(copies, copyOf{table.clone(), w})
			check(fmt.Sprintf("step %d", step), &table, want)
		}
	}
	check("the end", &table, want)
	// a remap moves short and long ids alike, and not the copies taken before it
	moved := func(x int32) int32 {
		if x > 1<<19 {
			return x - 1
		}
		return x
	}
	table.remap(moved)
	for k, v := range want {
		want[k] = moved(v)
	}
	check("remapped", &table, want)
	for i, c := range copies {
		check(fmt.Sprintf("copy %d", i), &c.t, c.want)
	}
}
