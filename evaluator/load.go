package evaluator

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// Load validates a snapshot document (SPEC §2) and compiles it. A snapshot that breaks any
// rule is refused as a whole: the error is a *SnapshotError listing every problem with its
// JSON path, and no Model is returned. The document is kept as it is, unknown fields included,
// so that edits can save it back faithfully; the model's strings are read in place from data,
// so the caller must not change data after a successful Load.
func Load(data []byte) (*Model, error) { return load(data, true) }

// load is Load; without keep (LoadForReading) the model keeps nothing of data: what was read
// is copied out of it before compiling, so that the document may be collected while the model
// compiles.
func load(data []byte, keep bool) (*Model, error) {
	if !gjson.ValidBytes(data) {
		return nil, &SnapshotError{Problems: []Problem{{Code: CodeInvalidSnapshot, Path: "", Message: "this is not a JSON document" + syntaxHint(data)}}}
	}
	r := &reader{}
	m := &Model{lint: &lintCache{}, ranks: &idRanks{}}
	if keep {
		r.spans = &docSpans{}
		m.raw = data
	}
	m.snap = r.read(data)
	r.doneReading() // the checks below run whatever reading found, so that every problem is listed
	if keep {
		m.spans = r.spans
		r.words, r.entryBuf, r.entryBlock = textTable{}, nil, nil // the entries hold their words
	} else {
		// detach copies 6 MB at the largest agency while the document is still held: collecting
		// what reading let go first lets the copies reuse it (a reader's load reached 79.5 MB
		// in WebAssembly without this collection and 76 MB with it, wasm/bench/memory.mjs)
		runtime.GC()
		r.detach(m.snap)
		// the entries hold their interned words now (detach copied them): the table that
		// found them goes with the document
		r.words, r.entryBuf, r.entryBlock = textTable{}, nil, nil
		// The document is dropped here (detach copied what the model keeps), before the model
		// is compiled: collecting now lets the compiled model reuse the document's memory, where
		// it would otherwise grow past it. A WebAssembly module never gives memory back, so its
		// size is the high-water mark: at the largest agency a reader's load reaches 94 MB with
		// this collection and 106 MB without (wasm/bench/memory.mjs).
		runtime.GC()
	}
	c := &compiler{reader: r, m: m}
	c.compile()
	if len(r.problems) > 0 {
		return nil, &SnapshotError{Problems: r.problems}
	}
	m.snap.release()
	return m, nil
}

// read parses the document. gjson.ParseBytes would copy it into a string (as large as the
// document); a string over data itself is safe because nothing writes to data after this
// (edits patch copies of segments, edit_doc.go).
func (r *reader) read(data []byte) *snapshot {
	text := inPlace(data)
	r.index = indexDocument(text)
	defer func() { r.index = nil }() // the index is of this document only
	doc := gjson.Parse(text)
	doc.Index = len(data) - len(doc.Raw) // gjson leaves the root at 0; its elements count from here
	return r.parseSnapshot(doc)
}

// release lets go of what the model holds compiled: the parsed entries of every section (the
// model keeps their words, entryText) and the people lists of the pages. An edit reads what it
// changes from the document again. Each page is let go as it is compiled, so that its garbage
// is collected while the next ones compile; this catches what a refused page left.
func (s *snapshot) release() {
	for _, t := range s.SiteDefaults {
		t.Security.Entries = nil
		for i := range t.Defaults {
			t.Defaults[i].Entries = nil
		}
	}
	for ai := range s.Agencies {
		pages := s.Agencies[ai].Pages
		for pi := range pages {
			pages[pi].release()
		}
	}
}

func (pg *page) release() { pg.pageRead = nil }

// syntaxHint names the line where the JSON stops making sense, as far as the standard
// library's decoder can tell.
func syntaxHint(data []byte) string {
	line, col, ok := jsonSyntaxPosition(data)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (the problem is near line %d, column %d)", line, col)
}

// compiler checks cross-references and builds the model's indexes.
type compiler struct {
	*reader
	m *Model
	// peopleOwned: m.people is the compiler's own (an edit compiled again copies it first)
	peopleOwned bool
	lost        lostIDs // sorts of element an id of which could not be read (findLost)
	blocks      sectionBlocks
	// pagesAt is the path of the pages of agency pagesOf-1 (pagesPath)
	pagesOf int32
	pagesAt string
}

// pagesPath is the path of agency ai's pages, written out once for all of them.
func (c *compiler) pagesPath(ai int32) string {
	if c.pagesOf != ai+1 {
		c.pagesOf, c.pagesAt = ai+1, field(index("agencies", int(ai)), "pages")
	}
	return c.pagesAt
}

// sectionBlocks hands out sections and their entries from large blocks. A section's entries
// are cut with their capacity, so that appending to one never writes into the next.
type sectionBlocks struct {
	sections []sectionC
	entries  []entryC
}

// sectionBlock is the most sections a block holds (entries: 8 times as many); blocks start
// small and double, so that an edit that compiles one section allocates little.
const sectionBlock = 4096

// section gives a section with room for n entries, empty.
func (b *sectionBlocks) section(n int) *sectionC {
	if len(b.sections) == cap(b.sections) {
		b.sections = make([]sectionC, 0, min(sectionBlock, max(4, 2*cap(b.sections))))
	}
	if n > cap(b.entries)-len(b.entries) {
		b.entries = make([]entryC, 0, max(n, min(8*sectionBlock, max(16, 2*cap(b.entries)))))
	}
	at := len(b.entries)
	b.sections = append(b.sections, sectionC{entries: b.entries[at : at : at+n]})
	b.entries = b.entries[:at+n]
	return &b.sections[len(b.sections)-1]
}

// over gives a section over entries read in place (reader.keepEntries).
func (b *sectionBlocks) over(entries []entryC) *sectionC {
	if len(b.sections) == cap(b.sections) {
		b.sections = make([]sectionC, 0, min(sectionBlock, max(4, 2*cap(b.sections))))
	}
	b.sections = append(b.sections, sectionC{entries: entries})
	return &b.sections[len(b.sections)-1]
}

// lostIDs are sorts of element (a bit each).
type lostIDs uint8

const (
	lostPeople lostIDs = 1 << iota
	lostBuilds
	lostFunctions
	lostUnits
	lostGroups
	lostPages
)

// findLost notes the sorts of element of which the document holds one whose id (or code)
// could not be read: one without an id, with a malformed one, one that is not an object, or a
// list of them that is not a list. A reference of such a sort that names no element it may
// name (none at all, or one of another agency) may well mean that one, so it is not reported
// (unresolved): fixing the id is the fix, and the load after it reports whichever references
// still name nothing.
func (c *compiler) findLost() {
	if c.unreadable == nil {
		return // read without a problem: every id is there
	}
	s := c.m.snap
	lose := func(what lostIDs, list string, emptyID func(i int) bool, n int) {
		if c.covered(list) {
			c.lost |= what
			return
		}
		for i := 0; i < n; i++ {
			if emptyID(i) {
				c.lost |= what
				return
			}
		}
	}
	lose(lostPeople, "people", func(i int) bool { return s.People[i].ID == "" }, len(s.People))
	lose(lostBuilds, "builds", func(i int) bool { return s.Builds[i].ID == "" }, len(s.Builds))
	lose(lostFunctions, "business_functions", func(i int) bool { return s.Functions[i].Code == "" }, len(s.Functions))
	if c.covered("agencies") {
		c.lost |= lostUnits | lostGroups | lostPages
	}
	for ai := range s.Agencies {
		a, at := &s.Agencies[ai], index("agencies", ai)
		lose(lostUnits, field(at, "units"), func(i int) bool { return a.Units[i].ID == "" }, len(a.Units))
		lose(lostGroups, field(at, "groups"), func(i int) bool { return a.Groups[i].ID == "" }, len(a.Groups))
		lose(lostPages, field(at, "pages"), func(i int) bool { return a.Pages[i].ID == "" }, len(a.Pages))
	}
}

// unknown reports a reference to an element of a sort that names none, unless the sort has an
// element whose id could not be read (findLost).
func (c *compiler) unknown(sort lostIDs, path, format string, args ...any) {
	c.unresolved(sort, CodeUnknownReference, path, format, args...)
}

// unresolved reports a reference of a sort that names no element it may name, under code,
// unless the sort has an element whose id could not be read (findLost).
func (c *compiler) unresolved(sort lostIDs, code, path, format string, args ...any) {
	if c.lost&sort == 0 {
		c.add(code, path, format, args...)
	}
}

// idCount is the number of ids a snapshot declares, to size the tables of ids.
func idCount(s *snapshot) int {
	n := len(s.People)
	for i := range s.Agencies {
		a := &s.Agencies[i]
		n += 1 + len(a.Units) + len(a.Groups) + len(a.Pages)
	}
	return n
}

// claim takes id for the element at path: person, agency, unit, page and group ids are
// unique across the snapshot (SPEC §1), so an id taken already is a problem. The first pass of
// compile claims every id in document order (people, then each agency's id, units, groups and
// pages) and enters each it takes in the index of its sort; those indexes are the record of
// what is taken (a table of its own for every id held 8.2 MB at the largest agency while the
// model compiled).
func (c *compiler) claim(id, path, what string) bool {
	return c.claimL(id, lazyPath{base: path, i: -1})
}

// claimL is claim with the path written out only when the id is taken already.
func (c *compiler) claimL(id string, path lazyPath) bool {
	if id == "" {
		return false
	}
	if c.taken(id) {
		c.add(CodeDuplicateID, path.String(), "the id %q is already used at %s (person, agency, unit, page and group ids are unique across the snapshot)", id, c.takenAt(id).String())
		return false
	}
	return true
}

// taken tells whether an element claimed id (claim). An agency is entered in its index
// whether its claim succeeds or not; one that fails names an id taken already.
func (c *compiler) taken(id string) bool {
	m := c.m
	if _, ok := m.personIdx[id]; ok {
		return true
	}
	if _, ok := m.agencyIdx[id]; ok {
		return true
	}
	if _, ok := m.unitIdx[id]; ok {
		return true
	}
	if _, ok := m.groupIdx[id]; ok {
		return true
	}
	_, ok := m.pageIdx.get(id)
	return ok
}

// takenAt is the path of the element that took id: the first that holds it in the order
// compile claims them, which is the one whose claim succeeded.
func (c *compiler) takenAt(id string) lazyPath {
	s := c.m.snap
	for i := range s.People {
		if s.People[i].ID == id {
			return lazyPath{base: "people", i: i, key: "id"}
		}
	}
	for ai := range s.Agencies {
		a := &s.Agencies[ai]
		at := index("agencies", ai)
		if a.ID == id {
			return lazyPath{base: field(at, "id"), i: -1}
		}
		for ui := range a.Units {
			if a.Units[ui].ID == id {
				return lazyPath{base: field(at, "units"), i: ui, key: "id"}
			}
		}
		for gi := range a.Groups {
			if a.Groups[gi].ID == id {
				return lazyPath{base: field(at, "groups"), i: gi, key: "id"}
			}
		}
		for pi := range a.Pages {
			if a.Pages[pi].ID == id {
				return lazyPath{base: field(at, "pages"), i: pi, key: "id"}
			}
		}
	}
	return lazyPath{i: -1}
}

// loginUnique: an NT login names one person (§1 of the rules). Logins are compared without
// regard to case, as Windows compares them.
func (c *compiler) loginUnique(seen map[string]int, p *person, i int) {
	if p.NTAccount == "" {
		return
	}
	key := strings.ToLower(p.NTAccount)
	if prev, ok := seen[key]; ok {
		c.add(CodeDuplicateID, field(index("people", i), "nt_account"), "the NT login %q of %s (%s) is already the login of %s (%s) at people[%d]; a login names one person",
			p.NTAccount, p.Name, p.ID, c.m.snap.People[prev].Name, c.m.snap.People[prev].ID, prev)
		return
	}
	seen[key] = i
}

func (c *compiler) person(id, path string) int32 {
	return c.personL(id, lazyPath{base: path, i: -1})
}

// personL is person with the path written out only when the id is unknown.
func (c *compiler) personL(id string, path lazyPath) int32 {
	if id == "" {
		return -1
	}
	if p, ok := c.m.personIdx[id]; ok {
		return p
	}
	c.unknown(lostPeople, path.String(), "no person has the id %q", id)
	return -1
}

func (c *compiler) personList(ids []string, path string) []int32 {
	out := make([]int32, 0, len(ids))
	for i, id := range ids {
		if p := c.personL(id, lazyPath{base: path, i: i}); p >= 0 {
			out = append(out, p)
		}
	}
	return sortedIDs(out)
}

// personListAt is personList with the path written out only for a list that is not empty.
func (c *compiler) personListAt(ids []string, path lazyPath) []int32 {
	if len(ids) == 0 {
		return []int32{}
	}
	return c.personList(ids, path.String())
}

// personListIn is personList with the path written out only for a problem.
func (c *compiler) personListIn(ids []string, path fieldPath) []int32 {
	out := make([]int32, 0, len(ids))
	for i, id := range ids {
		if p, ok := c.m.personIdx[id]; ok {
			out = append(out, p)
		} else if p := c.personL(id, lazyPath{base: path.String(), i: i}); p >= 0 {
			out = append(out, p)
		}
	}
	return sortedIDs(out)
}

func (c *compiler) compile() {
	m, s := c.m, c.m.snap
	c.findLost()
	m.personIdx = make(map[string]int32, len(s.People))
	m.people = make([]personC, 0, len(s.People))
	logins := make(map[string]int, len(s.People))
	for i := range s.People {
		p := &s.People[i]
		if c.claimL(p.ID, lazyPath{base: "people", i: i, key: "id"}) {
			m.personIdx[p.ID] = int32(len(m.people))
			m.people = append(m.people, personC{src: p, active: p.Status == "active"})
		}
		c.loginUnique(logins, p, i)
	}
	for i, id := range s.Administrators {
		if p := c.personL(id, lazyPath{base: "administrators", i: i}); p >= 0 {
			m.people[p].admin = true
		}
	}
	c.compileCatalog()

	var nUnits, nGroups, nPages int
	for ai := range s.Agencies {
		nUnits += len(s.Agencies[ai].Units)
		nGroups += len(s.Agencies[ai].Groups)
		nPages += len(s.Agencies[ai].Pages)
	}
	m.agencyIdx = make(map[string]int32, len(s.Agencies))
	m.unitIdx = make(map[string]int32, nUnits)
	m.groupIdx = make(map[string]int32, nGroups)
	m.pageIdx = newIDTable(nPages)
	m.agencies = make([]agencyC, 0, len(s.Agencies))
	m.units = make([]unitC, 0, nUnits)
	m.groups = make([]groupC, 0, nGroups)
	m.pages = make([]pageC, 0, nPages)
	// First pass: the ids every agency declares, so that references may point forward.
	for ai := range s.Agencies {
		a := &s.Agencies[ai]
		at := index("agencies", ai)
		c.claim(a.ID, field(at, "id"), "agency")
		m.agencyIdx[a.ID] = int32(ai)
		ac := agencyC{src: a, org: -1}
		unitsPath, groupsPath, pagesPath := field(at, "units"), field(at, "groups"), field(at, "pages")
		for ui := range a.Units {
			u := &a.Units[ui]
			if c.claimL(u.ID, lazyPath{base: unitsPath, i: ui, key: "id"}) {
				m.unitIdx[u.ID] = int32(len(m.units))
				ac.units = append(ac.units, int32(len(m.units)))
				m.units = append(m.units, unitC{src: u, agency: int32(ai), approver: -1, deptPage: -1})
			}
		}
		for gi := range a.Groups {
			g := &a.Groups[gi]
			if c.claimL(g.ID, lazyPath{base: groupsPath, i: gi, key: "id"}) {
				m.groupIdx[g.ID] = int32(len(m.groups))
				m.groups = append(m.groups, groupC{src: g, agency: int32(ai)})
			}
		}
		ac.pages = make([]int32, 0, len(a.Pages))
		for pi := range a.Pages {
			p := &a.Pages[pi]
			if c.claimL(p.ID, lazyPath{base: pagesPath, i: pi, key: "id"}) {
				m.pageIdx.set(p.ID, int32(len(m.pages)))
				ac.pages = append(ac.pages, int32(len(m.pages)))
				m.pages = append(m.pages, pageC{src: p, agency: int32(ai), parent: -1,
					deptUnit: -1, metric: -1, task: -1, individual: -1, project: -1, person: -1, secOwner: -1})
			}
		}
		m.agencies = append(m.agencies, ac)
	}
	for ai := range s.Agencies {
		c.compileAgency(int32(ai))
	}
	c.compileElsewhere()
	c.compileIDsElsewhere()
	c.compileSiteDefaults()
	c.checkReportsToCycles()
	c.compilePages()
	if len(c.problems) == 0 {
		c.compileReportsAbove()
		m.pageHot = make([]pageHotC, len(m.pages))
		for x := range m.pages {
			P := &m.pages[x]
			if P.sec == nil {
				m.pageHot = nil // deciding reads pages then
				break
			}
			m.pageHot[x] = pageHotC{entries: P.sec.entries, creators: P.creators, agency: P.agency, secOwner: P.secOwner, kind: P.kind, perf: P.perf}
		}
	}
	m.personFast = newIDIndex(len(m.people), func(i int) string { return m.people[i].src.ID })
}

func (c *compiler) compileCatalog() {
	m, s := c.m, c.m.snap
	m.builds = map[string]*build{}
	for i := range s.Builds {
		b := &s.Builds[i]
		if _, dup := m.builds[b.ID]; dup && b.ID != "" {
			c.add(CodeDuplicateID, field(index("builds", i), "id"), "the build %q is listed twice", b.ID)
		}
		m.builds[b.ID] = b
	}
	m.functionIdx = map[string]int32{}
	m.capIdx = map[string]int32{}
	for i := range s.Functions {
		f := &s.Functions[i]
		at := index("business_functions", i)
		if _, dup := m.functionIdx[f.Code]; dup && f.Code != "" {
			c.add(CodeDuplicateID, field(at, "code"), "the business function %q is listed twice", f.Code)
			continue
		}
		if f.Build != "" && m.builds[f.Build] == nil {
			c.unknown(lostBuilds, field(at, "build"), "no build has the id %q", f.Build)
		}
		fc := functionC{src: f}
		for j := range f.Attributes {
			a := &f.Attributes[j]
			if a.Capability == "" {
				continue
			}
			capID, ok := m.capIdx[a.Capability]
			if !ok {
				capID = int32(len(m.capIdx))
				m.capIdx[a.Capability] = capID
			}
			fc.attrs = append(fc.attrs, attrC{capability: capID, scope: scopeByName[a.Scope], src: a})
		}
		m.functionIdx[f.Code] = int32(len(m.functions))
		m.functions = append(m.functions, fc)
	}
	for i := range s.Functions {
		f := &s.Functions[i]
		for j, code := range f.SuggestFunctions {
			if _, ok := m.functionIdx[code]; !ok && code != "" {
				c.unknown(lostFunctions, index(field(index("business_functions", i), "suggest_for.functions"), j), "no business function has the code %q", code)
			}
		}
	}
}

var scopeByName = map[string]scope{"self": scopeSelf, "unit": scopeUnit, "agency": scopeAgency, "system": scopeSystem}

// unitOf resolves a unit id that must belong to agency ai.
func (c *compiler) unitOf(id string, ai int32, path string) int32 {
	return c.unitOfL(id, ai, lazyPath{base: path, i: -1})
}

// unitOfL is unitOf with the path written out only for a problem.
func (c *compiler) unitOfL(id string, ai int32, path lazyPath) int32 {
	if id == "" {
		return -1
	}
	u, ok := c.m.unitIdx[id]
	if !ok {
		c.unknown(lostUnits, path.String(), "no unit has the id %q", id)
		return -1
	}
	if c.m.units[u].agency != ai {
		c.unresolved(lostUnits, CodeInvalidValue, path.String(), "the unit %q belongs to another agency (%s)", id, c.m.agencies[c.m.units[u].agency].src.ID)
		return -1
	}
	return u
}

func (c *compiler) compileAgency(ai int32) {
	m := c.m
	ac := &m.agencies[ai]
	a := ac.src
	at := index("agencies", int(ai))
	ac.orgEditors = c.personList(a.OrgEditors, field(at, "org_editors"))
	ac.orgLeaders = c.personList(a.OrgLeaders, field(at, "org_leaders"))
	c.compileCoordinators(ai)
	for gi := range a.Groups {
		c.compileGroup(ai, gi)
	}
	for ui := range a.Units {
		c.compileUnit(ai, ui)
	}
	ac.records = make([]recordC, len(a.Staff))
	staffPath := field(at, "staff")
	for si := range a.Staff {
		yieldNow(si)
		rec := c.compileRecord(ai, si, staffPath)
		// a record whose period could not be read is not weighed against the person's others
		if rec.person >= 0 && !c.periodUnread(lazyPath{base: staffPath, i: si}) {
			pc := &m.people[rec.person]
			for _, other := range pc.records {
				if other.agency != ai {
					continue
				}
				o := &ac.records[other.rec]
				if o.start < rec.end && rec.start < o.end {
					c.add(CodeInvalidValue, index(staffPath, si), "%s already has a record in this agency for an overlapping period (staff[%d])", a.Staff[si].Person, other.rec)
				}
			}
			pc.records = append(pc.records, recRef{agency: ai, rec: int32(si), start: rec.start, end: rec.end})
		}
		ac.records[si] = rec
	}
	c.compilePageFields(ai)
}

// compileCoordinators compiles the coordinators of agency ai: who is primary, who backup.
func (c *compiler) compileCoordinators(ai int32) {
	ac := &c.m.agencies[ai]
	at := field(index("agencies", int(ai)), "coordinators")
	ac.coordinator = make(map[int32]string, len(ac.src.Coordinators))
	for i, co := range ac.src.Coordinators {
		if p := c.person(co.Person, field(index(at, i), "person")); p >= 0 {
			if _, dup := ac.coordinator[p]; dup {
				c.add(CodeInvalidValue, index(at, i), "%s is designated coordinator twice", co.Person)
			}
			ac.coordinator[p] = co.Role
		}
	}
}

// compileGroup compiles the members of groups[gi] of agency ai. A group whose id could not be
// read has its members checked all the same; one whose id is taken already is left alone.
func (c *compiler) compileGroup(ai int32, gi int) {
	m := c.m
	g := &m.agencies[ai].src.Groups[gi]
	members := field(index(field(index("agencies", int(ai)), "groups"), gi), "members")
	if gx, ok := m.groupIdx[g.ID]; ok && m.groups[gx].src == g {
		m.groups[gx].members = c.personList(g.Members, members)
	} else if g.ID == "" {
		c.personList(g.Members, members)
	}
}

// compileUnit compiles the roles of units[ui] of agency ai. A unit whose id could not be read
// has its roles checked all the same; one whose id is taken already is left alone.
func (c *compiler) compileUnit(ai int32, ui int) {
	m := c.m
	src := &m.agencies[ai].src.Units[ui]
	var uc *unitC
	if u, ok := m.unitIdx[src.ID]; ok && m.units[u].src == src {
		uc = &m.units[u]
	} else if src.ID == "" {
		uc = &unitC{src: src} // checked, then dropped: the snapshot is refused
	} else {
		return
	}
	up := index(field(index("agencies", int(ai)), "units"), ui)
	uc.editors = c.personList(uc.src.Editors, field(up, "editors"))
	uc.leaders = c.personList(uc.src.Leaders, field(up, "leaders"))
	uc.approver = c.person(uc.src.Approver, field(up, "approver"))
}

// compileRecord compiles staff[si] of agency ai on its own: everything but its place among
// the person's records.
func (c *compiler) compileRecord(ai int32, si int, staffPath string) recordC {
	m := c.m
	st := &m.agencies[ai].src.Staff[si]
	sl := lazyPath{base: staffPath, i: si} // the record's path, written out only for a problem
	rec := recordC{src: st, person: c.personL(st.Person, sl.at("person")), unit: -1, start: st.Start, end: st.End}
	if st.Unit == "" {
		if st.End == openEnd && !c.unread(sl.at("end")) {
			c.add(CodeInvalidValue, sl.at("unit").String(), "a staff record without an end date needs a unit")
		}
	} else {
		rec.unit = c.unitOfL(st.Unit, ai, sl.at("unit"))
	}
	if st.End <= st.Start {
		c.add(CodeInvalidValue, sl.at("end").String(), "the record ends (%s) on or before it starts (%s)", st.End, st.Start)
	}
	if len(st.Functions) > 0 {
		rec.functions = make([]int32, 0, len(st.Functions))
	}
	for i, code := range st.Functions {
		if f, ok := m.functionIdx[code]; ok {
			rec.functions = append(rec.functions, f)
		} else if code != "" {
			c.unknown(lostFunctions, index(sl.at("functions").String(), i), "no business function has the code %q", code)
		}
	}
	rec.reportsTo = c.personListAt(st.ReportsTo, sl.at("reports_to"))
	for oi, o := range st.OutAssignments {
		op := index(sl.at("out_assignments").String(), oi)
		u := c.unitOf(o.Unit, ai, field(op, "unit"))
		if o.End <= o.Start {
			c.add(CodeInvalidValue, field(op, "end"), "the out-assignment ends (%s) on or before it starts (%s)", o.End, o.Start)
		}
		if u >= 0 {
			rec.outs = append(rec.outs, outC{unit: u, start: o.Start, end: o.End})
		}
	}
	return rec
}

// periodUnread reports whether reading could not take the start or the end of the record at
// sl: its period then stands in as from the beginning, or as open.
func (c *compiler) periodUnread(sl lazyPath) bool {
	return c.unreadable != nil && (c.unread(sl.at("start")) || c.unread(sl.at("end")))
}

func (c *compiler) compileSiteDefaults() {
	m := c.m
	m.siteDefaults = map[kind]*templateC{}
	// in the order of the names, so that the problems come in the same order every time
	for _, name := range slices.Sorted(maps.Keys(m.snap.SiteDefaults)) {
		t := m.snap.SiteDefaults[name]
		at := field("site_defaults", name)
		k := parseKind(name)
		tc := &templateC{}
		tc.security = *c.section(&t.Security, -1, field(at, "security"))
		tc.defaults = c.defaults(t.Defaults, k, -1, fieldPath{at: lazyPath{base: at, i: -1}, key: "defaults"})
		m.siteDefaults[k] = tc
	}
}

// section compiles a list of entries of agency ai (-1: site defaults, valid in any agency).
func (c *compiler) section(s *section, ai int32, path string) *sectionC {
	return c.sectionAt(s, ai, fieldPath{at: lazyPath{base: path, i: -1}})
}

// fieldPath is the path of a field of an element (a section, a list of people), written out
// only for a problem: the element at, then .key and .sub where they are not empty (a page's
// security, its defaults.department, its roles.leader). Writing out the paths of the fields
// of every page made 10 MB of garbage in a load of the largest agency.
type fieldPath struct {
	at       lazyPath
	key, sub string
}

func (p fieldPath) String() string {
	s := p.at.String()
	if p.key != "" {
		s = field(s, p.key)
	}
	if p.sub != "" {
		s = field(s, p.sub)
	}
	return s
}

// sectionAt is section with the path written out only for a problem. The section is compiled
// in place: its entries resolved where they were read, which s then shares, and dropped
// where they are wrong (the snapshot is refused then).
func (c *compiler) sectionAt(s *section, ai int32, path fieldPath) *sectionC {
	kept := s.Entries[:0]
	for i := range s.Entries {
		ec := s.Entries[i]
		ep := func() lazyPath { return lazyPath{base: path.String(), i: i} } // the entry's path
		t := ec.text
		pk, ref := t.kind, t.ref
		switch pk {
		case pInvalid:
			if prefix, rest, ok := strings.Cut(t.principal, ":"); ok && rest == "" {
				c.add(CodeInvalidValue, ep().at("principal").String(), "%q names no one: give the id after %s:", t.principal, prefix)
				continue
			}
			c.add(CodeInvalidValue, ep().at("principal").String(), "%q is not a principal: use everyone, org_editor, dept_member, reports_to_above, user:<person>, group:<group>, unit:<unit>, function:<code> or another form of the list", t.principal)
			continue
		case pUser:
			if p, ok := c.m.personIdx[ref]; ok {
				ec.ref = p
			} else {
				ec.ref = c.personL(ref, ep().at("principal"))
			}
		case pGroup:
			g, ok := c.m.groupIdx[ref]
			switch {
			case !ok:
				c.unknown(lostGroups, ep().at("principal").String(), "no group has the id %q", ref)
			case ai < 0:
				c.add(CodeInvalidValue, ep().at("principal").String(), "site defaults serve every agency, so they cannot name the group %q of one agency", ref)
			case c.m.groups[g].agency != ai:
				c.unresolved(lostGroups, CodeUnknownReference, ep().at("principal").String(), "the group %q belongs to another agency (%s); an entry may only name a group of its own agency", ref, c.m.agencies[c.m.groups[g].agency].src.ID)
			default:
				ec.ref = g
			}
		case pUnit:
			u, ok := c.m.unitIdx[ref]
			if !ok {
				c.unknown(lostUnits, ep().at("principal").String(), "no unit has the id %q", ref)
			}
			ec.ref = u
		case pFunction:
			f, ok := c.m.functionIdx[ref]
			if !ok {
				c.unknown(lostFunctions, ep().at("principal").String(), "no business function has the code %q", ref)
			}
			ec.ref = f
		}
		if t.badCreate {
			for j, kn := range t.create {
				if parseKind(kn) == kindInvalid {
					c.add(CodeInvalidValue, index(ep().at("create").String(), j), "%q is not a page kind", kn)
				}
			}
		}
		kept = append(kept, ec)
	}
	return c.blocks.over(kept)
}

// defaults compiles the default sections of an element whose defaults are at path.
func (c *compiler) defaults(ds []defaultSection, owner kind, ai int32, path fieldPath) []defaultC {
	var out []defaultC
	for i := range ds {
		d := &ds[i]
		k := parseKind(d.Kind)
		if k == kindInvalid || !kindRules[owner].defaults.has(k) {
			c.add(CodeInvalidValue, field(path.String(), d.Kind), "%s page has no default section for %q; its default sections are %s",
				article(owner.String()), d.Kind, strings.Join(kindRules[owner].defaults.names(), ", "))
			continue
		}
		at := path
		at.sub = d.Kind
		out = append(out, defaultC{kind: k, sec: c.sectionAt(&d.section, ai, at)})
	}
	return out
}
