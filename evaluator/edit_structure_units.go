package evaluator

import (
	"maps"
	"slices"

	"github.com/tidwall/gjson"
)

// removeUnits removes the units at places of agency a (each a place of the list before any
// is removed, as the edit's removals are made highest first), once nothing names them but the
// records and pages this edit rewrites (st.fields: consolidate_units, SPEC §5.2, names the
// unit they went into in their place; the rewritten pages are compiled again after). The
// units after them move down a place for each removed before them, and so do the entries
// that name them (unitEntries): all in one pass over the model, as removing them one at a
// time would give.
func (st *structure) removeUnits(a int32, places []int) bool {
	fields := st.fields
	n := st.n
	gone := map[int32]bool{}
	var units []int32 // the units removed, in order
	for _, i := range places {
		u := n.agencies[a].units[i]
		if n.units[u].deptPage >= 0 {
			return false
		}
		gone[u] = true
		units = append(units, u)
	}
	slices.Sort(units)
	first := units[0]
	for x := range n.pages {
		if gone[n.pages[x].deptUnit] {
			return false
		}
	}
	named := func(s *sectionC) bool {
		for j := range s.entries {
			if s.entries[j].principal == pUnit && gone[s.entries[j].ref] {
				return true
			}
		}
		return false
	}
	for x := range n.pages {
		P := &n.pages[x]
		// a rewritten page is compiled again from its segment: asked only of a page that
		// names a unit removed, as rewrote looks up the page's id
		if P.own != nil && named(P.own) && !st.rewrote(P.src.ID) {
			return false
		}
		for _, d := range P.defaults {
			if named(d.sec) && !st.rewrote(P.src.ID) {
				return false
			}
		}
	}
	for _, t := range n.siteDefaults {
		if named(&t.security) {
			return false
		}
		for _, d := range t.defaults {
			if named(d.sec) {
				return false
			}
		}
	}
	for b := range n.agencies {
		for r := range n.agencies[b].records {
			rec := &n.agencies[b].records[r]
			uses := gone[rec.unit]
			for _, o := range rec.outs {
				uses = uses || gone[o.unit]
			}
			if uses && fields[segKey{sort: segRecord, agency: int32(b), i: int32(r)}] == nil {
				return false
			}
		}
	}
	st.agencies()
	st.units()
	st.unitIdx()
	// below counts the units removed before v; an entry of a rewritten page that still names
	// a removed unit moves as the units after it do, as removing them one by one moved it
	below := func(v int32) int32 {
		c, _ := slices.BinarySearch(units, v) // the units removed before v
		return int32(c)
	}
	st.unitEntries(first, func(v int32) int32 { return v - below(v) })
	A := &st.snap.Agencies[a]
	list := make([]unit, 0, len(A.Units))
	for j := range A.Units {
		if !gone[n.agencies[a].units[j]] {
			list = append(list, A.Units[j])
		}
	}
	A.Units = list
	if len(A.Units) == 0 {
		A.Units = nil
	}
	for _, u := range units {
		delete(n.unitIdx, n.units[u].src.ID)
	}
	left := n.units[:0] // n's own: closed up in place
	for v := range n.units {
		if !gone[int32(v)] {
			left = append(left, n.units[v])
		}
	}
	clear(n.units[len(left):])
	n.units = left
	f := func(v int32) int32 { // the place of unit v once the units are removed (-1: removed)
		switch {
		case gone[v]:
			return -1
		case v > first:
			return v - below(v)
		}
		return v
	}
	for b := range n.agencies {
		B := &n.agencies[b]
		var list []int32
		for _, v := range B.units {
			if !gone[v] {
				list = append(list, f(v))
			}
		}
		B.units = list
		recs := slices.Clone(B.records)
		for r := range recs {
			rec := &recs[r]
			rec.unit = max(f(rec.unit), -1)
			if len(rec.outs) > 0 {
				outs := make([]outC, 0, len(rec.outs))
				for _, o := range rec.outs {
					if !gone[o.unit] {
						o.unit = f(o.unit)
						outs = append(outs, o)
					}
				}
				if len(outs) == 0 {
					outs = nil
				}
				rec.outs = outs
			}
		}
		B.records = recs
	}
	for j, v := range n.agencies[a].units {
		n.units[v].src = &A.Units[j]
	}
	if first < int32(len(n.units)) {
		st.pages()
		for x := range n.pages {
			if P := &n.pages[x]; P.deptUnit > first {
				P.deptUnit = f(P.deptUnit)
			}
		}
		for v := int(first); v < len(n.units); v++ {
			n.unitIdx[n.units[v].src.ID] = int32(v)
		}
	}
	return true
}

// rewrote says whether the edit rewrote the page with this id.
func (st *structure) rewrote(id string) bool {
	if st.rewritten == nil {
		st.rewritten = map[string]bool{}
		for k, b := range st.fields {
			if k.sort == segPage {
				st.rewritten[gjson.GetBytes(b, "id").Str] = true
			}
		}
	}
	return st.rewritten[id]
}

// unitEntries makes every section with an entry naming a unit after u (the first removed)
// name it at place to(ref), as removing the units moves it: such a section is copied (every
// page and template that shares it takes the copy) and the others are kept as they are.
func (st *structure) unitEntries(u int32, to func(ref int32) int32) {
	n := st.n
	moved := map[*sectionC]*sectionC{}
	if !n.namesUnitAfter(u) {
		return // the usual case for the newest unit: nothing to copy
	}
	// moved holds only the sections copied: a section that names no later unit is kept,
	// which is told from its entries without a look-up for each of the agency's sections.
	// The copies are taken from blocks, as the loader's sections are.
	var blocks sectionBlocks
	// retargeted: the security of a template copied (its defaults moved) is the copy's, for
	// the pages whose effective section it is, whether its entries moved or not
	retargeted := map[*sectionC]*sectionC{}
	section := func(s *sectionC) *sectionC {
		if len(retargeted) > 0 {
			if c, ok := retargeted[s]; ok {
				return c
			}
		}
		if !s.namesUnitAfter(u) {
			return s
		}
		if c, ok := moved[s]; ok {
			return c
		}
		c := blocks.section(len(s.entries))
		c.entries = append(c.entries, s.entries...)
		for j := range c.entries {
			if e := &c.entries[j]; e.principal == pUnit && e.ref > u {
				e.ref = to(e.ref)
			}
		}
		moved[s] = c
		return c
	}
	defaults := func(list []defaultC) []defaultC {
		var out []defaultC
		for j, d := range list {
			if c := section(d.sec); c != d.sec {
				if out == nil {
					out = slices.Clone(list)
				}
				out[j].sec = c
			}
		}
		if out == nil {
			return list
		}
		return out
	}
	// templates first: a page whose section is a template's takes the template's copy
	var templates map[kind]*templateC
	for k, t := range n.siteDefaults {
		sec := section(&t.security)
		defs := defaults(t.defaults)
		if sec == &t.security && (len(defs) == 0 || &defs[0] == &t.defaults[0]) {
			continue // nothing of this template moved
		}
		if templates == nil {
			templates = maps.Clone(n.siteDefaults)
		}
		c := &templateC{security: *sec, defaults: defs}
		retargeted[&t.security] = &c.security
		templates[k] = c
	}
	if templates != nil {
		n.siteDefaults = templates
	}
	st.pages()
	// a page's effective section is mostly its own or the one of the page before it (a
	// parent and its children lie side by side): those are not looked at again
	var lastSec, lastMoved *sectionC
	for x := range n.pages {
		P := &n.pages[x]
		own := P.own
		P.own = section(P.own)
		P.defaults = defaults(P.defaults)
		var sec *sectionC
		switch {
		case P.sec == own && own != nil:
			sec = P.own
		case P.sec == lastSec && lastSec != nil:
			sec = lastMoved
		default:
			sec = section(P.sec)
		}
		lastSec, lastMoved = P.sec, sec
		if sec != P.sec {
			P.sec = sec
			if n.pageHot != nil {
				n.pageHot[x].entries = sec.entries
			}
		}
	}
}

// namesUnitAfter says whether an entry of a page or template names a unit after u.
func (m *Model) namesUnitAfter(u int32) bool {
	laterIn := func(list []defaultC) bool {
		return slices.ContainsFunc(list, func(d defaultC) bool { return d.sec.namesUnitAfter(u) })
	}
	for _, t := range m.siteDefaults {
		if t.security.namesUnitAfter(u) || laterIn(t.defaults) {
			return true
		}
	}
	for x := range m.pages {
		if P := &m.pages[x]; P.own.namesUnitAfter(u) || laterIn(P.defaults) || P.sec.namesUnitAfter(u) {
			return true
		}
	}
	return false
}

// namesUnitAfter says whether an entry of s (nil: none) names a unit after u.
func (s *sectionC) namesUnitAfter(u int32) bool {
	return s != nil && slices.ContainsFunc(s.entries, func(e entryC) bool { return e.principal == pUnit && e.ref > u })
}
