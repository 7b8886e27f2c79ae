package evaluator

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// The diff's reference for the tests: its rows counted and cut as the diff lists them, from
// every row made (accessDiff).

// tallyChanges counts rows already listed, by their ids (the diffs count them by number).
func tallyChanges(rows []AccessChange) diffCounts {
	rank := map[Level]int{LevelNone: 0, LevelDenied: 0, LevelReader: 1, LevelEditor: 2, LevelFull: 3}
	type sets struct{ people, pages map[string]bool }
	var gains, losses [4]sets
	c := diffCounts{total: len(rows)}
	count := func(s *sets, row AccessChange) {
		if s.people == nil {
			s.people, s.pages = map[string]bool{}, map[string]bool{}
		}
		s.people[row.Subject], s.pages[row.Resource] = true, true
	}
	for _, row := range rows {
		switch b, a := rank[row.Before.Level], rank[row.After.Level]; {
		case a > b:
			count(&gains[a], row)
		case a < b:
			count(&losses[b], row)
		default:
			c.creates++
		}
	}
	for r := 1; r <= 3; r++ {
		c.gains[r] = [2]int{len(gains[r].people), len(gains[r].pages)}
		c.losses[r] = [2]int{len(losses[r].people), len(losses[r].pages)}
	}
	return c
}

// firstChanges is the first n of rows already in the diff's order (n < 0: all).
func firstChanges(rows []AccessChange, n int) []AccessChange {
	if n >= 0 && len(rows) > n {
		return slices.Clone(rows[:n])
	}
	return rows
}

// TestSelectFirst: the n lowest keys go first, the nth lowest last among them, for keys in
// order, in reverse, all equal, and random, at every n.
func TestSelectFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 11))
	orders := map[string]func(i, size int) uint64{
		"in order":   func(i, _ int) uint64 { return uint64(i) },
		"reversed":   func(i, size int) uint64 { return uint64(size - i) },
		"all equal":  func(int, int) uint64 { return 7 },
		"random":     func(int, int) uint64 { return r.Uint64N(50) },
		"organ pipe": func(i, size int) uint64 { return uint64(min(i, size-i)) },
	}
	for name, key := range orders {
		for size := 1; size <= 70; size++ {
			rows := make([]keyed[int], size)
			for i := range rows {
				rows[i] = keyed[int]{key: key(i, size), row: i}
			}
			want := slices.Clone(rows)
			slices.SortFunc(want, func(a, b keyed[int]) int { return cmp.Compare(a.key, b.key) })
			for n := 1; n <= size; n++ {
				got := slices.Clone(rows)
				selectFirst(got, n)
				if got[n-1].key != want[n-1].key {
					t.Fatalf("%s, %d rows, n %d: the nth key is %d, want %d", name, size, n, got[n-1].key, want[n-1].key)
				}
				first := slices.Clone(got[:n])
				slices.SortFunc(first, func(a, b keyed[int]) int { return cmp.Compare(a.key, b.key) })
				for i := range first {
					if first[i].key != want[i].key {
						t.Fatalf("%s, %d rows, n %d: the first keys are %v", name, size, n, first)
					}
				}
				seen := map[int]bool{}
				for _, k := range got {
					seen[k.row] = true
				}
				if len(seen) != size {
					t.Fatalf("%s, %d rows, n %d: rows lost", name, size, n)
				}
			}
		}
	}
}
