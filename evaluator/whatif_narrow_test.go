package evaluator

import (
	"math/rand/v2"
	"testing"

	"github.com/connsec/connsec/tools/gen"
	"github.com/tidwall/gjson"
)

// TestWhatIfNarrowsExactly: at a size where units, groups, functions and sections are shared
// by many pages and people (three agencies, 600 staff, 6,000 pages), the access diff that
// decides only the cells that can differ (whatif_byid.go, whatif_dirty.go) equals the one that
// compares every changed person on every page and every changed page for every person
// (accessDiff), for random batches of every kind, the structural ones included.
func TestWhatIfNarrowsExactly(t *testing.T) {
	data, err := gen.Generate(gen.Options{Agencies: 3, Staff: 600, Pages: 6000, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 13))
	compared, changes, structural := 0, 0, 0
	for i := 0; compared < 12 && i < 60; i++ {
		raw := randomEditBatch(r, gjson.ParseBytes(m.Snapshot()))
		b, err := parseBatch(raw)
		if err != nil {
			t.Fatal(err)
		}
		ch := &changeSet{}
		next, err := m.applyBatch(b, true, ch)
		if err != nil {
			continue
		}
		all, _ := compareAccessDiffs(t, "batch "+string(raw), m, next, next, m.changedPeople(next), ch)
		compared++
		changes += len(all)
		if ch.byID() {
			structural++
		}
		m = next
	}
	if compared < 12 || changes == 0 || structural == 0 {
		t.Fatalf("%d batches compared (%d adding or removing elements), %d changes: the test should compare 12 batches that change access, some structural", compared, structural, changes)
	}
	t.Logf("%d batches compared (%d adding or removing elements), %d changed cells", compared, structural, changes)
}
