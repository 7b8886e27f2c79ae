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
//
// The document is read, copied out of and let go before the model is compiled, so a reader
// never holds the document and the whole model at once.
func LoadForReading(data []byte) (*Model, error) { return load(data, false) }

// CodeReadOnly refuses an edit on a model loaded with LoadForReading.
const CodeReadOnly = "read_only"

// readOnly tells whether the model keeps no document (LoadForReading).
func (m *Model) readOnly() bool { return m.raw == nil }

// readOnlyError refuses what needs the document on a model loaded with LoadForReading; rest
// says what the coordinator cannot do here and what to do instead.
func readOnlyError(rest string) *EditError {
	return &EditError{Code: CodeReadOnly, Index: -1, Message: "this snapshot was opened for reading only" + rest}
}

// detach copies every string of the parsed snapshot s, and the words of the entries read,
// out of the document into an arena of their own, so that nothing read points into it.
func (r *reader) detach(s *snapshot) {
	var a arena
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
	if s.SiteDefaults != nil {
		sites := make(map[string]*siteTemplate, len(s.SiteDefaults))
		for k, t := range s.SiteDefaults {
			a.defaults(t.Defaults)
			sites[a.str(k)] = t
		}
		s.SiteDefaults = sites
	}
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
			st := &ag.Staff[i]
			st.Person, st.Unit = a.str(st.Person), a.str(st.Unit)
			a.strs(st.Functions)
			a.strs(st.ReportsTo)
			for j := range st.OutAssignments {
				st.OutAssignments[j].Unit = a.str(st.OutAssignments[j].Unit)
			}
		}
		for i := range ag.Pages {
			pg := &ag.Pages[i]
			pg.ID, pg.Kind, pg.Parent, pg.Title = a.str(pg.ID), a.kind(pg.Kind), a.str(pg.Parent), a.str(pg.Title)
			pg.CreatedBy, pg.Unit, pg.Person = a.str(pg.CreatedBy), a.str(pg.Unit), a.str(pg.Person)
			if pg.pageRead == nil {
				continue
			}
			a.defaults(pg.Defaults)
			a.strs(pg.Owners)
			a.strs(pg.Responsible)
			if pg.Roles != nil {
				roles := make(map[string][]string, len(pg.Roles))
				for k, list := range pg.Roles {
					a.strs(list)
					roles[a.str(k)] = list
				}
				pg.Roles = roles
			}
		}
	}
	for i := range s.Elsewhere {
		e := &s.Elsewhere[i]
		e.Agency, e.AgencyName, e.UnitName = a.str(e.Agency), a.str(e.AgencyName), a.str(e.UnitName)
		e.Person, e.Unit = a.str(e.Person), a.str(e.Unit)
		a.strs(e.Functions)
		for j := range e.OutAssignments {
			e.OutAssignments[j].Unit = a.str(e.OutAssignments[j].Unit)
		}
	}
	r.words.each(func(t *entryText) {
		t.principal = a.str(t.principal)
		t.ref = t.principal[len(t.principal)-len(t.ref):] // the id after the prefix
		a.strs(t.create)
	})
}

// arena holds copies of strings in blocks, so that many short strings cost no more than
// their bytes.
type arena struct{ block []byte }

// arenaBlock is the size of an arena's block: one page of the heap, so that a block fits the
// room reading left free among its small objects while the document is still held. With
// blocks of 256 KB, which need a run of free pages, a reader's load of the largest agency
// reached 72 MB in WebAssembly; with 8 KB, 69.5 MB (wasm/bench/memory.mjs).
const arenaBlock = 8 << 10

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

// defaults copies the kinds of a page's or a template's default sections.
func (a *arena) defaults(ds []defaultSection) {
	for i := range ds {
		ds[i].Kind = a.kind(ds[i].Kind)
	}
}

// kind is the name of a page kind as the program spells it (no copy), or a copy of s when
// it names no kind: 60,000 pages name a dozen kinds.
func (a *arena) kind(s string) string {
	if k := parseKind(s); k != kindInvalid {
		return k.String()
	}
	return a.str(s)
}
