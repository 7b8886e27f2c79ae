package evaluator

import (
	"encoding/json"
	"strings"
)

// compilePageFields checks each page of agency ai on its own (kind, parent, kind-specific
// fields, sections) and records its parent (SPEC §2–3).
func (c *compiler) compilePageFields(ai int32) {
	m := c.m
	ac := &m.agencies[ai]
	at := field(index("agencies", int(ai)), "pages")
	orgUnknown := false // a page that might be the organization page: its id or kind is not known
	for pi := range ac.src.Pages {
		if c.compilePage(ai, pi) {
			orgUnknown = true
		}
		ac.src.Pages[pi].release() // compiled: its garbage is collected while the next ones compile
		yieldNow(pi)
	}
	if ac.org < 0 && ac.src.ID != "" && !orgUnknown {
		c.add(CodeInvalidValue, at, "the agency %s has no organization page (a page of kind organization with parent null)", ac.src.ID)
	}
}

// compilePage checks pages[pi] of agency ai on its own and records its parent; true when the
// page might be the organization page (its id or kind is not known).
func (c *compiler) compilePage(ai int32, pi int) (unknown bool) {
	m := c.m
	ac := &m.agencies[ai]
	at := c.pagesPath(ai)
	pg := &ac.src.Pages[pi]
	pl := lazyPath{base: at, i: pi} // the page's path, written out only where needed
	x, ok := m.pageIdx.get(pg.ID)
	var P *pageC
	switch {
	case ok && m.pages[x].src == pg:
		P = &m.pages[x]
	case pg.ID == "":
		// its id could not be read: it is checked on its own values all the same, though
		// not against the agency's other pages (x < 0), and dropped (the snapshot is refused)
		unknown = true
		x, P = -1, &pageC{src: pg, parent: -1}
	default:
		return false // its id is taken already (reported)
	}
	P.kind = parseKind(pg.Kind)
	if P.kind == kindInvalid {
		c.add(CodeInvalidValue, pl.at("kind").String(), "%q is not a page kind", pg.Kind)
		// what does not hang on the kind is checked all the same
		unknown = true
		if pg.Parent != "" {
			if par, ok := c.parentOf(pg, ai, pl); ok && x >= 0 {
				P.parent = par // a loop through it is found all the same
			}
		}
		if pg.CreatedBy != "" {
			c.personL(pg.CreatedBy, pl.at("created_by"))
		}
		if pg.fields().Security.Present {
			c.section(&pg.Security, ai, pl.at("security").String())
		}
		return unknown
	}
	if pg.Parent == "" {
		if P.kind != kindOrganization {
			c.add(CodeInvalidParent, pl.at("parent").String(), "only the organization page has no parent; %s page needs one", article(pg.Kind))
		} else if x < 0 {
			// an organization page without a readable id is not weighed against another
		} else if ac.org >= 0 {
			c.add(CodeInvalidValue, pl.String(), "the agency already has an organization page (%s); it has exactly one", m.pages[ac.org].src.ID)
		} else {
			ac.org = x
		}
	} else if par, ok := c.parentOf(pg, ai, pl); !ok {
		// reported
	} else if P.kind == kindOrganization {
		c.add(CodeInvalidParent, pl.at("parent").String(), "an organization page has no parent")
	} else {
		pk := parseKind(m.pages[par].src.Kind)
		if pk != kindInvalid && !kindRules[pk].children.has(P.kind) {
			c.add(CodeInvalidParent, pl.at("parent").String(), "%s page cannot hang under %s page (%s); under %s come: %s",
				article(pg.Kind), article(pk.String()), pg.Parent, article(pk.String()), strings.Join(kindRules[pk].children.names(), ", "))
		}
		if x >= 0 {
			P.parent = par
			m.pages[par].children = append(m.pages[par].children, x)
		}
	}
	c.pageSections(P, pg, ai, pl)
	if pg.CreatedBy != "" {
		if p := c.personL(pg.CreatedBy, pl.at("created_by")); p >= 0 {
			P.creators = []int32{p}
		}
	}
	switch {
	case P.kind == kindDepartment:
		if pg.Unit == "" {
			c.add(CodeInvalidValue, pl.at("unit").String(), "a department page needs the unit it stands for")
		} else if u := c.unitOfL(pg.Unit, ai, pl.at("unit")); u >= 0 && x >= 0 {
			if prev := m.units[u].deptPage; prev >= 0 {
				c.add(CodeInvalidValue, pl.at("unit").String(), "the unit %q already has a department page (%s); a unit has one", pg.Unit, m.pages[prev].src.ID)
			} else {
				m.units[u].deptPage = x
			}
		}
	case P.kind == kindIndividual:
		if pg.Person == "" {
			c.add(CodeInvalidValue, pl.at("person").String(), "an individual page needs the person it is about")
		}
		P.person = c.personL(pg.Person, pl.at("person"))
	default:
		c.pagePeople(P, pg, pl)
	}
	return unknown
}

// pagePeople resolves the people lists of a project, metric or task page: its roles, owners
// or responsible people. A project's roles are always a new array, never an earlier model's,
// which readers share.
func (c *compiler) pagePeople(P *pageC, pg *page, pl lazyPath) {
	f := pg.fields()
	switch {
	case P.kind == kindProject:
		P.roles = new([4][]int32)
		for i, r := range projectRoleNames {
			P.roles[i] = c.personListIn(f.Roles[r], fieldPath{at: pl, key: "roles", sub: r})
		}
	case P.kind.isMetric():
		P.named = c.personListIn(f.Owners, fieldPath{at: pl, key: "owners"})
	case P.kind.isTask():
		P.named = c.personListIn(f.Responsible, fieldPath{at: pl, key: "responsible"})
	}
}

// parentOf is the parent of page pg of agency ai, when it is a page of that agency; it reports
// the parent otherwise.
func (c *compiler) parentOf(pg *page, ai int32, pl lazyPath) (int32, bool) {
	par, ok := c.m.pageIdx.get(pg.Parent)
	if !ok {
		c.unknown(lostPages, pl.at("parent").String(), "no page has the id %q", pg.Parent)
		return -1, false
	}
	if c.m.pages[par].agency != ai {
		c.unresolved(lostPages, CodeInvalidParent, pl.at("parent").String(), "the parent %q belongs to another agency", pg.Parent)
		return -1, false
	}
	return par, true
}

// compilePages finds every parent cycle, then resolves every page's context and effective
// section (SPEC §3, §4.2), parents before children. Each cycle is reported once, on a page of
// the loop itself (not on a page that merely hangs below it); pages below a cycle are left
// unresolved, so they add no problems of their own.
func (c *compiler) compilePages() {
	m := c.m
	walk := make([]int32, len(m.pages)) // the walk that first met each page (0: none yet)
	const (
		todo = iota
		done
		looped // on a cycle, or below one
	)
	state := make([]uint8, len(m.pages))
	for x := range m.pages {
		if walk[x] != 0 {
			continue
		}
		id, y := int32(x)+1, int32(x)
		for y >= 0 && walk[y] == 0 {
			walk[y] = id
			y = m.pages[y].parent
		}
		if y >= 0 && walk[y] == id { // this walk came back to y: a loop not met before
			for z := y; state[z] != looped; z = m.pages[z].parent {
				state[z] = looped
			}
			ai := m.pages[y].agency
			c.add(CodeCycle, field(index(field(index("agencies", int(ai)), "pages"), indexOfPage(m.agencies[ai].src, m.pages[y].src)), "parent"),
				"the page %s is its own ancestor: follow the parents and they come back to it", m.pages[y].src.ID)
		}
	}
	if len(c.problems) > 0 {
		return // the snapshot is refused: its pages need no context (nor can a broken tree give one)
	}
	var visit func(x int32) bool
	visit = func(x int32) bool {
		switch state[x] {
		case done:
			return true
		case looped:
			return false
		}
		if P := &m.pages[x]; P.parent >= 0 && !visit(P.parent) {
			state[x] = looped
			return false
		}
		c.resolvePage(x)
		state[x] = done
		return true
	}
	for x := range m.pages {
		visit(int32(x))
		yieldNow(x)
	}
}

func indexOfPage(a *agency, p *page) int {
	for i := range a.Pages {
		if &a.Pages[i] == p {
			return i
		}
	}
	return -1
}

// resolvePage fills in a page's context and effective section from its (resolved) parent.
func (c *compiler) resolvePage(x int32) {
	m := c.m
	P := &m.pages[x]
	if P.parent >= 0 {
		par := &m.pages[P.parent]
		P.deptUnit, P.metric, P.task, P.individual, P.project = par.deptUnit, par.metric, par.task, par.individual, par.project
		if P.kind == kindItem {
			P.creators = append(P.creators, par.creators...)
			P.perf = par.perf
		}
	}
	switch {
	case P.kind == kindDepartment:
		if u, ok := m.unitIdx[P.src.Unit]; ok {
			P.deptUnit = u
		}
	case P.kind == kindIndividual:
		P.individual = x
	case P.kind == kindProject:
		P.project = x
	case P.kind.isMetric():
		P.metric = x
	case P.kind.isTask():
		P.task = x
	case P.kind == kindPerformanceReport:
		P.perf = true
	}
	m.resolveSection(x)
}

// resolveSection finds the effective section of page x (SPEC §3), its parent's known.
func (m *Model) resolveSection(x int32) {
	P := &m.pages[x]
	switch {
	case P.kind.ownSecurity():
		P.sec, P.secOwner, P.secKind = P.own, x, kindInvalid
	case P.parent < 0:
		// only a malformed tree gets here; it is refused before use
	case P.kind == kindItem:
		par := &m.pages[P.parent]
		P.sec, P.secOwner, P.secKind = par.sec, par.secOwner, par.secKind
	default:
		s := m.nearestOwnSecurity(P.parent)
		if d := m.defaultsOf(s, P.kind); d != nil {
			P.sec, P.secOwner, P.secKind = d, s, P.kind
		} else {
			par := &m.pages[P.parent]
			P.sec, P.secOwner, P.secKind = par.sec, par.secOwner, par.secKind
		}
	}
}

// nearestOwnSecurity is the nearest page at or above x with security of its own.
func (m *Model) nearestOwnSecurity(x int32) int32 {
	for x >= 0 && !m.pages[x].kind.ownSecurity() {
		x = m.pages[x].parent
	}
	return x
}

// checkReportsToCycles refuses reports-to loops as they read on the snapshot's day (SPEC §2).
func (c *compiler) checkReportsToCycles() {
	for ai := range c.m.agencies {
		c.checkReportsToCyclesIn(int32(ai))
	}
}

// checkReportsToCyclesIn refuses every reports-to loop in agency a, each once, on the record
// of a person on the loop; false when it found one.
func (c *compiler) checkReportsToCyclesIn(a int32) bool {
	m := c.m
	d := m.snap.AsOf
	var onLoop []int32 // the people of the loops reported so far
	for ri := range m.agencies[a].records {
		rec := &m.agencies[a].records[ri]
		if rec.person < 0 || containsID(onLoop, rec.person) || m.readRecord(rec.person, a, d) != int32(ri) {
			continue
		}
		if m.reportsToAbove(rec.person, rec.person, a, d) {
			loop := m.reportsChainLoop(rec.person, a, d)
			onLoop = append(onLoop, loop...)
			names := make([]string, len(loop))
			for i, x := range loop {
				names[i] = m.people[x].src.ID
			}
			c.add(CodeCycle, field(index(field(index("agencies", int(a)), "staff"), ri), "reports_to"),
				"reports-to goes round in a loop: %s", strings.Join(names, " → "))
		}
	}
	return len(onLoop) == 0
}

// reportsChainLoop is the loop of reports-to from p back to p (p first and last).
func (m *Model) reportsChainLoop(p, a int32, d Date) []int32 {
	loop := []int32{p}
	for _, mgr := range m.managersOf(p, a, d) {
		if path := m.reportsChain(p, mgr, a, d); path != nil {
			return append(loop, path...)
		}
	}
	return loop
}

// jsonSyntaxPosition finds the line and column where the standard decoder gives up.
func jsonSyntaxPosition(data []byte) (line, col int, ok bool) {
	var v any
	err := json.Unmarshal(data, &v)
	se, isSyntax := err.(*json.SyntaxError)
	if !isSyntax {
		return 0, 0, false
	}
	line, col = 1, 1
	for i := 0; i < int(se.Offset) && i < len(data); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col, true
}

// pageSections compiles a page's own security and default sections (SPEC §3); a page without
// security of its own may carry neither.
func (c *compiler) pageSections(P *pageC, pg *page, ai int32, pl lazyPath) {
	f := pg.fields()
	if P.kind.ownSecurity() {
		P.own = c.sectionAt(&f.Security, ai, fieldPath{at: pl, key: "security"})
		P.defaults = c.defaults(f.Defaults, P.kind, ai, fieldPath{at: pl, key: "defaults"})
		return
	}
	if f.Security.Present {
		c.add(CodeInvalidValue, pl.at("security").String(), "%s has no security of its own (it follows the section that governs it); remove this section", article(pg.Kind))
	}
	if f.Defaults != nil {
		c.add(CodeInvalidValue, pl.at("defaults").String(), "%s has no default sections; remove them", article(pg.Kind))
	}
}
