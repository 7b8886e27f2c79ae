package evaluator

import (
	"cmp"
	"slices"
)

// DefaultAccessRows is how many rows of an access diff WhatIf and ApplyWithDiff list. A
// propagation at the organization level of the largest agency changes tens of millions of
// (person, page) cells: no page, screen or isolate can hold them, and no coordinator reads
// them. The diff's count (AccessTotal) and its summary always count every change; the rows
// listed are the first ones in the diff's order (by person, then page). WhatIfN lists more.
const DefaultAccessRows = 10000

// accessTally counts every change of an access diff for its summary (SPEC §6): for each
// level, the people and pages that gain it and that lose it, and the changes that move only
// create rights or a deny. K names a person or a page: indexes when both models place them
// alike, ids otherwise.
type accessTally[K comparable] struct {
	total         int
	gains, losses [4]levelTally[K] // by rank: reader 1, editor 2, full 3
	creates       int
}

type levelTally[K comparable] struct {
	people, pages map[K]struct{}
}

func (t *levelTally[K]) add(person, page K) {
	if t.people == nil {
		t.people, t.pages = map[K]struct{}{}, map[K]struct{}{}
	}
	t.people[person] = struct{}{}
	t.pages[page] = struct{}{}
}

// rankOf orders levels for the summary: none and denied below reader, editor, full.
var rankOf = [...]int{roleNotSet: 0, roleDenied: 0, roleReader: 1, roleEditor: 2, roleFull: 3}

func (t *accessTally[K]) add(person, page K, before, after role) {
	t.total++
	switch b, a := rankOf[before], rankOf[after]; {
	case a > b:
		t.gains[a].add(person, page)
	case a < b:
		t.losses[b].add(person, page)
	default:
		t.creates++
	}
}

// counts is the tally as the summary words it.
func (t *accessTally[K]) counts() diffCounts {
	c := diffCounts{total: t.total, creates: t.creates}
	for r := 1; r <= 3; r++ {
		c.gains[r] = [2]int{len(t.gains[r].people), len(t.gains[r].pages)}
		c.losses[r] = [2]int{len(t.losses[r].people), len(t.losses[r].pages)}
	}
	return c
}

// diffCounts is an access diff counted: for each rank, the people and pages that gain it or
// lose it.
type diffCounts struct {
	total         int
	gains, losses [4][2]int
	creates       int
}

// firstRows keeps the first n rows (n < 0: all) of a diff in its order: by person, then by
// page, each a key of two ranks. It holds at most 2n rows at a time, so a diff of any size
// is listed in memory of its first rows.
type firstRows[R any] struct {
	n    int
	rows []keyed[R]
	cut  uint64 // once trimmed: a row keyed above cut cannot be among the first n
	full bool
}

type keyed[R any] struct {
	key uint64
	row R
}

func (f *firstRows[R]) add(key uint64, row R) {
	if f.n == 0 || f.full && key > f.cut {
		return
	}
	f.rows = append(f.rows, keyed[R]{key, row})
	if f.n > 0 && len(f.rows) >= 2*f.n {
		f.trim()
	}
}

func (f *firstRows[R]) trim() {
	slices.SortFunc(f.rows, func(a, b keyed[R]) int { return cmp.Compare(a.key, b.key) })
	if f.n >= 0 && len(f.rows) > f.n {
		f.rows = f.rows[:f.n]
		f.cut, f.full = f.rows[f.n-1].key, true
	}
}

// sorted is the rows kept, in order.
func (f *firstRows[R]) sorted() []keyed[R] {
	f.trim()
	return f.rows
}
