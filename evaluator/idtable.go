package evaluator

import "maps"

// idTable finds the place of an id, as a map[string]int32 would, in a form a new model
// version copies cheaply: the ids of up to 16 bytes sit in one flat slot array (idIndex),
// which a copy takes with one memmove where a map of 60,000 ids is rebuilt key by key (11 ms
// at the largest agency, the most of a create_page). Longer ids are kept in a map.
type idTable struct {
	idIndex
	short int // ids in the slots
	long  map[string]int32
}

// newIDTable is an empty table with room for n ids.
func newIDTable(n int) idTable {
	return idTable{idIndex: emptyIDIndex(n)}
}

func emptyIDIndex(n int) idIndex {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return idIndex{slots: make([]idSlot, size), mask: uint64(size - 1)}
}

// get is the place of id.
func (t *idTable) get(id string) (int32, bool) {
	if len(id) > idIndexMax {
		x, ok := t.long[id]
		return x, ok
	}
	if t.slots == nil {
		return 0, false
	}
	return t.lookup(id)
}

// len is the number of ids.
func (t *idTable) len() int { return t.short + len(t.long) }

// clone is a table the caller may change without changing t.
func (t *idTable) clone() idTable {
	c := idTable{idIndex: idIndex{slots: append([]idSlot(nil), t.slots...), mask: t.mask}, short: t.short}
	if t.long != nil {
		c.long = maps.Clone(t.long)
	}
	return c
}

// set gives id the place x (a new id, or one that moved).
func (t *idTable) set(id string, x int32) {
	if len(id) > idIndexMax {
		if t.long == nil {
			t.long = map[string]int32{}
		}
		t.long[id] = x
		return
	}
	if 2*(t.short+1) > len(t.slots) {
		t.grow()
	}
	w0, w1 := idWords(id)
	n := uint8(len(id) + 1)
	for h := idHash(w0, w1, len(id)) & t.mask; ; h = (h + 1) & t.mask {
		sl := &t.slots[h]
		if sl.n == 0 {
			*sl = idSlot{w0: w0, w1: w1, x: x, n: n}
			t.short++
			return
		}
		if sl.n == n && sl.w0 == w0 && sl.w1 == w1 {
			sl.x = x
			return
		}
	}
}

// grow doubles the slots, placing every id again.
func (t *idTable) grow() {
	old := t.slots
	t.idIndex = emptyIDIndex(max(8, len(old)))
	for _, sl := range old {
		if sl.n == 0 {
			continue
		}
		for h := idHash(sl.w0, sl.w1, int(sl.n)-1) & t.mask; ; h = (h + 1) & t.mask {
			if t.slots[h].n == 0 {
				t.slots[h] = sl
				break
			}
		}
	}
}

// del removes id. The slots after it in its run move back where their probe allows
// (backward-shift deletion), so no marker of a removed id is left behind.
func (t *idTable) del(id string) {
	if len(id) > idIndexMax {
		delete(t.long, id)
		return
	}
	if t.slots == nil {
		return
	}
	w0, w1 := idWords(id)
	n := uint8(len(id) + 1)
	h := idHash(w0, w1, len(id)) & t.mask
	for ; ; h = (h + 1) & t.mask {
		sl := &t.slots[h]
		if sl.n == 0 {
			return
		}
		if sl.n == n && sl.w0 == w0 && sl.w1 == w1 {
			break
		}
	}
	t.short--
	hole := h
	for j := (hole + 1) & t.mask; t.slots[j].n != 0; j = (j + 1) & t.mask {
		home := idHash(t.slots[j].w0, t.slots[j].w1, int(t.slots[j].n)-1) & t.mask
		// the slot at j may fill the hole when its home is not in (hole, j], cyclically
		if (j-home)&t.mask >= (j-hole)&t.mask {
			t.slots[hole] = t.slots[j]
			hole = j
		}
	}
	t.slots[hole] = idSlot{}
}

// remap gives every id the place f gives for the one it has: a page removed or inserted moves
// the places of the pages after it (remapPages), which one pass over the slots moves where
// setting each of those ids again would look every one up by its hash.
func (t *idTable) remap(f func(int32) int32) {
	for i := range t.slots {
		if sl := &t.slots[i]; sl.n != 0 {
			sl.x = f(sl.x)
		}
	}
	for id, x := range t.long {
		t.long[id] = f(x)
	}
}
