package gen

import (
	"slices"
	"strconv"
)

// Staff side of a snapshot: units, staff records, reports-to trees, out-assignments,
// coordinators, groups and org roles.
//
// Every person has one tier for the whole snapshot (0 director, 1 deputy, 2 unit manager,
// 3 supervisor, 4 worker, 5 temporary or new) and a record's managers are always people of a
// lower tier with a record in the same agency, so reports-to has no cycle, whichever way the
// agencies' trees are read together.

// planAgency decides how the agency's staff records split into kinds.
func (g *generator) planAgency(a *agencyState) {
	n := a.nStaff
	nEnded := n * 5 / 100
	if n >= 20 && nEnded == 0 {
		nEnded = 1
	}
	nFuture := n / 100
	if n >= 40 && nFuture == 0 {
		nFuture = 1
	}
	a.nTemp = n * 5 / 100
	a.nReal = n - nEnded - nFuture - a.nTemp
	if g.o.Agencies > 1 {
		a.nMovIn = nEnded / 5
		a.nPend = nFuture / 3
	}
	a.nRet = nEnded / 6
	a.nLeave = nEnded - a.nMovIn - a.nRet
	a.nFutNew = nFuture - a.nPend

	u := a.nReal / 30
	if u < 2 && a.nReal >= 6 {
		u = 2
	}
	u = min(u, a.nReal/3, 60, a.nPages-1)
	a.nUnits = max(u, 1)
}

func (g *generator) addRecord(a *agencyState, p int, u *unitState, start, end int) *record {
	rec := &record{person: p, unit: u, start: start, end: end}
	a.staff = append(a.staff, rec)
	if !a.hasRecord[p] {
		a.hasRecord[p] = true
		a.people = append(a.people, p)
	}
	return rec
}

// tenure is how long ago an active worker started: mostly recent, some for decades.
func (g *generator) tenure() int {
	return min(1+int(g.r.ExpFloat64()*1400), 9000)
}

func (g *generator) buildUnitsAndStaff(a *agencyState) {
	tmp := &unitState{id: "u-" + a.code + "-tmp", name: "Conversion", temporary: true, approver: -1, deptPage: -1}
	if g.chance(0.5) {
		tmp.name = "New Staff"
	}
	a.units = append(a.units, tmp)
	counts := map[string]int{}
	for i := 0; i < a.nUnits; i++ {
		s := a.specs[0]
		if i > 0 {
			s = a.specs[1+(i-1)%(len(a.specs)-1)]
		}
		counts[s.abbrev]++
		num := strconv.Itoa(counts[s.abbrev])
		u := &unitState{id: "u-" + a.code + "-" + s.abbrev + num, name: s.unitName + " " + num, spec: s.name, approver: -1, deptPage: -1}
		if i == 0 {
			u.name = s.unitName
		}
		a.units = append(a.units, u)
	}
	real := a.units[1:]
	adm := real[0]

	// in-assigned active members
	admCount := a.nReal
	if len(real) > 1 {
		admCount = min(max(1, a.nReal*7/100), a.nReal-(len(real)-1))
	}
	newMember := func(u *unitState, days int) *record {
		rec := g.addRecord(a, g.newPerson("active"), u, g.asOf-days, 0)
		u.members = append(u.members, rec)
		return rec
	}
	for i := 0; i < admCount; i++ {
		newMember(adm, g.between(800, 9000))
	}
	for i := 1; i < len(real); i++ {
		newMember(real[i], g.between(700, 8000)) // the unit manager
	}
	for i := admCount + len(real) - 1; i < a.nReal; i++ {
		newMember(real[1+g.r.IntN(len(real)-1)], g.tenure())
	}

	// the reports-to tree
	setTier := func(rec *record, t int) { g.people[rec.person].tier = t }
	a.director = adm.members[0]
	setTier(a.director, 0)
	adm.manager = a.director
	nDep := min(len(adm.members)-1, 1+len(real)/5)
	for _, rec := range adm.members[1 : 1+nDep] {
		setTier(rec, 1)
		rec.reportsTo = []int{a.director.person}
		a.deputies = append(a.deputies, rec)
	}
	g.unitTree(adm, adm.members[1+nDep:], a.director)
	for _, u := range real[1:] {
		m := u.members[0]
		u.manager = m
		setTier(m, 2)
		if len(a.deputies) > 0 {
			m.reportsTo = []int{pick(g, a.deputies).person}
			if g.chance(0.15) {
				m.reportsTo = append(m.reportsTo, a.director.person)
			}
		} else {
			m.reportsTo = []int{a.director.person}
		}
		g.unitTree(u, u.members[1:], m)
	}

	// unit approvers, leaders and editors: in-assigned active members
	for _, u := range real {
		u.manager.busy = true
		if u == adm || g.chance(0.92) {
			u.approver = u.manager.person
		}
		u.leaders = []int{u.manager.person}
		if len(u.supervisors) > 0 && g.chance(0.6) {
			s := pick(g, u.supervisors)
			s.busy = true
			u.leaders = append(u.leaders, s.person)
		}
		others := u.members[1:]
		if len(others) == 0 {
			u.editors = []int{u.manager.person}
			continue
		}
		for _, i := range g.r.Perm(len(others))[:min(len(others), g.between(1, 3))] {
			others[i].busy = true
			u.editors = append(u.editors, others[i].person)
		}
	}

	// the temporary unit
	for i := 0; i < a.nTemp; i++ {
		rec := g.addRecord(a, g.newPerson("active"), tmp, g.asOf-g.between(1, 150), 0)
		setTier(rec, 5)
		if g.chance(0.5) {
			rec.reportsTo = []int{a.director.person}
		}
		tmp.members = append(tmp.members, rec)
	}

	// coordinators: administration staff other than the director where there are two
	cands := adm.members[1:]
	if len(cands) < 2 {
		cands = nil
		for _, u := range real {
			for _, rec := range u.members {
				if rec != a.director {
					cands = append(cands, rec)
				}
			}
		}
	}
	perm := g.r.Perm(len(cands))
	a.coords = [2]*record{cands[perm[0]], cands[perm[1]]}

	// business functions
	for _, u := range real {
		for _, rec := range u.members {
			g.assignFunctions(a, rec)
		}
	}
	for _, c := range a.coords {
		c.busy = true
		c.functions = addFunctions(c.functions, "MAINT_SEC", "SEC_VIEW")
	}

	// leavers, future starts, end dates to come and out-assignments
	for i := 0; i < a.nLeave; i++ {
		g.addLeaver(a)
	}
	for i := 0; i < a.nFutNew; i++ {
		u := tmp
		if g.chance(0.5) {
			u = pick(g, real)
		}
		rec := g.addRecord(a, g.newPerson("active"), u, g.asOf+g.between(1, 60), 0)
		setTier(rec, 5)
		if !u.temporary {
			rec.reportsTo = []int{u.manager.person}
			rec.functions = []string{specFunctions[u.spec][0]}
		} else if g.chance(0.3) {
			rec.reportsTo = []int{a.director.person}
		}
	}
	for _, u := range real {
		for _, rec := range u.members {
			if g.people[rec.person].tier == 4 && !rec.busy && g.chance(0.01) {
				rec.end = g.asOf + g.between(1, 90) // leaving soon: still active today
			}
		}
	}
	if len(real) >= 2 {
		for _, u := range real {
			for _, rec := range u.members {
				if g.people[rec.person].tier >= 3 && g.chance(0.12) {
					g.addOuts(a, rec)
				}
			}
		}
	}
}

// unitTree makes supervisors and workers of rest, under the unit's manager m.
func (g *generator) unitTree(u *unitState, rest []*record, m *record) {
	nSup := len(rest) / 7
	if nSup == 0 && len(rest) >= 4 {
		nSup = 1
	}
	for _, rec := range rest[:nSup] {
		g.people[rec.person].tier = 3
		rec.reportsTo = []int{m.person}
		u.supervisors = append(u.supervisors, rec)
	}
	for _, rec := range rest[nSup:] {
		g.people[rec.person].tier = 4
		if nSup > 0 {
			s := pick(g, u.supervisors)
			rec.reportsTo = []int{s.person}
			if g.chance(0.1) {
				rec.reportsTo = append(rec.reportsTo, m.person)
			}
		} else {
			rec.reportsTo = []int{m.person}
		}
	}
}

var catalogIndex = func() map[string]int {
	m := map[string]int{}
	for i, f := range catalog {
		m[f.code] = i
	}
	return m
}()

// addFunctions adds codes to fs, keeping catalog order and no duplicates.
func addFunctions(fs []string, codes ...string) []string {
	for _, c := range codes {
		if !slices.Contains(fs, c) {
			fs = append(fs, c)
		}
	}
	slices.SortFunc(fs, func(x, y string) int { return catalogIndex[x] - catalogIndex[y] })
	return fs
}

func (g *generator) assignFunctions(a *agencyState, rec *record) {
	base := specFunctions[rec.unit.spec]
	fs := []string{base[0]}
	for _, f := range base[1:] {
		if g.chance(0.5) {
			fs = append(fs, f)
		}
	}
	switch g.people[rec.person].tier {
	case 0:
		fs = append(fs, "REPORT_AGY", "CASE_VIEW_AGY", "SEC_VIEW")
	case 1:
		fs = append(fs, "REPORT_AGY", "CASE_VIEW_AGY")
	case 2, 3:
		fs = append(fs, "SUPERVISOR", "REPORT_UNIT")
		if rec.unit.spec == "Intake" {
			fs = append(fs, "INTAKE_SUPV")
		}
		if rec.unit.spec == "CPS" && g.chance(0.3) {
			fs = append(fs, "CPS_SENSITIVE")
		}
		if g.chance(0.3) {
			fs = append(fs, "CASE_TRANSFER")
		}
	}
	if g.chance(0.2) {
		fs = append(fs, "SEC_SELF")
	}
	if g.chance(0.03) {
		fs = append(fs, "PERSON_SEARCH_SYS")
	}
	if (rec.unit.spec == "Foster Care" || rec.unit.spec == "Preventive") && g.chance(0.1) {
		fs = append(fs, "KINSHIP")
	}
	rec.functions = addFunctions(nil, fs...)
}

// addOuts gives rec one or two out-assignments to other units of its agency: active,
// expired or still to come, always within the record's own period.
func (g *generator) addOuts(a *agencyState, rec *record) {
	n := 1
	if g.chance(0.15) {
		n = 2
	}
	real := a.units[1:]
	for _, i := range g.r.Perm(len(real)) {
		if n == 0 {
			break
		}
		u := real[i]
		if u == rec.unit || slices.ContainsFunc(rec.outs, func(o outState) bool { return o.unit == u }) {
			continue
		}
		n--
		o := outState{unit: u}
		switch x := g.r.Float64(); {
		case rec.end != 0 && rec.end <= g.asOf: // an end-dated record: ended with it
			o.end = rec.end - g.between(0, 60)
			o.start = o.end - g.between(14, 200)
		case x < 0.55:
			o.start = g.asOf - g.between(1, 300)
			if g.chance(0.6) {
				o.end = g.asOf + g.between(1, 200)
			}
		case x < 0.9:
			o.end = g.asOf - g.between(0, 400)
			o.start = o.end - g.between(14, 200)
		default:
			o.start = g.asOf + g.between(1, 60)
			o.end = o.start + g.between(30, 120)
		}
		o.start = max(o.start, rec.start)
		if rec.end != 0 && (o.end == 0 || o.end > rec.end) {
			o.end = rec.end
		}
		if o.end != 0 && o.start >= o.end {
			continue
		}
		rec.outs = append(rec.outs, o)
	}
}

// trimOuts ends rec's out-assignments with the record.
func trimOuts(rec *record) {
	kept := rec.outs[:0]
	for _, o := range rec.outs {
		if o.end == 0 || o.end > rec.end {
			o.end = rec.end
		}
		if o.start < o.end {
			kept = append(kept, o)
		}
	}
	rec.outs = kept
}

// addLeaver adds the record of a new person who left the agency before as_of; some of them
// have had their Person ID disabled or deleted since.
func (g *generator) addLeaver(a *agencyState) {
	status := "active"
	switch x := g.r.Float64(); {
	case x < 0.03:
		status = "deleted"
	case x < 0.18:
		status = "disabled"
	}
	end := g.asOf - g.between(0, 1000)
	g.addOldRecord(a, g.newPerson(status), end)
}

// addOldRecord adds an end-dated record of p in a that ends on end.
func (g *generator) addOldRecord(a *agencyState, p int, end int) {
	real := a.units[1:]
	u := a.units[0]
	if g.chance(0.9) {
		u = pick(g, real)
	}
	rec := g.addRecord(a, p, u, end-g.between(60, 4000), end)
	if u.temporary {
		rec.reportsTo = []int{a.director.person}
	} else {
		rec.reportsTo = []int{u.manager.person}
		g.assignFunctions(a, rec)
		if len(real) >= 2 && g.chance(0.2) {
			g.addOuts(a, rec)
		}
	}
}

// pool lists the agency's workers who may return, move away or be about to move: tier 4,
// open record in a real unit, no role. Shuffled.
func (g *generator) pool(a *agencyState) []*record {
	var out []*record
	for _, u := range a.units[1:] {
		for _, rec := range u.members {
			if g.people[rec.person].tier == 4 && !rec.busy && rec.end == 0 && !g.people[rec.person].special {
				out = append(out, rec)
			}
		}
	}
	g.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// takeFrom returns a record of the pool whose person is free and has no record in a.
func (g *generator) takeFrom(pool []*record, a *agencyState) *record {
	for _, rec := range pool {
		p := g.people[rec.person]
		if !p.special && !a.hasRecord[rec.person] {
			p.special = true
			return rec
		}
	}
	return nil
}

// crossAgency adds the records that involve people of other records: workers who left the
// agency and came back, who came from another agency, and who are about to come.
func (g *generator) crossAgency(a *agencyState) {
	own := g.pool(a)
	for i := 0; i < a.nRet; i++ {
		var rec *record
		for _, r := range own {
			if p := g.people[r.person]; !p.special {
				p.special = true
				rec = r
				break
			}
		}
		if rec == nil {
			g.addLeaver(a)
			continue
		}
		g.addOldRecord(a, rec.person, rec.start-g.between(30, 700))
	}
	var others []*record
	if a.nMovIn+a.nPend > 0 {
		for _, b := range g.ag {
			if b != a {
				others = append(others, g.pool(b)...)
			}
		}
		g.r.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
	}
	for i := 0; i < a.nMovIn; i++ {
		rec := g.takeFrom(others, a)
		if rec == nil {
			g.addLeaver(a)
			continue
		}
		g.addOldRecord(a, rec.person, rec.start-g.between(0, 400))
	}
	for i := 0; i < a.nPend; i++ {
		rec := g.takeFrom(others, a)
		if rec == nil {
			g.addLeaver(a)
			continue
		}
		day := g.asOf + g.between(1, 40)
		rec.end = day
		trimOuts(rec)
		u := a.units[0]
		if g.chance(0.3) {
			u = pick(g, a.units[1:])
		}
		nr := g.addRecord(a, rec.person, u, day, 0)
		if !u.temporary {
			nr.reportsTo = []int{u.manager.person}
		}
	}
}

// finishStaff orders the records, lists who is active, and makes groups and org roles.
func (g *generator) finishStaff(a *agencyState) {
	slices.SortStableFunc(a.staff, func(x, y *record) int {
		if x.person != y.person {
			return x.person - y.person
		}
		return x.start - y.start
	})
	for _, rec := range a.staff {
		if rec.start <= g.asOf && (rec.end == 0 || g.asOf < rec.end) && !a.activeSet[rec.person] {
			a.activeSet[rec.person] = true
			a.active = append(a.active, rec.person)
		}
	}
	slices.Sort(a.people)

	// org roles
	a.orgLeaders = []int{a.director.person}
	for _, d := range a.deputies {
		if len(a.orgLeaders) < 3 {
			a.orgLeaders = append(a.orgLeaders, d.person)
		}
	}
	var inUnits []int
	for _, u := range a.units[1:] {
		for _, rec := range u.members {
			if rec.end == 0 {
				inUnits = append(inUnits, rec.person)
			}
		}
	}
	for _, i := range g.r.Perm(len(inUnits))[:min(len(inUnits), g.between(1, 3))] {
		a.orgEditors = append(a.orgEditors, inUnits[i])
	}

	// groups; the first may hold contractors who have no staff record
	nGroups := g.between(2, 5)
	for k, i := range g.r.Perm(len(groupNames))[:nGroups] {
		gr := groupJSON{ID: "g-" + a.code + "-" + groupNames[i][0], Name: groupNames[i][1], Members: []string{}}
		var members []int
		if k == 0 {
			for j := g.between(0, 2); j > 0; j-- {
				members = append(members, g.newPerson("active"))
			}
		}
		size := g.between(1, 12)
		if g.chance(0.05) {
			size = 0 // a group nobody has been put in yet
		}
		for j := 0; j < size; j++ {
			p := pick(g, a.active)
			if g.chance(0.1) {
				p = pick(g, a.people)
			}
			if !slices.Contains(members, p) {
				members = append(members, p)
			}
		}
		gr.Members = append(gr.Members, g.pids(members)...)
		a.groups = append(a.groups, gr)
	}
}
