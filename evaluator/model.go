package evaluator

import (
	"slices"
)

// Model is a validated snapshot compiled for evaluation: ids interned, memberships indexed,
// each page's context and effective section resolved ahead (SPEC §3–4). A Model is never
// changed after Load; edits produce a new one, so readers may share it freely.
type Model struct {
	raw  []byte
	snap *snapshot
	// aboveDay is the day the records' lists of the people above them were made for (the
	// document's own as_of; a model judged on another day walks reports-to on that day)
	aboveDay Date
	// spans locate in raw the elements edits rewrite (edit_doc.go); patches are the segments
	// edits have rewritten since, and doc the document they make, written out when asked.
	spans   *docSpans
	patches map[segKey][]byte
	doc     *docCache
	// lint keeps the findings by scope once a what-if needed them (lint_scoped.go); ranks
	// the order of the ids (whatif_changes.go), shared by the models edits make from this one
	// without moving any element
	lint  *lintCache
	ranks *idRanks

	people    []personC
	personIdx map[string]int32

	agencies  []agencyC
	agencyIdx map[string]int32

	units   []unitC
	unitIdx map[string]int32

	groups   []groupC
	groupIdx map[string]int32

	pages   []pageC
	pageIdx idTable

	// personIdx again, for the lookups of every request (idIndex)
	personFast idIndex
	// pageHot[x] is what deciding reads of page x, packed (pageHotC)
	pageHot []pageHotC

	functions   []functionC
	functionIdx map[string]int32
	capIdx      map[string]int32
	builds      map[string]*build

	siteDefaults map[kind]*templateC
}

type personC struct {
	src     *person
	active  bool // Person ID active
	admin   bool
	records []recRef
	// elsewhere: records held in agencies this document does not hold (an agency shard's
	// records_elsewhere, shard_load.go)
	elsewhere []elsewhereC
}

// recRef names a staff record; its dates are copied here so that the question of every
// decision (is the record active on day d?) need not reach the record itself.
type recRef struct {
	agency, rec int32
	start, end  Date
}

type agencyC struct {
	src         *agency
	org         int32 // the organization page
	orgEditors  []int32
	orgLeaders  []int32
	records     []recordC
	units       []int32
	pages       []int32
	coordinator map[int32]string // person → primary | backup
}

type recordC struct {
	src       *staffRecord
	person    int32
	unit      int32 // -1: none (history of a deleted unit)
	start     Date
	end       Date
	functions []int32
	reportsTo []int32
	outs      []outC

	// above: everyone above the person on the snapshot's day, through reports_to and theirs
	// to the top (sorted), when aboveOK; filled for the records reports-to reads that day.
	above   []int32
	aboveOK bool
}

type outC struct {
	unit       int32
	start, end Date
}

type unitC struct {
	src      *unit
	agency   int32
	editors  []int32
	leaders  []int32
	approver int32
	deptPage int32
}

type groupC struct {
	src     *group
	agency  int32
	members []int32
}

type functionC struct {
	src   *function
	attrs []attrC
}

type attrC struct {
	capability int32
	scope      scope
	src        *attribute
}

type scope uint8

const (
	scopeSelf scope = iota
	scopeUnit
	scopeAgency
	scopeSystem
)

type templateC struct {
	security sectionC
	defaults []defaultC
}

type defaultC struct {
	kind kind
	sec  *sectionC
}

// pageC is a compiled page. The fields every decision reads come first, so that they share
// a cache line.
type pageC struct {
	kind    kind
	secKind kind
	perf    bool // a performance report, or an item under one (SPEC §4.6)
	agency  int32
	parent  int32

	// the effective section (SPEC §3): entries, the page that owns them and which of its
	// sections it is (secKind; kindInvalid: its security).
	secOwner int32
	sec      *sectionC

	// context: the nearest page of each sort at or above this one (-1: none), SPEC §4.2
	deptUnit   int32
	metric     int32
	task       int32
	individual int32
	project    int32
	person     int32 // individuals: the person (resolved); here, where it fills the padding

	creators []int32 // created_by of the page and, for items, of the pages they hang under

	src      *page
	children []int32

	own      *sectionC  // own security, for kinds with own security
	defaults []defaultC // default sections, for kinds with own security

	// resolved people of the page's own kind-specific fields: named is a metric's owners or a
	// task's responsible (owners, responsible)
	named []int32
	roles *[4][]int32 // projects only (nil on other pages): sponsor, leader, member, consultant
}

// owners is a metric page's owners (nil on a page of another kind).
func (P *pageC) owners() []int32 {
	if P.kind.isMetric() {
		return P.named
	}
	return nil
}

// responsible is a task page's responsible people (nil on a page of another kind).
func (P *pageC) responsible() []int32 {
	if P.kind.isTask() {
		return P.named
	}
	return nil
}

// sectionC is a compiled section. The loader takes the entries of every section from a few
// large blocks (sectionBlocks), in page order, so that the sections of neighbouring pages lie
// side by side and the model is a few allocations, not one per section.
type sectionC struct {
	entries []entryC
}

// pageHotC is what deciding a request reads of a page, in 64 bytes, so that one cache line
// of Model.pageHot holds it; the context of relative principals stays in pageC.
type pageHotC struct {
	entries  []entryC // pageC.sec.entries: the effective section's entries
	creators []int32  // pageC.creators
	agency   int32
	secOwner int32
	kind     kind
	perf     bool
}

// entryC is a compiled entry: what deciding reads (ref, principal, role) and its words for
// the answers, in 16 bytes (the largest agency has 310,000). The kinds it lets create are its
// words' (createSet), read only for the few entries withCreate.
type entryC struct {
	text       *entryText
	ref        int32 // person, group, unit or function, for the named forms
	principal  principalKind
	role       role
	withCreate bool // text.createSet is not empty
}

// createSet is the kinds of page the entry lets create.
func (e *entryC) createSet() kindSet {
	if !e.withCreate {
		return 0
	}
	return e.text.createSet
}

// entryText is an entry as the document words it, for reasons and for the section's answer:
// the compiled entry keeps it in place of the parsed one, so that the parsed sections are not
// kept after a load. Entries that read the same share one (the loader interns them).
type entryText struct {
	principal string
	create    []string // as written; nil when the entry has none

	// what the words say, worked out once for all the entries that share them: the sort of
	// principal and the id it names (splitPrincipal), and the create rights, all of them
	// kinds unless badCreate
	kind      principalKind
	ref       string
	createSet kindSet
	badCreate bool
}

// role is an entry's role; levels order reader < editor < full.
type role uint8

const (
	roleNotSet role = iota
	roleReader
	roleEditor
	roleFull
	roleDenied
)

var roleByName = map[string]role{"not_set": roleNotSet, "reader": roleReader, "editor": roleEditor, "full": roleFull, "denied": roleDenied}

var roleNames = [...]string{roleNotSet: "not_set", roleReader: "reader", roleEditor: "editor", roleFull: "full", roleDenied: "denied"}

// String is the role's name in a snapshot.
func (r role) String() string { return roleNames[r] }

func (m *Model) defaultsOf(p int32, k kind) *sectionC {
	for _, d := range m.pages[p].defaults {
		if d.kind == k {
			return d.sec
		}
	}
	return nil
}

func sortedIDs(list []int32) []int32 {
	slices.Sort(list)
	return slices.Compact(list)
}

func has(sorted []int32, x int32) bool {
	if len(sorted) < 16 {
		for _, y := range sorted {
			if y == x {
				return true
			}
		}
		return false
	}
	_, ok := slices.BinarySearch(sorted, x)
	return ok
}

// AsOf is the day the snapshot describes.
func (m *Model) AsOf() string { return m.snap.AsOf.String() }

// Version counts the edit batches applied to the snapshot (SPEC §1).
func (m *Model) Version() int64 { return m.snap.Version }

// idIndex finds the index of an id, as a map[string]int32 would, for the lookups of every
// request: an id of up to 16 bytes is kept in its slot, so that one cache line answers most
// questions, where a map of 50,000 ids costs several misses (its control word, its slot and
// the id's bytes). Longer ids are not in the index: the caller asks its map for those.
type idIndex struct {
	slots []idSlot // open addressing, linear probing, at most half full
	mask  uint64
}

type idSlot struct {
	w0, w1 uint64 // the id's bytes, zero-padded
	x      int32
	n      uint8 // the id's length + 1; 0: an empty slot
}

const idIndexMax = 16 // the longest id the index keeps

// idWords reads an id of up to 16 bytes as two little-endian words.
func idWords(id string) (w0, w1 uint64) {
	for i := 0; i < len(id) && i < 8; i++ {
		w0 |= uint64(id[i]) << (8 * i)
	}
	for i := 8; i < len(id); i++ {
		w1 |= uint64(id[i]) << (8 * (i - 8))
	}
	return w0, w1
}

func idHash(w0, w1 uint64, n int) uint64 {
	h := (w0 ^ 0x9e3779b97f4a7c15) * 0xbf58476d1ce4e5b9
	h ^= (w1 + uint64(n)) * 0x94d049bb133111eb
	h ^= h >> 31
	h *= 0xd6e8feb86659fd93
	return h ^ h>>32
}

// newIDIndex indexes the short ones of n ids, id(i) being the id of position i.
func newIDIndex(n int, id func(i int) string) idIndex {
	ix := emptyIDIndex(n)
	for i := 0; i < n; i++ {
		s := id(i)
		if len(s) > idIndexMax {
			continue
		}
		w0, w1 := idWords(s)
		for h := idHash(w0, w1, len(s)) & ix.mask; ; h = (h + 1) & ix.mask {
			sl := &ix.slots[h]
			if sl.n == 0 {
				*sl = idSlot{w0: w0, w1: w1, x: int32(i), n: uint8(len(s) + 1)}
				break
			}
			if sl.n == uint8(len(s)+1) && sl.w0 == w0 && sl.w1 == w1 {
				break // an id twice: the first keeps it
			}
		}
	}
	return ix
}

// lookup finds an id of at most idIndexMax bytes; ok is false when it is not there.
func (ix *idIndex) lookup(id string) (int32, bool) {
	w0, w1 := idWords(id)
	n := uint8(len(id) + 1)
	for h := idHash(w0, w1, len(id)) & ix.mask; ; h = (h + 1) & ix.mask {
		sl := &ix.slots[h]
		if sl.n == 0 {
			return 0, false
		}
		if sl.n == n && sl.w0 == w0 && sl.w1 == w1 {
			return sl.x, true
		}
	}
}

// pageIndex and personIndex answer as pageIdx and personIdx do.
func (m *Model) pageIndex(id string) (int32, bool) { return m.pageIdx.get(id) }

func (m *Model) personIndex(id string) (int32, bool) {
	if len(id) <= idIndexMax && m.personFast.slots != nil {
		return m.personFast.lookup(id)
	}
	p, ok := m.personIdx[id]
	return p, ok
}
