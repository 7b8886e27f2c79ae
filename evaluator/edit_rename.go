package evaluator

import (
	"strconv"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Renaming the unit that entries name, for consolidate_units (SPEC §5.2).

// renameUnit rewrites entries of agency a's pages that name unit u ("unit:" and its id) to
// name new.
func (e *edit) renameUnit(a, u int32, new string) {
	old := "unit:" + e.m.units[u].src.ID
	pages := agencyPath(a) + ".pages."
	for pi, x := range e.m.agencies[a].pages {
		P := &e.m.pages[x]
		// the page's path from its place in the list (pagePath would search the list for it)
		if P.own != nil && sectionNamesUnit(P.own, u, old) {
			e.renameIn(pages+strconv.Itoa(pi)+".security", old, new)
		}
		for _, d := range P.defaults {
			if sectionNamesUnit(d.sec, u, old) {
				e.renameIn(pages+strconv.Itoa(pi)+".defaults."+d.kind.String(), old, new)
			}
		}
	}
}

// sectionNamesUnit is sectionNames(s, principal) for principal "unit:" and the id of unit u:
// only an entry compiled as naming u can read so, which is told without reading the text of
// every entry of the agency's sections (each its own allocation).
func sectionNamesUnit(s *sectionC, u int32, principal string) bool {
	for i := range s.entries {
		if en := &s.entries[i]; en.principal == pUnit && en.ref == u && en.text.principal == principal {
			return true
		}
	}
	return false
}

// renameIn rewrites the principal of every entry of the section at path that names old to
// name new, in one writing of the segment the section lies in (or of the document): the
// entries' principals are replaced where they lie, as sjson would set each, which copied
// the segment once for each entry.
func (e *edit) renameIn(path, old, new string) {
	if e.err != nil {
		return
	}
	e.write(path, func(doc []byte, at string) ([]byte, error) {
		return renamePrincipal(doc, at, old, new)
	})
}

// renamePrincipal is doc with the principal of every entry of the section at path (doc
// itself when path is "") that names old set to new, as sjson sets a string: new as it is
// between quotes when it needs no escape.
func renamePrincipal(doc []byte, path, old, new string) ([]byte, error) {
	sec := gjson.ParseBytes(doc)
	if path != "" {
		sec = gjson.GetBytes(doc, path)
	}
	type hit struct{ start, end int } // where a principal's JSON string lies in doc
	var hits []hit
	var places []int // the entries' places in the section
	// the entries' places in doc are known when the section's is (gjson's Index)
	spliced := !mustEscape(new) && sec.IsArray() && (path == "" && len(sec.Raw) == len(doc) || path != "" && sec.Index > 0)
	i := 0
	sec.ForEach(func(_, en gjson.Result) bool {
		if p := en.Get("principal"); p.Str == old {
			places = append(places, i)
			at := p.Index // Result.Get places what it finds in the section's document
			if en.Index <= 0 || p.Index <= en.Index || at+len(p.Raw) > len(doc) || string(doc[at:at+len(p.Raw)]) != p.Raw {
				spliced = false // not told where it lies: sjson finds it
			}
			hits = append(hits, hit{at, at + len(p.Raw)})
		}
		i++
		return true
	})
	if !spliced {
		var err error
		for _, i := range places {
			p := strconv.Itoa(i) + ".principal"
			if path != "" {
				p = path + "." + p
			}
			if doc, err = sjson.SetBytes(doc, p, new); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}
	out := make([]byte, 0, len(doc)+len(hits)*len(new))
	prev := 0
	for _, h := range hits {
		out = append(out, doc[prev:h.start]...)
		out = append(append(append(out, '"'), new...), '"')
		prev = h.end
	}
	return append(out, doc[prev:]...), nil
}

// mustEscape says whether JSON writes s with an escape (sjson then marshals it).
func mustEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > 0x7f || c == '"' || c == '\\' {
			return true
		}
	}
	return false
}
