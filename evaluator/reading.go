package evaluator

import "unsafe"

// LoadForReading is Load for a model that only answers: checks, who, what, sections, lint,
// profiles, reports and the scenario steps without edits. It keeps no part of the document —
// every name and id it answers with is copied into memory of its own — so it is smaller than
// a loaded model by about the document's size, and the caller may reuse data at once. Edits,
// what-if and suggestions need the document: on such a model they are refused (read_only),
// and Snapshot and AgencyView have nothing to give.
//
// A reader (a browser that only looks, an edge read model, the command line's queries) loads
// this way; a writer loads with Load and keeps the document once.
func LoadForReading(data []byte) (*Model, error) {
	m, err := Load(data)
	if err != nil {
		return nil, err
	}
	m.detach()
	return m, nil
}

// CodeReadOnly refuses an edit on a model loaded with LoadForReading.
const CodeReadOnly = "read_only"

// readOnly tells whether the model keeps no document (LoadForReading).
func (m *Model) readOnly() bool { return m.raw == nil }

// detach copies every string the model keeps out of the document into an arena of its own
// and lets go of the document and of where its elements lie. Only a model no reader holds yet
// may be detached: it is rewritten in place.
func (m *Model) detach() {
	var a arena
	s := m.snap
	for i := range s.People {
		p := &s.People[i]
		p.ID, p.Name, p.NTAccount, p.Status = a.str(p.ID), a.str(p.Name), a.str(p.NTAccount), a.str(p.Status)
	}
	a.strs(s.Administrators)
	for i := range s.Builds {
		b := &s.Builds[i]
		b.ID, b.Date, b.Notes = a.str(b.ID), a.str(b.Date), a.str(b.Notes)
	}
	for i := range s.Functions {
		f := &s.Functions[i]
		f.Code, f.Name, f.Build = a.str(f.Code), a.str(f.Name), a.str(f.Build)
		a.strs(f.Tasks)
		a.strs(f.SuggestFunctions)
		a.strs(f.SuggestSpecs)
		for j := range f.Attributes {
			t := &f.Attributes[j]
			t.Name, t.Capability, t.Scope = a.str(t.Name), a.str(t.Capability), a.str(t.Scope)
		}
	}
	sites := make(map[string]*siteTemplate, len(s.SiteDefaults))
	for k, t := range s.SiteDefaults {
		for i := range t.Defaults {
			t.Defaults[i].Kind = a.str(t.Defaults[i].Kind)
		}
		sites[a.str(k)] = t
	}
	s.SiteDefaults = sites
	for ai := range s.Agencies {
		ag := &s.Agencies[ai]
		ag.ID, ag.Name = a.str(ag.ID), a.str(ag.Name)
		for i := range ag.Coordinators {
			c := &ag.Coordinators[i]
			c.Person, c.Role = a.str(c.Person), a.str(c.Role)
		}
		a.strs(ag.OrgEditors)
		a.strs(ag.OrgLeaders)
		for i := range ag.Groups {
			g := &ag.Groups[i]
			g.ID, g.Name = a.str(g.ID), a.str(g.Name)
			a.strs(g.Members)
		}
		for i := range ag.Units {
			u := &ag.Units[i]
			u.ID, u.Name, u.Specialization, u.Approver = a.str(u.ID), a.str(u.Name), a.str(u.Specialization), a.str(u.Approver)
			a.strs(u.Editors)
			a.strs(u.Leaders)
		}
		for i := range ag.Staff {
			r := &ag.Staff[i]
			r.Person, r.Unit = a.str(r.Person), a.str(r.Unit)
			a.strs(r.Functions)
			a.strs(r.ReportsTo)
			for j := range r.OutAssignments {
				r.OutAssignments[j].Unit = a.str(r.OutAssignments[j].Unit)
			}
		}
		for i := range ag.Pages {
			pg := &ag.Pages[i]
			pg.ID, pg.Kind, pg.Parent, pg.Title = a.str(pg.ID), a.str(pg.Kind), a.str(pg.Parent), a.str(pg.Title)
			pg.CreatedBy, pg.Unit, pg.Person = a.str(pg.CreatedBy), a.str(pg.Unit), a.str(pg.Person)
			for j := range pg.Defaults {
				pg.Defaults[j].Kind = a.str(pg.Defaults[j].Kind)
			}
		}
		for p, role := range m.agencies[ai].coordinator {
			m.agencies[ai].coordinator[p] = a.str(role)
		}
	}
	m.eachEntryText(func(t *entryText) {
		t.principal = a.str(t.principal)
		a.strs(t.create)
	})
	// the indexes by id: the keys were the document's strings
	m.personIdx = a.keys(m.personIdx)
	m.agencyIdx = a.keys(m.agencyIdx)
	m.unitIdx = a.keys(m.unitIdx)
	m.groupIdx = a.keys(m.groupIdx)
	m.pageIdx = a.keys(m.pageIdx)
	m.functionIdx = a.keys(m.functionIdx)
	m.capIdx = a.keys(m.capIdx)
	builds := make(map[string]*build, len(m.builds))
	for id, b := range m.builds {
		builds[a.str(id)] = b
	}
	m.builds = builds
	m.raw, m.spans = nil, nil
}

// eachEntryText calls fn once for each entryText the model's sections hold.
func (m *Model) eachEntryText(fn func(*entryText)) {
	seen := map[*entryText]bool{}
	section := func(sc *sectionC) {
		if sc == nil {
			return
		}
		for i := range sc.entries {
			if t := sc.entries[i].text; !seen[t] {
				seen[t] = true
				fn(t)
			}
		}
	}
	sections := func(own *sectionC, defaults []defaultC) {
		section(own)
		for _, d := range defaults {
			section(d.sec)
		}
	}
	for _, t := range m.siteDefaults {
		sections(&t.security, t.defaults)
	}
	for x := range m.pages {
		sections(m.pages[x].own, m.pages[x].defaults)
	}
}

// arena holds copies of strings in large blocks, so that many short strings cost no more than
// their bytes.
type arena struct{ block []byte }

const arenaBlock = 256 << 10

func (a *arena) str(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > cap(a.block)-len(a.block) {
		a.block = make([]byte, 0, max(arenaBlock, len(s)))
	}
	at := len(a.block)
	a.block = append(a.block, s...)
	return unsafe.String(&a.block[at], len(s))
}

// strs copies the strings of list in place.
func (a *arena) strs(list []string) {
	for i := range list {
		list[i] = a.str(list[i])
	}
}

// keys gives index again with its keys copied.
func (a *arena) keys(index map[string]int32) map[string]int32 {
	out := make(map[string]int32, len(index))
	for k, v := range index {
		out[a.str(k)] = v
	}
	return out
}
