package evaluator

import (
	"cmp"
	"math/bits"
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
// create rights or a deny. People and pages are numbered densely (their places, or their
// ranks when the two models place them apart) below the sizes it was made for, and each
// level keeps them as bits: the largest agency's add_staff counts 40,000 changes, which as
// sets of maps took a tenth of its what-if.
type accessTally struct {
	total         int
	gains, losses [4]levelTally // by rank: reader 1, editor 2, full 3
	creates       int
	people, pages int // how many numbers each side has
}

func newAccessTally(people, pages int) accessTally {
	return accessTally{people: people, pages: pages}
}

type levelTally struct {
	people, pages bitCount
}

// bitCount is a set of small numbers as bits, with its size.
type bitCount struct {
	bits []uint64
	n    int
}

// add puts i (below size) in the set.
func (b *bitCount) add(i int32, size int) {
	if b.bits == nil {
		b.bits = make([]uint64, (size+63)/64)
	}
	w, bit := i>>6, uint64(1)<<(i&63)
	if b.bits[w]&bit == 0 {
		b.bits[w] |= bit
		b.n++
	}
}

func (t *accessTally) level(l *levelTally, person, page int32) {
	l.people.add(person, t.people)
	l.pages.add(page, t.pages)
}

// rankOf orders levels for the summary: none and denied below reader, editor, full.
var rankOf = [...]int{roleNotSet: 0, roleDenied: 0, roleReader: 1, roleEditor: 2, roleFull: 3}

func (t *accessTally) add(person, page int32, before, after role) {
	t.total++
	switch b, a := rankOf[before], rankOf[after]; {
	case a > b:
		t.level(&t.gains[a], person, page)
	case a < b:
		t.level(&t.losses[b], person, page)
	default:
		t.creates++
	}
}

// counts is the tally as the summary words it.
func (t *accessTally) counts() diffCounts {
	c := diffCounts{total: t.total, creates: t.creates}
	for r := 1; r <= 3; r++ {
		c.gains[r] = [2]int{t.gains[r].people.n, t.gains[r].pages.n}
		c.losses[r] = [2]int{t.losses[r].people.n, t.losses[r].pages.n}
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

// trim keeps the first n rows of those gathered, in no order, and the key of the last.
func (f *firstRows[R]) trim() {
	if f.n >= 0 && len(f.rows) > f.n {
		selectFirst(f.rows, f.n)
		f.rows = f.rows[:f.n]
		f.cut, f.full = f.rows[f.n-1].key, true
	}
}

// sorted is the rows kept, in order.
func (f *firstRows[R]) sorted() []keyed[R] {
	f.trim()
	slices.SortFunc(f.rows, func(a, b keyed[R]) int { return cmp.Compare(a.key, b.key) })
	return f.rows
}

// selectFirst moves the n rows of the lowest keys to rows[:n] in no order but the nth lowest
// last (at n-1), as a quickselect does: in linear time, where sorting every row gathered to
// keep half of them took a tenth of the largest agency's add_staff what-if. A partition that
// goes badly too often is left for a sort.
func selectFirst[R any](rows []keyed[R], n int) {
	k := n - 1
	lo, hi := 0, len(rows)-1
	for budget := 2 * bits.Len(uint(len(rows))); lo < hi; budget-- {
		if budget == 0 {
			slices.SortFunc(rows[lo:hi+1], func(a, b keyed[R]) int { return cmp.Compare(a.key, b.key) })
			return
		}
		// the median of the first, middle and last keys as the pivot
		mid := lo + (hi-lo)/2
		if rows[mid].key < rows[lo].key {
			rows[mid], rows[lo] = rows[lo], rows[mid]
		}
		if rows[hi].key < rows[lo].key {
			rows[hi], rows[lo] = rows[lo], rows[hi]
		}
		if rows[hi].key < rows[mid].key {
			rows[hi], rows[mid] = rows[mid], rows[hi]
		}
		pivot := rows[mid].key
		i, j := lo, hi
		for i <= j {
			for rows[i].key < pivot {
				i++
			}
			for rows[j].key > pivot {
				j--
			}
			if i <= j {
				rows[i], rows[j] = rows[j], rows[i]
				i++
				j--
			}
		}
		// rows[lo..j] are at most the pivot, rows[i..hi] at least, and those between equal it
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}
