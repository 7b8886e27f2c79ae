package evaluator

import (
	"fmt"
	"runtime"
	"strconv"

	"github.com/tidwall/gjson"
)

// reader turns a JSON document into the snapshot's types, collecting every problem with its
// JSON path instead of stopping at the first (SPEC §2).
type reader struct {
	problems []Problem
	entryBuf []entryC // scratch for the entries of one section
	// entryBlock is the block the entries of the sections read are cut from (keepEntries)
	entryBlock []entryC
	words      textTable // the entries' words, interned
	spans      *docSpans // when set, where each element the edits rewrite lies in the document
	index      *docIndex // when set, where the document's large values end (docindex.go)
	// unreadable: once the document is read (doneReading), the paths of the values reading
	// found a problem with; nil when it found none.
	unreadable map[string]bool
}

func (r *reader) add(code, path, format string, args ...any) {
	if r.unreadable != nil && r.covered(path) {
		return // the value was read as a stand-in: what it leads to is that same problem
	}
	r.problems = append(r.problems, Problem{Code: code, Path: path, Message: fmt.Sprintf(format, args...)})
}

// doneReading ends the reading of a document (parseSnapshot). Whatever reading found, the
// checks between the elements run next all the same, on what could be read: a value reading
// could not take stands in as empty (an id or a text ""), missing (a date) or as an element
// with nothing in it (a person that is not an object), keeping every element at its index so
// that each later problem has the right path. Those checks do not report again what reading
// found: nothing at or below a value reading found a problem with (see covered).
func (r *reader) doneReading() {
	if len(r.problems) == 0 {
		return
	}
	r.unreadable = make(map[string]bool, len(r.problems))
	for _, p := range r.problems {
		r.unreadable[p.Path] = true
	}
}

// covered reports whether reading found a problem with the value at path or with a value that
// holds it (agencies[0].staff[4] holds agencies[0].staff[4].end; "" holds everything).
func (r *reader) covered(path string) bool {
	if r.unreadable[path] || r.unreadable[""] {
		return true
	}
	for i := len(path) - 1; i > 0; i-- {
		if (path[i] == '.' || path[i] == '[') && r.unreadable[path[:i]] {
			return true
		}
	}
	return false
}

// unread reports whether reading found a problem with the value at p itself.
func (r *reader) unread(p lazyPath) bool {
	return r.unreadable != nil && r.unreadable[p.String()]
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func field(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// lazyPath is a JSON path written out only when a problem needs it: base, then [i] when
// i >= 0, then .key when key is not empty. A valid snapshot has no problem, and writing out
// the path of every field of every entry used to be a large part of the cost of a load.
type lazyPath struct {
	base string
	i    int
	key  string
}

func (p lazyPath) String() string {
	s := p.base
	if p.i >= 0 {
		s = index(s, p.i)
	}
	if p.key != "" {
		s = field(s, p.key)
	}
	return s
}

// at is the path of a field of the element p names.
func (p lazyPath) at(key string) lazyPath {
	p.key = key
	return p
}

// The readers below ending in L answer as their namesakes do; they take the common valid
// case without writing out a path and hand everything else to their namesake.

func (r *reader) textL(v gjson.Result, p lazyPath, required bool) string {
	if v.Type == gjson.String {
		return v.Str
	}
	if !required && v.Type == gjson.Null {
		return ""
	}
	return r.text(v, p.String(), required)
}

func (r *reader) idL(v gjson.Result, p lazyPath, required bool) string {
	if v.Type == gjson.String && validID(v.Str) {
		return v.Str
	}
	if !required && v.Type == gjson.Null {
		return ""
	}
	return r.id(v, p.String(), required)
}

func (r *reader) idsL(v gjson.Result, p lazyPath) []string {
	if v.Type == gjson.Null {
		return nil
	}
	if out, ok := stringList(v, validID); ok {
		return out
	}
	return r.ids(v, p.String())
}

// stringList is the fast path of idsL and textsL: a list whose every element is text that
// accept takes (nil: any text). ok is false when the slow path must read it and say why.
func stringList(v gjson.Result, accept func(string) bool) ([]string, bool) {
	if !v.IsArray() {
		return nil, false
	}
	var out []string
	ok := true
	v.ForEach(func(_, e gjson.Result) bool {
		if e.Type == gjson.String && (accept == nil || accept(e.Str)) {
			out = append(out, e.Str)
			return true
		}
		ok = false
		return false
	})
	return out, ok
}

func (r *reader) textsL(v gjson.Result, p lazyPath) []string {
	if v.Type == gjson.Null {
		return nil
	}
	if out, ok := stringList(v, nil); ok {
		return out
	}
	return r.texts(v, p.String())
}

func (r *reader) dateL(v gjson.Result, p lazyPath, ifMissing Date) Date {
	switch v.Type {
	case gjson.Null:
		return ifMissing
	case gjson.String:
		if d, ok := parseDate(v.Str); ok {
			return d
		}
	}
	return r.date(v, p.String(), ifMissing)
}

func (r *reader) booleanL(v gjson.Result, p lazyPath) bool {
	switch v.Type {
	case gjson.Null:
		return false
	case gjson.True:
		return true
	case gjson.False:
		return false
	}
	return r.boolean(v, p.String())
}

func (r *reader) oneOfL(v gjson.Result, p lazyPath, required bool, allowed []string) string {
	if v.Type == gjson.String && contains(allowed, v.Str) {
		return v.Str
	}
	if !required && v.Type == gjson.Null {
		return ""
	}
	return r.oneOf(v, p.String(), required, allowed...)
}

var (
	entryRoles       = []string{"reader", "editor", "full", "denied", "not_set"}
	personIDStatuses = []string{"active", "disabled", "deleted"}
)

// keepFirst keeps the first value of a key, as gjson's Get does when a key is repeated.
func keepFirst(dst *gjson.Result, v gjson.Result) {
	if !dst.Exists() {
		*dst = v
	}
}

// firstKey is keepFirst for an object whose keys are names the document chooses (roles,
// default sections, site defaults): it reports whether key k is met for the first time, noting
// it in seen. A repeated key is not read again, so what is wrong with it is said once.
func firstKey(seen *[]string, k string) bool {
	if contains(*seen, k) {
		return false
	}
	*seen = append(*seen, k)
	return true
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
	r.index.each(v, func(_, e gjson.Result) bool {
		fn(i, e, index(path, i))
		i++
		return true
	})
}

// yieldNow lets the collector run every 128 elements of a long list. Where there is
// one thread and no preemption (WebAssembly), a load that never yields starves the collector's
// own worker: the heap then grows far past its goal while one collection waits to finish, and
// a module's memory never shrinks back. Elsewhere it costs next to nothing.
func yieldNow(i int) {
	if i&127 == 127 {
		runtime.Gosched()
	}
}

// elements counts the elements of v when it is a list (0 otherwise).
func (r *reader) elements(v gjson.Result) int {
	if !v.IsArray() {
		return 0
	}
	n := 0
	r.index.each(v, func(_, _ gjson.Result) bool {
		n++
		return true
	})
	return n
}

// arrayL is array without the path of each element written out: fn gets the index.
func (r *reader) arrayL(v gjson.Result, path string, fn func(i int, e gjson.Result)) {
	if v.Type == gjson.Null {
		return
	}
	if !v.IsArray() {
		r.add(CodeInvalidSnapshot, path, "must be a list, not %s", typeName(v))
		return
	}
	i := 0
	r.index.each(v, func(_, e gjson.Result) bool {
		fn(i, e)
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

// ids reads a list of ids; one it cannot read stands in as "", at its index.
func (r *reader) ids(v gjson.Result, path string) []string {
	var out []string
	r.array(v, path, func(_ int, e gjson.Result, at string) {
		out = append(out, r.id(e, at, true))
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
// Each object is read in one pass over its keys (the first of a repeated key counts, as
// with gjson's Get).
func (r *reader) parseSnapshot(doc gjson.Result) *snapshot {
	s := &snapshot{}
	if !doc.IsObject() {
		r.add(CodeInvalidSnapshot, "", "a snapshot is a JSON object, not %s", typeName(doc))
		return s
	}
	var format, version, asOf, admins, builds, functions, people, siteDefaults, agencies, elsewhere, idsElsewhere gjson.Result
	r.index.each(doc, func(k, v gjson.Result) bool {
		switch k.Str {
		case "format":
			keepFirst(&format, v)
		case "version":
			keepFirst(&version, v)
		case "as_of":
			keepFirst(&asOf, v)
		case "administrators":
			keepFirst(&admins, v)
		case "builds":
			keepFirst(&builds, v)
		case "business_functions":
			keepFirst(&functions, v)
		case "people":
			keepFirst(&people, v)
		case "site_defaults":
			keepFirst(&siteDefaults, v)
		case "agencies":
			keepFirst(&agencies, v)
		case "records_elsewhere":
			keepFirst(&elsewhere, v)
		case "ids_elsewhere":
			keepFirst(&idsElsewhere, v)
		}
		return true
	})
	if f := format; f.Type != gjson.String || f.Str != "connsec.snapshot/v1" {
		r.add(CodeInvalidSnapshot, "format", "must be \"connsec.snapshot/v1\" (found %s)", describe(f))
	}
	if r.spans != nil {
		r.spans.version = spanOf(version)
	}
	if v := version; v.Exists() {
		if v.Type != gjson.Number || v.Num != float64(int64(v.Num)) || v.Num < 0 {
			r.add(CodeInvalidSnapshot, "version", "must be a whole number, 0 or more (found %s)", describe(v))
		} else {
			s.Version = int64(v.Num)
		}
	}
	s.AsOf = r.date(asOf, "as_of", 0)
	if r.spans != nil {
		r.spans.asOf = s.AsOf
	}
	if s.AsOf == 0 && !asOf.Exists() {
		r.add(CodeInvalidSnapshot, "as_of", "is required: the day the snapshot describes, YYYY-MM-DD")
	}
	s.Administrators = r.ids(admins, "administrators")
	// An element that is not an object stands in as an empty one, here and below, so that each
	// element keeps its index in the lists the later checks walk (and so the path they report).
	r.array(builds, "builds", func(_ int, e gjson.Result, at string) {
		var b build
		if r.object(e, at, true) {
			b = build{
				ID:    r.id(e.Get("id"), field(at, "id"), true),
				Date:  r.date(e.Get("date"), field(at, "date"), 0).String(),
				Notes: r.text(e.Get("notes"), field(at, "notes"), false),
			}
		}
		s.Builds = append(s.Builds, b)
	})
	r.array(functions, "business_functions", func(_ int, e gjson.Result, at string) {
		var f function
		if r.object(e, at, true) {
			f = r.parseFunction(e, at)
		}
		s.Functions = append(s.Functions, f)
	})
	r.arrayL(people, "people", func(i int, e gjson.Result) {
		p, _ := r.parsePerson(e, i)
		s.People = append(s.People, p)
		if r.spans != nil {
			r.spans.people = append(r.spans.people, spanOf(e))
		}
	})
	s.SiteDefaults = map[string]*siteTemplate{}
	if sd := siteDefaults; r.object(sd, "site_defaults", false) {
		var seen []string
		r.index.each(sd, func(k, v gjson.Result) bool {
			if !firstKey(&seen, k.Str) {
				return true
			}
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
	r.array(agencies, "agencies", func(_ int, e gjson.Result, at string) {
		if r.spans != nil {
			r.spans.agencies = append(r.spans.agencies, agencySpans{})
		}
		var a agency
		if r.object(e, at, true) {
			a = r.parseAgency(e, at)
		}
		s.Agencies = append(s.Agencies, a)
	})
	s.Elsewhere = r.parseElsewhere(elsewhere)
	s.IDsElsewhere = r.idsL(idsElsewhere, lazyPath{base: "ids_elsewhere", i: -1})
	return s
}

// parsePerson reads people[i]; ok is false when it is not an object.
func (r *reader) parsePerson(e gjson.Result, i int) (person, bool) {
	at := lazyPath{base: "people", i: i}
	if !e.IsObject() {
		r.object(e, at.String(), true)
		return person{}, false
	}
	var id, name, nt, status gjson.Result
	r.index.each(e, func(k, v gjson.Result) bool {
		switch k.Str {
		case "id":
			keepFirst(&id, v)
		case "name":
			keepFirst(&name, v)
		case "nt_account":
			keepFirst(&nt, v)
		case "person_id":
			keepFirst(&status, v)
		}
		return true
	})
	p := person{
		ID:        r.idL(id, at.at("id"), true),
		Name:      r.textL(name, at.at("name"), false),
		NTAccount: r.textL(nt, at.at("nt_account"), false),
		Status:    r.oneOfL(status, at.at("person_id"), false, personIDStatuses),
	}
	if p.Status == "" {
		p.Status = "active"
	}
	return p, true
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
	buf := r.entryBuf[:0]
	r.arrayL(v, path, func(i int, e gjson.Result) {
		at := lazyPath{base: path, i: i}
		if !e.IsObject() {
			r.object(e, at.String(), true)
			buf = append(buf, readEntry(r.entryText("", nil), roleNotSet))
			return
		}
		var principal, role, create gjson.Result
		r.index.each(e, func(k, v gjson.Result) bool {
			switch k.Str {
			case "principal":
				keepFirst(&principal, v)
			case "role":
				keepFirst(&role, v)
			case "create":
				keepFirst(&create, v)
			}
			return true
		})
		buf = append(buf, readEntry(r.entryText(r.textL(principal, at.at("principal"), true), r.textsL(create, at.at("create"))),
			roleByName[r.oneOfL(role, at.at("role"), true, entryRoles)]))
	})
	s.Entries = r.keepEntries(buf)
	clear(buf)
	r.entryBuf = buf[:0]
	return s
}

// readEntry is an entry as read: its words and role, its references not resolved yet.
func readEntry(t *entryText, rl role) entryC {
	return entryC{text: t, role: rl, ref: -1, principal: t.kind, withCreate: t.createSet != 0}
}

// entryBlockMax is the most entries a block of read entries holds (32 KB); blocks start small
// and double, so that an edit that reads one section allocates little. Of 8 KB, 32 KB and
// 128 KB blocks, 32 KB leave the module's memory smallest after a load and a what-if at the
// largest agency (wasm/bench/memory.mjs): large blocks need runs of free pages that a heap
// full of small objects lacks, small ones are many.
const entryBlockMax = 2048

// keepEntries copies the entries of a section read into the reader's blocks: exactly as long
// as the section (its capacity too, so that appending to one never writes into the next), and
// an empty one is not nil.
func (r *reader) keepEntries(buf []entryC) []entryC {
	n := len(buf)
	if n == 0 {
		return []entryC{}
	}
	if n > cap(r.entryBlock)-len(r.entryBlock) {
		r.entryBlock = make([]entryC, 0, max(n, min(entryBlockMax, max(16, 2*cap(r.entryBlock)))))
	}
	at := len(r.entryBlock)
	r.entryBlock = append(r.entryBlock, buf...)
	return r.entryBlock[at : at+n : at+n]
}

func (r *reader) parseDefaults(v gjson.Result, path string) []defaultSection {
	var out []defaultSection
	if !r.object(v, path, false) {
		return nil
	}
	r.index.each(v, func(k, sec gjson.Result) bool {
		for i := range out {
			if out[i].Kind == k.Str {
				return true // a repeated key: the first counts
			}
		}
		out = append(out, defaultSection{Kind: k.Str, section: r.parseSection(sec, field(path, k.Str))})
		if !sec.Exists() || sec.Type == gjson.Null {
			out[len(out)-1].Present = true
			out[len(out)-1].Entries = []entryC{}
		}
		return true
	})
	return out
}

func (r *reader) parseAgency(e gjson.Result, at string) agency {
	var id, name, orgEditors, orgLeaders, coordinators, groups, units, staff, pages, reviews gjson.Result
	r.index.each(e, func(k, v gjson.Result) bool {
		switch k.Str {
		case "id":
			keepFirst(&id, v)
		case "security_reviews":
			keepFirst(&reviews, v)
		case "name":
			keepFirst(&name, v)
		case "org_editors":
			keepFirst(&orgEditors, v)
		case "org_leaders":
			keepFirst(&orgLeaders, v)
		case "coordinators":
			keepFirst(&coordinators, v)
		case "groups":
			keepFirst(&groups, v)
		case "units":
			keepFirst(&units, v)
		case "staff":
			keepFirst(&staff, v)
		case "pages":
			keepFirst(&pages, v)
		}
		return true
	})
	a := agency{
		ID:         r.id(id, field(at, "id"), true),
		Name:       r.text(name, field(at, "name"), false),
		OrgEditors: r.ids(orgEditors, field(at, "org_editors")),
		OrgLeaders: r.ids(orgLeaders, field(at, "org_leaders")),
	}
	a.Coordinators = r.parseCoordinators(coordinators, field(at, "coordinators"))
	a.Reviews = r.parseReviews(reviews, field(at, "security_reviews"))
	var sp *agencySpans
	if r.spans != nil {
		sp = &r.spans.agencies[len(r.spans.agencies)-1]
		sp.orgEditors, sp.orgLeaders, sp.coordinators = spanOf(orgEditors), spanOf(orgLeaders), spanOf(coordinators)
	}
	r.array(groups, field(at, "groups"), func(_ int, g gjson.Result, at string) {
		var gr group
		if r.object(g, at, true) {
			gr = r.parseGroup(g, at)
		}
		a.Groups = append(a.Groups, gr)
		if sp != nil {
			sp.groups = append(sp.groups, spanOf(g))
		}
	})
	r.array(units, field(at, "units"), func(_ int, u gjson.Result, at string) {
		var un unit
		if r.object(u, at, true) {
			un = r.parseUnit(u, at)
		}
		a.Units = append(a.Units, un)
		if sp != nil {
			sp.units = append(sp.units, spanOf(u))
		}
	})
	// the large lists are made to size at once: growing them by doubling would leave garbage
	// as large as the list, which a module's memory keeps as its high-water mark
	a.Staff = make([]staffRecord, 0, r.elements(staff))
	a.Pages = make([]page, 0, r.elements(pages))
	if sp != nil {
		sp.staff = make([]span, 0, cap(a.Staff))
		sp.pages = make([]span, 0, cap(a.Pages))
	}
	staffPath := field(at, "staff")
	r.arrayL(staff, staffPath, func(i int, s gjson.Result) {
		rec, _ := r.parseStaff(s, staffPath, i)
		a.Staff = append(a.Staff, rec)
		if sp != nil {
			sp.staff = append(sp.staff, spanOf(s))
		}
		yieldNow(i)
	})
	pagesPath := field(at, "pages")
	r.arrayL(pages, pagesPath, func(i int, p gjson.Result) {
		at := index(pagesPath, i)
		a.Pages = append(a.Pages, r.pageAt(p, at))
		if sp != nil {
			sp.pages = append(sp.pages, spanOf(p))
		}
		yieldNow(i)
	})
	return a
}

// parseCoordinators reads an agency's coordinators.
func (r *reader) parseCoordinators(v gjson.Result, path string) []coordinator {
	var out []coordinator
	r.array(v, path, func(_ int, c gjson.Result, at string) {
		var co coordinator
		if r.object(c, at, true) {
			co = coordinator{
				Person: r.id(c.Get("person"), field(at, "person"), true),
				Role:   r.oneOf(c.Get("role"), field(at, "role"), true, "primary", "backup"),
			}
		}
		out = append(out, co)
	})
	return out
}

// parseGroup reads an organization group, an object.
func (r *reader) parseGroup(g gjson.Result, at string) group {
	return group{
		ID:      r.id(g.Get("id"), field(at, "id"), true),
		Name:    r.text(g.Get("name"), field(at, "name"), false),
		Members: r.ids(g.Get("members"), field(at, "members")),
	}
}

// parseUnit reads a unit, an object.
func (r *reader) parseUnit(u gjson.Result, at string) unit {
	return unit{
		ID:             r.id(u.Get("id"), field(at, "id"), true),
		Name:           r.text(u.Get("name"), field(at, "name"), false),
		Specialization: r.text(u.Get("specialization"), field(at, "specialization"), false),
		Temporary:      r.boolean(u.Get("temporary"), field(at, "temporary")),
		Approver:       r.id(u.Get("approver"), field(at, "approver"), false),
		Editors:        r.ids(u.Get("editors"), field(at, "editors")),
		Leaders:        r.ids(u.Get("leaders"), field(at, "leaders")),
	}
}

// parseStaff reads staff[i] of the list at staffPath; ok is false when it is not an object.
func (r *reader) parseStaff(s gjson.Result, staffPath string, i int) (staffRecord, bool) {
	sp := lazyPath{base: staffPath, i: i}
	if !s.IsObject() {
		r.object(s, sp.String(), true)
		return staffRecord{}, false
	}
	var person, unit, start, end, functions, reportsTo, outs gjson.Result
	r.index.each(s, func(k, v gjson.Result) bool {
		switch k.Str {
		case "person":
			keepFirst(&person, v)
		case "unit":
			keepFirst(&unit, v)
		case "start":
			keepFirst(&start, v)
		case "end":
			keepFirst(&end, v)
		case "functions":
			keepFirst(&functions, v)
		case "reports_to":
			keepFirst(&reportsTo, v)
		case "out_assignments":
			keepFirst(&outs, v)
		}
		return true
	})
	rec := staffRecord{
		Person:    r.idL(person, sp.at("person"), true),
		Unit:      r.idL(unit, sp.at("unit"), false),
		Start:     r.dateL(start, sp.at("start"), 0),
		End:       r.dateL(end, sp.at("end"), openEnd),
		Functions: r.idsL(functions, sp.at("functions")),
		ReportsTo: r.idsL(reportsTo, sp.at("reports_to")),
	}
	if outs.Type != gjson.Null {
		r.array(outs, sp.at("out_assignments").String(), func(_ int, o gjson.Result, at string) {
			oa := outAssignment{End: openEnd}
			if r.object(o, at, true) {
				oa = outAssignment{
					Unit:  r.id(o.Get("unit"), field(at, "unit"), true),
					Start: r.date(o.Get("start"), field(at, "start"), 0),
					End:   r.date(o.Get("end"), field(at, "end"), openEnd),
				}
			}
			rec.OutAssignments = append(rec.OutAssignments, oa)
		})
	}
	return rec, true
}

// pageAt reads the page at path at; one that is not an object is reported and read as an empty
// page, which the checks after reading weigh as one with nothing readable.
func (r *reader) pageAt(p gjson.Result, at string) page {
	if !r.object(p, at, true) {
		return page{}
	}
	return r.parsePage(p, at)
}

func (r *reader) parsePage(p gjson.Result, at string) page {
	var id, kind, parent, title, createdBy, security, defaults, unit, owners, person, responsible, roles gjson.Result
	r.index.each(p, func(k, v gjson.Result) bool {
		switch k.Str {
		case "id":
			keepFirst(&id, v)
		case "kind":
			keepFirst(&kind, v)
		case "parent":
			keepFirst(&parent, v)
		case "title":
			keepFirst(&title, v)
		case "created_by":
			keepFirst(&createdBy, v)
		case "security":
			keepFirst(&security, v)
		case "defaults":
			keepFirst(&defaults, v)
		case "unit":
			keepFirst(&unit, v)
		case "owners":
			keepFirst(&owners, v)
		case "person":
			keepFirst(&person, v)
		case "responsible":
			keepFirst(&responsible, v)
		case "roles":
			keepFirst(&roles, v)
		}
		return true
	})
	pp := lazyPath{base: at, i: -1}
	pg := page{
		ID:        r.idL(id, pp.at("id"), true),
		Kind:      r.textL(kind, pp.at("kind"), true),
		Parent:    r.idL(parent, pp.at("parent"), false),
		Title:     r.textL(title, pp.at("title"), false),
		CreatedBy: r.idL(createdBy, pp.at("created_by"), false),
	}
	var pr pageRead
	if security.Type != gjson.Null { // a missing or null section is no section: no path needed
		pr.Security = r.parseSection(security, field(at, "security"))
	}
	if defaults.Type != gjson.Null {
		pr.Defaults = r.parseDefaults(defaults, field(at, "defaults"))
	}
	pg.Unit = r.idL(unit, pp.at("unit"), false)
	pr.Owners = r.idsL(owners, pp.at("owners"))
	pg.Person = r.idL(person, pp.at("person"), false)
	pr.Responsible = r.idsL(responsible, pp.at("responsible"))
	if roles.Type != gjson.Null && r.object(roles, field(at, "roles"), false) {
		pr.Roles = map[string][]string{}
		var bad []string // the names met that are not roles
		r.index.each(roles, func(k, v gjson.Result) bool {
			rp := field(field(at, "roles"), k.Str)
			if !contains(projectRoleNames, k.Str) {
				if firstKey(&bad, k.Str) {
					r.add(CodeInvalidValue, rp, "project roles are sponsor, leader, member and consultant")
				}
				return true
			}
			if _, dup := pr.Roles[k.Str]; dup {
				return true // a repeated key: the first counts
			}
			pr.Roles[k.Str] = r.ids(v, rp)
			return true
		})
	}
	if pr.Security.Present || pr.Defaults != nil || pr.Owners != nil || pr.Responsible != nil || pr.Roles != nil {
		pg.pageRead = &pr
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

// parseReviews reads an agency's security_reviews (§5.10 of the rules): each {date, by,
// version, note?}, oldest first. Only the dates decide anything (the lint
// security_review_overdue); the rest is kept as written.
func (r *reader) parseReviews(v gjson.Result, at string) []Date {
	var out []Date
	r.array(v, at, func(_ int, rv gjson.Result, at string) {
		if !r.object(rv, at, true) {
			return
		}
		d := r.date(rv.Get("date"), field(at, "date"), 0)
		if !rv.Get("date").Exists() {
			r.add(CodeInvalidSnapshot, field(at, "date"), "a security review needs the day it was made")
		}
		r.text(rv.Get("by"), field(at, "by"), false)
		r.text(rv.Get("note"), field(at, "note"), false)
		if ver := rv.Get("version"); ver.Exists() && (ver.Type != gjson.Number || ver.Num < 0 || ver.Num != float64(int64(ver.Num))) {
			r.add(CodeInvalidSnapshot, field(at, "version"), "must be a whole number, 0 or more (found %s)", describe(ver))
		}
		if d != 0 {
			out = append(out, d)
		}
	})
	return out
}
