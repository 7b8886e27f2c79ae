package gen

import (
	"slices"
	"strconv"
)

// Page side of a snapshot: a tree per agency that follows SPEC §3's kind table, with
// security sections on the kinds that have own security and default sections only for the
// kinds §3 lists under each of them.

// pageCtx is what a page's descendants need to know about the pages above them.
type pageCtx struct {
	person  int // person of the nearest individual page, -1 none
	project int // nearest project page, -1 none
}

// shares of the pages left after the organization and department pages; items take the rest.
var pageShares = []struct {
	cat   string
	share float64
}{
	{"project", 0.04}, {"individual", 0.10}, {"metric", 0.07}, {"dialog", 0.07},
	{"dialog_task", 0.11}, {"project_task", 0.08}, {"personal_task", 0.10},
	{"basic_role", 0.04}, {"basic_role_task", 0.06}, {"commitment", 0.06},
	{"development_goal", 0.05}, {"performance_report", 0.04},
}

func (g *generator) addPage(a *agencyState, kind string, parent int, title string) int {
	p := pageJSON{ID: "pg-" + a.code + "-" + strconv.Itoa(len(a.pages)+1), Kind: kind, Title: title}
	ctx := pageCtx{person: -1, project: -1}
	if parent >= 0 {
		id := a.pages[parent].ID
		p.Parent = &id
		ctx = a.pageCtx[parent]
		if g.chance(0.25) {
			p.CreatedBy = g.pid(g.agencyPerson(a))
		}
	}
	a.pages = append(a.pages, p)
	a.pageCtx = append(a.pageCtx, ctx)
	i := len(a.pages) - 1
	if kind == "project" {
		a.pageCtx[i].project = i
	}
	a.pagesByKind[kind] = append(a.pagesByKind[kind], i)
	return i
}

// agencyPerson is a person with a record in the agency, mostly an active one.
func (g *generator) agencyPerson(a *agencyState) int {
	if g.chance(0.85) {
		return pick(g, a.active)
	}
	return pick(g, a.people)
}

func (g *generator) activePeople(a *agencyState, lo, hi int) []string {
	n := g.between(lo, hi)
	var ps []int
	for tries := 0; len(ps) < n && tries < 3*n; tries++ {
		p := pick(g, a.active)
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	return g.pids(ps)
}

func (g *generator) title(family string, n int) string {
	t := pick(g, titleWords[family])
	switch family {
	case "performance_report":
		return t + " " + strconv.Itoa(2018+g.r.IntN(8))
	case "project", "metric", "dialog":
		if g.chance(0.4) {
			return t + " " + strconv.Itoa(2023+g.r.IntN(4))
		}
	}
	if g.chance(0.2) {
		return t + " #" + strconv.Itoa(n)
	}
	return t
}

// secure gives page i its own security and default sections.
func (g *generator) secure(a *agencyState, i int, lo, hi int) {
	p := &a.pages[i]
	p.Security = g.section(a, p.Kind, g.between(lo, hi))
	for _, k := range defaultKinds[p.Kind] {
		if !g.chance(0.55) {
			continue
		}
		if p.Defaults == nil {
			p.Defaults = map[string][]entryJSON{}
		}
		if g.chance(0.08) {
			p.Defaults[k] = []entryJSON{} // present but empty: grants nothing
		} else {
			p.Defaults[k] = g.section(a, k, g.between(2, 7))
		}
	}
}

var roleWeights = []int{38, 22, 10, 8, 22} // reader, editor, full, denied, not_set
var createChance = map[string]float64{"reader": 0.1, "editor": 0.35, "full": 0.5, "denied": 0.03, "not_set": 0.7}

func (g *generator) role() string {
	x := g.r.IntN(100)
	for i, w := range roleWeights {
		if x < w {
			return roles[i]
		}
		x -= w
	}
	return roles[0]
}

// createList is a non-empty subset of the child kinds of governed, in table order.
func (g *generator) createList(governed string) []string {
	kids := childKinds[governed]
	var out []string
	for _, k := range kids {
		if g.chance(0.45) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		out = []string{pick(g, kids)}
	}
	return out
}

// section makes about n entries with distinct principals for a section that governs pages
// of kind governed (their create lists name child kinds of governed).
func (g *generator) section(a *agencyState, governed string, n int) []entryJSON {
	out := make([]entryJSON, 0, n)
	if g.chance(0.9) {
		e := entryJSON{Principal: "everyone", Role: "reader"}
		switch x := g.r.Float64(); {
		case x < 0.1:
			e.Role = "editor"
		case x < 0.25:
			e.Role = "not_set"
		}
		if g.chance(0.2) {
			e.Create = g.createList(governed)
		}
		out = append(out, e)
	}
	for tries := 0; len(out) < n && tries < 4*n; tries++ {
		var pr string
		switch x := g.r.IntN(100); {
		case x < 45:
			pr = relativePrincipals[1+g.r.IntN(len(relativePrincipals)-1)]
		case x < 65:
			var p int
			switch y := g.r.IntN(100); {
			case y < 80:
				p = pick(g, a.active)
			case y < 92:
				p = pick(g, a.people)
			case y < 95:
				p = pick(g, g.admins)
			default: // a worker of another agency
				p = pick(g, pick(g, g.ag).active)
			}
			pr = "user:" + g.pid(p)
		case x < 77:
			pr = "group:" + pick(g, a.groups).ID
		case x < 90:
			u := pick(g, a.units[1:])
			if g.chance(0.05) {
				u = a.units[0]
			}
			pr = "unit:" + u.id
		default:
			pr = "function:" + pick(g, catalog).code
		}
		if slices.ContainsFunc(out, func(e entryJSON) bool { return e.Principal == pr }) {
			continue
		}
		e := entryJSON{Principal: pr, Role: g.role()}
		if g.chance(createChance[e.Role]) {
			e.Create = g.createList(governed)
		}
		out = append(out, e)
	}
	return out
}

// container picks a page among the organization, departments, projects and individuals with
// the given weights (in that order); a missing kind falls back to the organization.
func (g *generator) container(a *agencyState, w [4]int) int {
	x := g.r.IntN(w[0] + w[1] + w[2] + w[3])
	for i, k := range []string{"organization", "department", "project", "individual"} {
		if x < w[i] {
			if ps := a.pagesByKind[k]; len(ps) > 0 {
				return pick(g, ps)
			}
			break
		}
		x -= w[i]
	}
	return a.pagesByKind["organization"][0]
}

func (g *generator) buildPages(a *agencyState) {
	org := g.addPage(a, "organization", -1, a.name)
	g.secure(a, org, 16, 24)
	for _, u := range a.units[1:] {
		i := g.addPage(a, "department", org, u.name)
		a.pages[i].Unit = u.id
		u.deptPage = i
		g.secure(a, i, 16, 24)
	}
	rest := a.nPages - len(a.pages)
	want := map[string]int{}
	planned := 0
	for _, s := range pageShares {
		want[s.cat] = int(float64(rest) * s.share)
		planned += want[s.cat]
	}
	items := rest - planned
	// pages that cannot be placed (no parent of the right kind) become items
	shortfall := func(n int) { items += n }

	// projects, under the organization or a department
	for range want["project"] {
		parent := g.container(a, [4]int{30, 70, 0, 0})
		i := g.addPage(a, "project", parent, g.title("project", len(a.pages)))
		ps := a.active
		roles := &rolesJSON{Sponsor: []string{}, Leader: []string{}, Member: []string{}, Consultant: []string{}}
		boss := []*record{a.director}
		boss = append(boss, a.deputies...)
		for _, u := range a.units[2:] {
			boss = append(boss, u.manager)
		}
		roles.Sponsor = append(roles.Sponsor, g.pid(pick(g, boss).person))
		roles.Leader = g.activePeople(a, 1, 2)
		roles.Member = g.activePeople(a, 2, 8)
		for j := g.between(0, 2); j > 0; j-- {
			p := pick(g, ps)
			if g.chance(0.1) {
				p = pick(g, pick(g, g.ag).active) // a consultant from another agency
			}
			if id := g.pid(p); !slices.Contains(roles.Consultant, id) {
				roles.Consultant = append(roles.Consultant, id)
			}
		}
		a.pages[i].Roles = roles
		g.secure(a, i, 16, 24)
	}

	// individuals, one per person, most of them active
	var cands []int
	for _, p := range a.people {
		if a.activeSet[p] || g.chance(0.05) {
			cands = append(cands, p)
		}
	}
	g.r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	nInd := min(want["individual"], len(cands))
	shortfall(want["individual"] - nInd)
	for _, p := range cands[:nInd] {
		i := g.addPage(a, "individual", org, g.people[p].name)
		a.pages[i].Person = g.pid(p)
		a.pageCtx[i].person = p
		g.secure(a, i, 16, 24)
	}

	// metrics, with owners and a short security of their own
	for range want["metric"] {
		parent := g.container(a, [4]int{5, 25, 25, 45})
		pk := a.pages[parent].Kind
		i := g.addPage(a, prefixOf[pk]+"_metric", parent, g.title("metric", len(a.pages)))
		if p := a.pageCtx[i].person; p >= 0 && pk == "individual" {
			a.pages[i].Owners = []string{g.pid(p)}
		} else {
			a.pages[i].Owners = g.activePeople(a, 1, 3)
		}
		a.pages[i].Security = g.section(a, a.pages[i].Kind, g.between(3, 8))
	}

	// dialogs and their tasks
	var dialogs []int
	for range want["dialog"] {
		parent := g.container(a, [4]int{10, 30, 25, 35})
		i := g.addPage(a, prefixOf[a.pages[parent].Kind]+"_dialog", parent, g.title("dialog", len(a.pages)))
		dialogs = append(dialogs, i)
	}
	if len(dialogs) == 0 {
		shortfall(want["dialog_task"])
	} else {
		for range want["dialog_task"] {
			parent := pick(g, dialogs)
			i := g.addPage(a, a.pages[parent].Kind+"_task", parent, g.title("task", len(a.pages)))
			a.pages[i].Responsible = g.activePeople(a, 1, 2)
		}
	}

	// project tasks
	if projects := a.pagesByKind["project"]; len(projects) == 0 {
		shortfall(want["project_task"])
	} else {
		for range want["project_task"] {
			parent := pick(g, projects)
			i := g.addPage(a, "project_task", parent, g.title("task", len(a.pages)))
			members := a.pages[parent].Roles.Member
			a.pages[i].Responsible = []string{pick(g, members)}
			if g.chance(0.2) {
				a.pages[i].Responsible = g.activePeople(a, 1, 2)
			}
		}
	}

	// what sits under individuals
	inds := a.pagesByKind["individual"]
	under := func(kind, family string, n int, responsible bool) {
		if len(inds) == 0 {
			shortfall(n)
			return
		}
		for range n {
			parent := pick(g, inds)
			i := g.addPage(a, kind, parent, g.title(family, len(a.pages)))
			if responsible {
				a.pages[i].Responsible = []string{g.pid(a.pageCtx[i].person)}
			}
		}
	}
	under("personal_task", "task", want["personal_task"], true)
	under("basic_role", "basic_role", want["basic_role"], false)
	under("development_goal", "development_goal", want["development_goal"], false)
	under("performance_report", "performance_report", want["performance_report"], false)
	if brs := a.pagesByKind["basic_role"]; len(brs) == 0 {
		shortfall(want["basic_role_task"])
	} else {
		for range want["basic_role_task"] {
			parent := pick(g, brs)
			i := g.addPage(a, "basic_role_task", parent, g.title("task", len(a.pages)))
			a.pages[i].Responsible = []string{g.pid(a.pageCtx[i].person)}
		}
	}

	// commitments, under the organization, departments and individuals
	for range want["commitment"] {
		parent := g.container(a, [4]int{10, 40, 0, 50})
		g.addPage(a, prefixOf[a.pages[parent].Kind]+"_commitment", parent, g.title("commitment", len(a.pages)))
	}

	// items anywhere, items under items too
	var itemPages []int
	for range items {
		parent := g.r.IntN(len(a.pages))
		if len(itemPages) > 0 && g.chance(0.35) {
			parent = pick(g, itemPages)
		}
		itemPages = append(itemPages, g.addPage(a, "item", parent, g.title("item", len(a.pages))))
	}
}
