package edge

import (
	"maps"
	"slices"
	"strings"
)

// heldIDs is the agency holding each page, unit and custom group id of the directory index:
// the ids in order, one after another in one string, each found by a binary search. At the
// state profile (200,000 pages) a map of them took about 9 MB in each isolate and in the
// directory's object, twice over while an index read again replaced the one before.
type heldIDs struct {
	text   string   // every id, in order
	ends   []uint32 // where each id ends in text: it starts where the one before it ends
	agency []uint16 // the agency holding each id
}

// heldFrom lays out the ids of a map.
func heldFrom(m map[string]uint16) heldIDs {
	ids := slices.Sorted(maps.Keys(m))
	var b heldBuilder
	b.grow(ids)
	for _, id := range ids {
		b.add(id, m[id])
	}
	return b.done()
}

// heldPair is an id read with its agency, before they are put in order.
type heldPair struct {
	id     string
	agency uint16
}

// heldFromPairs lays out pairs in any order; where an id comes twice the later pair holds it,
// as a map written in their order would.
func heldFromPairs(pairs []heldPair) heldIDs {
	slices.SortStableFunc(pairs, func(p, q heldPair) int { return strings.Compare(p.id, q.id) })
	ids := make([]string, 0, len(pairs))
	for i, p := range pairs {
		if i+1 < len(pairs) && pairs[i+1].id == p.id {
			continue
		}
		ids = append(ids, p.id)
	}
	var b heldBuilder
	b.grow(ids)
	for i, p := range pairs {
		if i+1 < len(pairs) && pairs[i+1].id == p.id {
			continue
		}
		b.add(p.id, p.agency)
	}
	return b.done()
}

type heldBuilder struct {
	text   []byte
	ends   []uint32
	agency []uint16
}

func (b *heldBuilder) grow(ids []string) {
	n := 0
	for _, id := range ids {
		n += len(id)
	}
	b.text, b.ends, b.agency = make([]byte, 0, n), make([]uint32, 0, len(ids)), make([]uint16, 0, len(ids))
}

func (b *heldBuilder) add(id string, a uint16) {
	b.text = append(b.text, id...)
	b.ends = append(b.ends, uint32(len(b.text)))
	b.agency = append(b.agency, a)
}

func (b *heldBuilder) done() heldIDs {
	return heldIDs{text: string(b.text), ends: b.ends, agency: b.agency}
}

func (h *heldIDs) len() int { return len(h.ends) }

// id is the i-th id in order.
func (h *heldIDs) id(i int) string {
	start := uint32(0)
	if i > 0 {
		start = h.ends[i-1]
	}
	return h.text[start:h.ends[i]]
}

// get is the agency holding id.
func (h *heldIDs) get(id string) (uint16, bool) {
	lo, hi := 0, len(h.ends)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if h.id(mid) < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(h.ends) && h.id(lo) == id {
		return h.agency[lo], true
	}
	return 0, false
}

// size is the bytes the ids take.
func (h *heldIDs) size() int64 { return int64(len(h.text)) + 6*int64(len(h.ends)) }
