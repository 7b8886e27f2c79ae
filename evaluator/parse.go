package evaluator

import (
	"fmt"
	"strconv"

	"github.com/tidwall/gjson"
)

// reader turns a JSON document into the snapshot's types, collecting every problem with its
// JSON path instead of stopping at the first (SPEC §2).
type reader struct {
	problems []Problem
}

func (r *reader) add(code, path, format string, args ...any) {
	r.problems = append(r.problems, Problem{Code: code, Path: path, Message: fmt.Sprintf(format, args...)})
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func field(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func typeName(v gjson.Result) string {
	switch {
	case v.Type == gjson.Null:
		return "null"
	case v.Type == gjson.False || v.Type == gjson.True:
		return "a true/false value"
	case v.Type == gjson.Number:
		return "a number"
	case v.Type == gjson.String:
		return "text"
	case v.IsArray():
		return "a list"
	case v.IsObject():
		return "an object"
	}
	return "nothing"
}

// object checks that v is an object; a missing value is allowed when !required.
func (r *reader) object(v gjson.Result, path string, required bool) bool {
	if !v.Exists() || (v.Type == gjson.Null && !required) {
		if required {
			r.add(CodeInvalidSnapshot, path, "is required")
		}
		return false
	}
	if !v.IsObject() {
		r.add(CodeInvalidSnapshot, path, "must be an object, not %s", typeName(v))
		return false
	}
	return true
}

// array calls fn for each element of the list v; a missing or null list is empty.
func (r *reader) array(v gjson.Result, path string, fn func(i int, e gjson.Result, at string)) {
	if !v.Exists() || v.Type == gjson.Null {
		return
	}
	if !v.IsArray() {
		r.add(CodeInvalidSnapshot, path, "must be a list, not %s", typeName(v))
		return
	}
	i := 0
	v.ForEach(func(_, e gjson.Result) bool {
		fn(i, e, index(path, i))
		i++
		return true
	})
}

// text reads a string; missing or null gives "" (and a problem when required).
func (r *reader) text(v gjson.Result, path string, required bool) string {
	if !v.Exists() || v.Type == gjson.Null {
		if required {
			r.add(CodeInvalidSnapshot, path, "is required")
		}
		return ""
	}
	if v.Type != gjson.String {
		r.add(CodeInvalidSnapshot, path, "must be text, not %s", typeName(v))
		return ""
	}
	return v.Str
}

// validID reports whether s is an id of SPEC §1.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func idProblem(s string) string {
	if len(s) == 0 {
		return "an id may not be empty"
	}
	if len(s) > 128 {
		return fmt.Sprintf("an id has at most 128 characters; this one has %d", len(s))
	}
	return fmt.Sprintf("%q is not a valid id: use letters, digits, '.', '_' and '-' only", s)
}

// id reads an id (SPEC §1).
func (r *reader) id(v gjson.Result, path string, required bool) string {
	s := r.text(v, path, required)
	if s == "" && (!v.Exists() || v.Type != gjson.String) {
		return ""
	}
	if !validID(s) {
		r.add(CodeInvalidValue, path, "%s", idProblem(s))
		return ""
	}
	return s
}

func (r *reader) ids(v gjson.Result, path string) []string {
	var out []string
	r.array(v, path, func(_ int, e gjson.Result, at string) {
		if s := r.id(e, at, true); s != "" {
			out = append(out, s)
		}
	})
	return out
}

func (r *reader) texts(v gjson.Result, path string) []string {
	var out []string
	r.array(v, path, func(_ int, e gjson.Result, at string) {
		out = append(out, r.text(e, at, true))
	})
	return out
}

// date reads YYYY-MM-DD; missing or null gives ifMissing.
func (r *reader) date(v gjson.Result, path string, ifMissing Date) Date {
	if !v.Exists() || v.Type == gjson.Null {
		return ifMissing
	}
	if v.Type != gjson.String {
		r.add(CodeInvalidSnapshot, path, "must be a date written YYYY-MM-DD, not %s", typeName(v))
		return ifMissing
	}
	d, ok := parseDate(v.Str)
	if !ok {
		r.add(CodeInvalidValue, path, "%q is not a date: write YYYY-MM-DD, a day that exists", v.Str)
		return ifMissing
	}
	return d
}

func (r *reader) boolean(v gjson.Result, path string) bool {
	if !v.Exists() || v.Type == gjson.Null {
		return false
	}
	if v.Type != gjson.True && v.Type != gjson.False {
		r.add(CodeInvalidSnapshot, path, "must be true or false, not %s", typeName(v))
		return false
	}
	return v.Bool()
}

func (r *reader) oneOf(v gjson.Result, path string, required bool, allowed ...string) string {
	s := r.text(v, path, required)
	if s == "" && !(v.Exists() && v.Type == gjson.String) {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	r.add(CodeInvalidValue, path, "%q is not one of %v", s, allowed)
	return ""
}

// parseSnapshot reads the whole document. Cross-references are checked later (model.go).
func (r *reader) parseSnapshot(doc gjson.Result) *snapshot {
	s := &snapshot{}
	if !doc.IsObject() {
		r.add(CodeInvalidSnapshot, "", "a snapshot is a JSON object, not %s", typeName(doc))
		return s
	}
	if f := doc.Get("format"); f.Type != gjson.String || f.Str != "connsec.snapshot/v1" {
		r.add(CodeInvalidSnapshot, "format", "must be \"connsec.snapshot/v1\" (found %s)", describe(f))
	}
	if v := doc.Get("version"); v.Exists() {
		if v.Type != gjson.Number || v.Num != float64(int64(v.Num)) || v.Num < 0 {
			r.add(CodeInvalidSnapshot, "version", "must be a whole number, 0 or more (found %s)", describe(v))
		} else {
			s.Version = int64(v.Num)
		}
	}
	s.AsOf = r.date(doc.Get("as_of"), "as_of", 0)
	if s.AsOf == 0 && !doc.Get("as_of").Exists() {
		r.add(CodeInvalidSnapshot, "as_of", "is required: the day the snapshot describes, YYYY-MM-DD")
	}
	s.Administrators = r.ids(doc.Get("administrators"), "administrators")
	r.array(doc.Get("builds"), "builds", func(_ int, e gjson.Result, at string) {
		if r.object(e, at, true) {
			s.Builds = append(s.Builds, build{
				ID:    r.id(e.Get("id"), field(at, "id"), true),
				Date:  r.date(e.Get("date"), field(at, "date"), 0).String(),
				Notes: r.text(e.Get("notes"), field(at, "notes"), false),
			})
		}
	})
	r.array(doc.Get("business_functions"), "business_functions", func(_ int, e gjson.Result, at string) {
		if r.object(e, at, true) {
			s.Functions = append(s.Functions, r.parseFunction(e, at))
		}
	})
	r.array(doc.Get("people"), "people", func(_ int, e gjson.Result, at string) {
		if !r.object(e, at, true) {
			return
		}
		s.People = append(s.People, person{
			ID:        r.id(e.Get("id"), field(at, "id"), true),
			Name:      r.text(e.Get("name"), field(at, "name"), false),
			NTAccount: r.text(e.Get("nt_account"), field(at, "nt_account"), false),
			Status:    r.oneOf(e.Get("person_id"), field(at, "person_id"), false, "active", "disabled", "deleted"),
		})
		if p := &s.People[len(s.People)-1]; p.Status == "" {
			p.Status = "active"
		}
	})
	s.SiteDefaults = map[string]*siteTemplate{}
	if sd := doc.Get("site_defaults"); r.object(sd, "site_defaults", false) {
		sd.ForEach(func(k, v gjson.Result) bool {
			at := field("site_defaults", k.Str)
			if k.Str != "department" && k.Str != "individual" {
				r.add(CodeInvalidValue, at, "site defaults exist for department and individual pages only")
				return true
			}
			if r.object(v, at, true) {
				t := &siteTemplate{Security: r.parseSection(v.Get("security"), field(at, "security"))}
				t.Defaults = r.parseDefaults(v.Get("defaults"), field(at, "defaults"))
				s.SiteDefaults[k.Str] = t
			}
			return true
		})
	}
	r.array(doc.Get("agencies"), "agencies", func(_ int, e gjson.Result, at string) {
		if r.object(e, at, true) {
			s.Agencies = append(s.Agencies, r.parseAgency(e, at))
		}
	})
	return s
}

func describe(v gjson.Result) string {
	if v.Type == gjson.String {
		return strconv.Quote(v.Str)
	}
	return typeName(v)
}

func (r *reader) parseFunction(e gjson.Result, at string) function {
	f := function{
		Code:       r.id(e.Get("code"), field(at, "code"), true),
		Name:       r.text(e.Get("name"), field(at, "name"), false),
		Build:      r.id(e.Get("build"), field(at, "build"), false),
		Tasks:      r.texts(e.Get("tasks"), field(at, "tasks")),
		Restricted: r.boolean(e.Get("restricted"), field(at, "restricted")),
	}
	r.array(e.Get("attributes"), field(at, "attributes"), func(_ int, a gjson.Result, at string) {
		if !r.object(a, at, true) {
			return
		}
		attr := attribute{
			Name:       r.text(a.Get("name"), field(at, "name"), false),
			Capability: r.text(a.Get("capability"), field(at, "capability"), true),
			Scope:      r.oneOf(a.Get("scope"), field(at, "scope"), true, "self", "unit", "agency", "system"),
		}
		f.Attributes = append(f.Attributes, attr)
	})
	if sf := e.Get("suggest_for"); r.object(sf, field(at, "suggest_for"), false) {
		f.SuggestFunctions = r.ids(sf.Get("functions"), field(at, "suggest_for.functions"))
		f.SuggestSpecs = r.texts(sf.Get("specializations"), field(at, "suggest_for.specializations"))
	}
	return f
}

func (r *reader) parseSection(v gjson.Result, path string) section {
	var s section
	if !v.Exists() || v.Type == gjson.Null {
		return s
	}
	s.Present = true
	s.Entries = []entry{}
	r.array(v, path, func(_ int, e gjson.Result, at string) {
		if r.object(e, at, true) {
			s.Entries = append(s.Entries, entry{
				Principal: r.text(e.Get("principal"), field(at, "principal"), true),
				Role:      r.oneOf(e.Get("role"), field(at, "role"), true, "reader", "editor", "full", "denied", "not_set"),
				Create:    r.texts(e.Get("create"), field(at, "create")),
			})
		}
	})
	return s
}

func (r *reader) parseDefaults(v gjson.Result, path string) []defaultSection {
	var out []defaultSection
	if !r.object(v, path, false) {
		return nil
	}
	v.ForEach(func(k, sec gjson.Result) bool {
		out = append(out, defaultSection{Kind: k.Str, section: r.parseSection(sec, field(path, k.Str))})
		if !sec.Exists() || sec.Type == gjson.Null {
			out[len(out)-1].Present = true
			out[len(out)-1].Entries = []entry{}
		}
		return true
	})
	return out
}

func (r *reader) parseAgency(e gjson.Result, at string) agency {
	a := agency{
		ID:         r.id(e.Get("id"), field(at, "id"), true),
		Name:       r.text(e.Get("name"), field(at, "name"), false),
		OrgEditors: r.ids(e.Get("org_editors"), field(at, "org_editors")),
		OrgLeaders: r.ids(e.Get("org_leaders"), field(at, "org_leaders")),
	}
	r.array(e.Get("coordinators"), field(at, "coordinators"), func(_ int, c gjson.Result, at string) {
		if r.object(c, at, true) {
			a.Coordinators = append(a.Coordinators, coordinator{
				Person: r.id(c.Get("person"), field(at, "person"), true),
				Role:   r.oneOf(c.Get("role"), field(at, "role"), true, "primary", "backup"),
			})
		}
	})
	r.array(e.Get("groups"), field(at, "groups"), func(_ int, g gjson.Result, at string) {
		if r.object(g, at, true) {
			a.Groups = append(a.Groups, group{
				ID:      r.id(g.Get("id"), field(at, "id"), true),
				Name:    r.text(g.Get("name"), field(at, "name"), false),
				Members: r.ids(g.Get("members"), field(at, "members")),
			})
		}
	})
	r.array(e.Get("units"), field(at, "units"), func(_ int, u gjson.Result, at string) {
		if r.object(u, at, true) {
			a.Units = append(a.Units, unit{
				ID:             r.id(u.Get("id"), field(at, "id"), true),
				Name:           r.text(u.Get("name"), field(at, "name"), false),
				Specialization: r.text(u.Get("specialization"), field(at, "specialization"), false),
				Temporary:      r.boolean(u.Get("temporary"), field(at, "temporary")),
				Approver:       r.id(u.Get("approver"), field(at, "approver"), false),
				Editors:        r.ids(u.Get("editors"), field(at, "editors")),
				Leaders:        r.ids(u.Get("leaders"), field(at, "leaders")),
			})
		}
	})
	r.array(e.Get("staff"), field(at, "staff"), func(_ int, s gjson.Result, at string) {
		if !r.object(s, at, true) {
			return
		}
		rec := staffRecord{
			Person:    r.id(s.Get("person"), field(at, "person"), true),
			Unit:      r.id(s.Get("unit"), field(at, "unit"), false),
			Start:     r.date(s.Get("start"), field(at, "start"), 0),
			End:       r.date(s.Get("end"), field(at, "end"), openEnd),
			Functions: r.ids(s.Get("functions"), field(at, "functions")),
			ReportsTo: r.ids(s.Get("reports_to"), field(at, "reports_to")),
		}
		r.array(s.Get("out_assignments"), field(at, "out_assignments"), func(_ int, o gjson.Result, at string) {
			if r.object(o, at, true) {
				rec.OutAssignments = append(rec.OutAssignments, outAssignment{
					Unit:  r.id(o.Get("unit"), field(at, "unit"), true),
					Start: r.date(o.Get("start"), field(at, "start"), 0),
					End:   r.date(o.Get("end"), field(at, "end"), openEnd),
				})
			}
		})
		a.Staff = append(a.Staff, rec)
	})
	r.array(e.Get("pages"), field(at, "pages"), func(_ int, p gjson.Result, at string) {
		if r.object(p, at, true) {
			a.Pages = append(a.Pages, r.parsePage(p, at))
		}
	})
	return a
}

func (r *reader) parsePage(p gjson.Result, at string) page {
	pg := page{
		ID:        r.id(p.Get("id"), field(at, "id"), true),
		Kind:      r.text(p.Get("kind"), field(at, "kind"), true),
		Parent:    r.id(p.Get("parent"), field(at, "parent"), false),
		Title:     r.text(p.Get("title"), field(at, "title"), false),
		CreatedBy: r.id(p.Get("created_by"), field(at, "created_by"), false),
		Security:  r.parseSection(p.Get("security"), field(at, "security")),
		Defaults:  r.parseDefaults(p.Get("defaults"), field(at, "defaults")),
		Unit:      r.id(p.Get("unit"), field(at, "unit"), false),
		Owners:    r.ids(p.Get("owners"), field(at, "owners")),
		Person:    r.id(p.Get("person"), field(at, "person"), false),
	}
	pg.Responsible = r.ids(p.Get("responsible"), field(at, "responsible"))
	if roles := p.Get("roles"); r.object(roles, field(at, "roles"), false) {
		pg.Roles = map[string][]string{}
		roles.ForEach(func(k, v gjson.Result) bool {
			rp := field(field(at, "roles"), k.Str)
			if !contains(projectRoleNames, k.Str) {
				r.add(CodeInvalidValue, rp, "project roles are sponsor, leader, member and consultant")
				return true
			}
			pg.Roles[k.Str] = r.ids(v, rp)
			return true
		})
	}
	return pg
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
