package edge

import (
	"bytes"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// The directory index travels to the readers in its binary form (GET /directory of the
// Ledger): what is read back is the index written, on the example and a generated snapshot of
// many agencies; the same index always gives the same bytes; and every cut or corrupted form
// is refused with an error, never a panic or a different index taken for the written one.
func TestDirectoryIndexRoundTrip(t *testing.T) {
	example, err := os.ReadFile("../../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	o := gen.Options{Agencies: 12, Staff: 400, Pages: 1500, Seed: 4, AsOf: "2026-11-22"}
	generated, err := gen.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"example": example, "generated": generated} {
		m, err := evaluator.Load(data)
		if err != nil {
			t.Fatal(name, err)
		}
		d, err := NewDirectory(m)
		if err != nil {
			t.Fatal(name, err)
		}
		raw, _ := d.MarshalBinary()
		again, _ := d.MarshalBinary()
		if !bytes.Equal(raw, again) {
			t.Fatalf("%s: the same index written twice gives other bytes", name)
		}
		var back DirectoryIndex
		if err := back.UnmarshalBinary(raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(d, &back) {
			t.Fatalf("%s: the index read back is not the one written", name)
		}
		for _, p := range m.IDs("person") {
			want, _ := m.Standing(p)
			if got, _ := back.Standing(p); !reflect.DeepEqual(want, got) {
				t.Fatalf("%s: the standing of %s is %+v, the whole's %+v", name, p, got, want)
			}
		}
		for _, sort := range []string{"page", "unit", "agency"} {
			for _, id := range m.IDs(sort) {
				if back.AgencyOf(id) != m.AgencyOf(id) {
					t.Fatalf("%s: %s %s belongs to %q, the whole says %q", name, sort, id, back.AgencyOf(id), m.AgencyOf(id))
				}
			}
		}
		t.Logf("%s: %d bytes for %d agencies, %d people, %d ids held", name, len(raw), len(d.Agencies), len(d.people), d.holder.len())
		rng := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 300; i++ {
			bad := bytes.Clone(raw[:rng.IntN(len(raw))])
			if i%2 == 1 { // whole, with bytes changed
				bad = bytes.Clone(raw)
				for k := 0; k < 1+rng.IntN(4); k++ {
					bad[rng.IntN(len(bad))] ^= byte(1 + rng.IntN(255))
				}
			}
			var x DirectoryIndex
			if err := x.UnmarshalBinary(bad); err == nil && i%2 == 0 {
				t.Fatalf("%s: the index cut at %d of %d bytes was read", name, len(bad), len(raw))
			}
		}
	}
}
