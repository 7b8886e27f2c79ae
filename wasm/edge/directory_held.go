package edge

import (
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

// heldPair is an id read with its agency, before they are put in order.
type heldPair struct {
	id     string
	agency uint16
}

// heldFromPairs lays out pairs in any order; where an id comes twice the later pair holds it,
// as a map written in their order would.
func heldFromPairs(pairs []heldPair) heldIDs { return heldLayered(pairs, nil) }

// heldLayered lays out over, where an id's later pair holds it, and under, where its first
// does, but only an id over does not hold: as a map written with over in its order, then with
// under where it holds nothing yet. Both are put in order in place.
func heldLayered(over, under []heldPair) heldIDs {
	byID := func(p, q heldPair) int { return strings.Compare(p.id, q.id) }
	slices.SortStableFunc(over, byID)
	slices.SortStableFunc(under, byID)
	merge := func(add func(heldPair)) {
		i, j := 0, 0
		for i < len(over) || j < len(under) {
			if i < len(over) && i+1 < len(over) && over[i+1].id == over[i].id {
				i++ // a later pair holds it
				continue
			}
			if j > 0 && j < len(under) && under[j].id == under[j-1].id {
				j++ // the first pair holds it
				continue
			}
			switch {
			case j == len(under) || i < len(over) && over[i].id < under[j].id:
				add(over[i])
				i++
			case i == len(over) || under[j].id < over[i].id:
				add(under[j])
				j++
			default: // both: over holds it
				add(over[i])
				i, j = i+1, j+1
			}
		}
	}
	n, size := 0, 0
	merge(func(p heldPair) { n, size = n+1, size+len(p.id) })
	b := heldBuilder{text: make([]byte, 0, size), ends: make([]uint32, 0, n), agency: make([]uint16, 0, n)}
	merge(func(p heldPair) {
		b.text = append(b.text, p.id...)
		b.ends = append(b.ends, uint32(len(b.text)))
		b.agency = append(b.agency, p.agency)
	})
	return heldIDs{text: string(b.text), ends: b.ends, agency: b.agency}
}

type heldBuilder struct {
	text   []byte
	ends   []uint32
	agency []uint16
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
