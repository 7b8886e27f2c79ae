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

	people    []personC
	personIdx map[string]int32

	agencies  []agencyC
	agencyIdx map[string]int32

	units   []unitC
	unitIdx map[string]int32

	groups   []groupC
	groupIdx map[string]int32

	pages   []pageC
	pageIdx map[string]int32

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
}

type recRef struct{ agency, rec int32 }

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

type pageC struct {
	src      *page
	kind     kind
	agency   int32
	parent   int32
	children []int32

	own      *sectionC  // own security, for kinds with own security
	defaults []defaultC // default sections, for kinds with own security

	// the effective section (SPEC §3): entries, the page that owns them and which of its
	// sections it is (kindInvalid: its security).
	sec      *sectionC
	secOwner int32
	secKind  kind

	// context: the nearest page of each sort at or above this one (-1: none), SPEC §4.2
	deptUnit   int32
	metric     int32
	task       int32
	individual int32
	project    int32

	creators []int32 // created_by of the page and, for items, of the pages they hang under
	perf     bool    // a performance report, or an item under one (SPEC §4.6)

	// resolved people of the page's own kind-specific fields
	owners      []int32
	responsible []int32
	person      int32
	roles       [4][]int32 // sponsor, leader, member, consultant
}

type sectionC struct {
	entries []entryC
}

type entryC struct {
	principal principalKind
	ref       int32 // person, group, unit or function, for the named forms
	role      role
	create    kindSet
	src       *entry
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
