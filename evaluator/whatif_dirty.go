package evaluator

// This file narrows the pages a changed person is compared on in a diff matched by id
// (whatif_byid.go). A page whose side did not change (not among the changed pages) has the
// same section, context and creators in both models, so a person's cell on it can differ only
// through an entry whose answer for the person changed. For the forms that read the person's
// own data and one element (the organization's roles, a unit and the department's roles, a
// function, a group), the elements whose answer changed are found from the person alone
// (changedElements); the relative forms read the page's side (its context's people, the
// reports-to chain of its individual), which did not change; everyone and user read the
// person's record in the page's agency and their id. A person whose standing changed (an
// administrator's rights, an inactive Person ID, active staff anywhere or in one of their
// agencies, SPEC §4.1 steps 2–4) is compared on every page they can reach.

// elementKey is an element of m that entries name: an agency for the organization's roles, a
// unit (a department's or one named), a function or a group.
type elementKey struct {
	sort elementSort
	ref  int32
}

type elementSort uint8

const (
	elOrg elementSort = iota
	elUnit
	elFunction
	elGroup
)

// elementOf is the element entry e of page x reads of a person's own data (false: none).
func (m *Model) elementOf(e *entryC, x int32) (elementKey, bool) {
	switch e.principal {
	case pOrgEditor, pOrgLeader:
		return elementKey{elOrg, m.pages[x].agency}, true
	case pDeptMember, pDeptEditor, pDeptLeader:
		if u := m.pages[x].deptUnit; u >= 0 {
			return elementKey{elUnit, u}, true
		}
	case pUnit:
		return elementKey{elUnit, e.ref}, true
	case pFunction:
		return elementKey{elFunction, e.ref}, true
	case pGroup:
		return elementKey{elGroup, e.ref}, true
	}
	return elementKey{}, false
}

// pagesReading lists, for each of the elements given, the pages of m with an entry that reads
// it: one pass over the entries of the pages of the agencies given (of every agency for a
// group, whose entries match without a record in the page's agency), asking of each only
// whether its element is one of those (no map is made of every element).
func (m *Model) pagesReading(keys []elementKey, agencies []bool) map[elementKey][]int32 {
	out := map[elementKey][]int32{}
	if len(keys) == 0 {
		return out
	}
	sizes := [...]int{elOrg: len(m.agencies), elUnit: len(m.units), elFunction: len(m.functions), elGroup: len(m.groups)}
	var wanted [len(sizes)][]bool
	for _, k := range keys {
		if wanted[k.sort] == nil {
			wanted[k.sort] = make([]bool, sizes[k.sort])
		}
		wanted[k.sort][k.ref] = true
	}
	for x := range m.pages {
		sec := m.pages[x].sec
		if sec == nil || wanted[elGroup] == nil && !agencies[m.pages[x].agency] {
			continue
		}
		for i := range sec.entries {
			k, ok := m.elementOf(&sec.entries[i], int32(x))
			if !ok || wanted[k.sort] == nil || !wanted[k.sort][k.ref] {
				continue
			}
			if list := out[k]; len(list) == 0 || list[len(list)-1] != int32(x) {
				out[k] = append(list, int32(x))
			}
		}
	}
	return out
}

// dirtyPlan is how a changed person is compared (changedElements): on every page they can
// reach (whole), or on the changed pages and those reading the elements given.
type dirtyPlan struct {
	keys  []elementKey
	whole bool
}

// dirtyPlans are the plans of the people given (by place in m and in next, -1: not there), and
// the pages reading the elements of all of them. The forms those read match only staff of the
// page's agency (but a group), so only the pages of the agencies where the people have a
// record, on either side, are read.
func (m *Model) dirtyPlans(next *Model, places [][2]int32) ([]dirtyPlan, map[elementKey][]int32) {
	plans := make([]dirtyPlan, len(places))
	var all []elementKey
	agencies := make([]bool, len(m.agencies))
	for i, pq := range places {
		plans[i].keys, plans[i].whole = m.changedElements(next, pq[0], pq[1])
		if plans[i].whole || len(plans[i].keys) == 0 {
			continue
		}
		all = append(all, plans[i].keys...)
		for _, rr := range m.people[pq[0]].records {
			agencies[rr.agency] = true
		}
		for _, rr := range next.people[pq[1]].records {
			if a, ok := m.agencyIdx[next.agencies[rr.agency].src.ID]; ok {
				agencies[a] = true
			}
		}
	}
	return plans, m.pagesReading(all, agencies)
}

// changedElements are the elements of m whose answer for the person (pm in m, pn in next)
// differs between the models; whole when their standing changed and every page they can
// reach must be compared.
func (m *Model) changedElements(next *Model, pm, pn int32) (keys []elementKey, whole bool) {
	d := m.snap.AsOf
	if pm < 0 || pn < 0 || d != next.snap.AsOf {
		return nil, true
	}
	P, N := &m.people[pm], &next.people[pn]
	if P.admin != N.admin || P.active != N.active || m.activeAnywhere(pm, d) != next.activeAnywhere(pn, d) {
		return nil, true
	}
	// the agencies of their records, on either side: the same standing in each
	agencies := map[string]bool{}
	for _, rr := range P.records {
		agencies[m.agencies[rr.agency].src.ID] = true
	}
	for _, rr := range N.records {
		agencies[next.agencies[rr.agency].src.ID] = true
	}
	for id := range agencies {
		am, okM := m.agencyIdx[id]
		an, okN := next.agencyIdx[id]
		if !okM || !okN || (m.activeRecord(pm, am, d) >= 0) != (next.activeRecord(pn, an, d) >= 0) {
			return nil, true
		}
		if has(m.agencies[am].orgEditors, pm) != has(next.agencies[an].orgEditors, pn) ||
			has(m.agencies[am].orgLeaders, pm) != has(next.agencies[an].orgLeaders, pn) {
			keys = append(keys, elementKey{elOrg, am})
		}
	}
	// the units, functions and groups they hold on either side
	units, functions, groups := map[string]bool{}, map[string]bool{}, map[string]bool{}
	m.heldBy(pm, units, functions, groups)
	next.heldBy(pn, units, functions, groups)
	for id := range units {
		um, okM := m.unitIdx[id]
		if !okM {
			continue // no page unchanged names a unit m does not have
		}
		un, okN := next.unitIdx[id]
		if !okN {
			keys = append(keys, elementKey{elUnit, um})
			continue
		}
		inM, _ := m.memberOfUnit(pm, um, d)
		inN, _ := next.memberOfUnit(pn, un, d)
		if inM != inN || has(m.units[um].editors, pm) != has(next.units[un].editors, pn) ||
			has(m.units[um].leaders, pm) != has(next.units[un].leaders, pn) {
			keys = append(keys, elementKey{elUnit, um})
		}
	}
	// functions, as each of their agencies reads them
	for code := range functions {
		fm, okM := m.functionIdx[code]
		if !okM {
			continue
		}
		fn, okN := next.functionIdx[code]
		for id := range agencies {
			am, an := m.agencyIdx[id], next.agencyIdx[id]
			if !okN || m.holdsFunction(pm, am, fm, d) != next.holdsFunction(pn, an, fn, d) {
				keys = append(keys, elementKey{elFunction, fm})
				break
			}
		}
	}
	for id := range groups {
		gm, okM := m.groupIdx[id]
		if !okM {
			continue
		}
		gn, okN := next.groupIdx[id]
		if !okN || has(m.groups[gm].members, pm) != has(next.groups[gn].members, pn) {
			keys = append(keys, elementKey{elGroup, gm})
		}
	}
	return keys, false
}

// heldBy adds the ids of what person p holds in m: the units of their records and
// out-assignments and those they hold a role of, the functions of their records, their groups.
func (m *Model) heldBy(p int32, units, functions, groups map[string]bool) {
	for _, rr := range m.people[p].records {
		rec := &m.agencies[rr.agency].records[rr.rec]
		if rec.unit >= 0 {
			units[m.units[rec.unit].src.ID] = true
		}
		for _, o := range rec.outs {
			units[m.units[o.unit].src.ID] = true
		}
		for _, f := range rec.functions {
			functions[m.functions[f].src.Code] = true
		}
	}
	for u := range m.units {
		if has(m.units[u].editors, p) || has(m.units[u].leaders, p) {
			units[m.units[u].src.ID] = true
		}
	}
	for g := range m.groups {
		if has(m.groups[g].members, p) {
			groups[m.groups[g].src.ID] = true
		}
	}
}
