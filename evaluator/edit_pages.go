package evaluator

import (
	"slices"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Pages, security, propagation, agencies and the catalog (SPEC §5.5–5.8).

// entries reads a list of security entries for agency a (-1: site defaults), judged as the
// loader judges a section, with paths inside the edit.
func (e *edit) entries(key string, a int32) rawJSON {
	v := e.get(key)
	if e.err != nil {
		return ""
	}
	if !v.IsArray() {
		e.failAt(key, CodeInvalidValue, "%s must be a list of entries {principal, role, create}", key)
		return ""
	}
	e.checkSection(v, a, e.path(key))
	return rawJSON(v.Raw)
}

// checkSection judges entries with the loader's own rules; the first problem refuses the edit.
func (e *edit) checkSection(v gjson.Result, a int32, path string) {
	r := &reader{}
	sec := r.parseSection(v, path)
	if len(r.problems) == 0 {
		c := &compiler{reader: r, m: e.m}
		c.section(&sec, a, path)
	}
	if len(r.problems) > 0 && e.err == nil {
		p := r.problems[0]
		if p.Code == CodeInvalidSnapshot {
			p.Code = CodeInvalidValue
		}
		e.err = &EditError{Code: p.Code, Index: e.index, Path: p.Path, Message: p.Message}
	}
}

// kindField reads a page kind.
func (e *edit) kindField(key string) kind {
	s := e.text(key, true)
	k := parseKind(s)
	if e.ok() && k == kindInvalid {
		e.failAt(key, CodeInvalidValue, "%q is not a page kind", s)
	}
	return k
}

// defaultsSource is the page whose default section for kind k a new page under parent copies
// (SPEC §5.5): the nearest page with own security at or above parent that has one; -1 when
// none has (the site template, if any, serves then).
func (m *Model) defaultsSource(k kind, parent int32) int32 {
	for y := parent; y >= 0; y = m.pages[y].parent {
		if m.pages[y].kind.ownSecurity() && m.defaultsOf(y, k) != nil {
			return y
		}
	}
	return -1
}

// create_page (SPEC §5.5): created_by is the actor; security and defaults come from the
// templates.
func opCreatePage(e *edit) {
	obj := e.object("page")
	e.newID(obj, "page")
	var k kind
	var parent int32 = -1
	if e.ok() {
		kv := obj.Get("kind")
		if k = parseKind(kv.Str); kv.Type != gjson.String || k == kindInvalid {
			e.failAt("page.kind", CodeInvalidValue, "%s is not a page kind", describe(kv))
		}
	}
	// a missing or malformed parent is invalid_value, a parent id that does not exist
	// unknown_reference (SPEC 5: shape, then references)
	if pv := obj.Get("parent"); e.ok() && (pv.Type != gjson.String || !validID(pv.Str)) {
		if k == kindOrganization {
			e.failAt("page.parent", CodeInvalidValue, "an organization page is created with its agency (create_agency), not with create_page")
		} else {
			e.failAt("page.parent", CodeInvalidValue, "a new page needs its parent page's id, not %s", describe(pv))
		}
	} else if e.ok() {
		var ok bool
		if parent, ok = e.m.pageIdx.get(pv.Str); !ok {
			e.failAt("page.parent", CodeUnknownReference, "no page has the id %s", describe(pv))
		}
	}
	// a kind that is not a child of the parent's kind (an organization page is nobody's
	// child) is invalid_parent
	if e.ok() && !kindRules[e.m.pages[parent].kind].children.has(k) {
		pk := e.m.pages[parent].kind
		e.failAt("page.kind", CodeInvalidParent, "%s page cannot hang under %s page; under %s come: %s",
			article(k.String()), article(pk.String()), article(pk.String()), strings.Join(kindRules[pk].children.names(), ", "))
	}
	if e.ok() {
		e.pageRight(parent, actCreate, k)
	}
	if !e.ok() {
		return
	}
	page := obj.Raw
	page, _ = sjson.Set(page, "created_by", e.m.people[e.actor].src.ID)
	if k.ownSecurity() {
		security := "[]"
		if y := e.m.defaultsSource(k, parent); y >= 0 {
			security = e.read(e.m.pagePath(y) + ".defaults." + k.String()).Raw
		} else if t := e.read("site_defaults." + k.String() + ".security"); t.IsArray() {
			security = t.Raw
		}
		if security == "" || security == "null" {
			security = "[]"
		}
		defaults := "{}"
		if t := e.read("site_defaults." + k.String() + ".defaults"); t.IsObject() {
			defaults = t.Raw
		}
		page, _ = sjson.SetRaw(page, "security", security)
		page, _ = sjson.SetRaw(page, "defaults", defaults)
	} else {
		page, _ = sjson.Delete(page, "security")
		page, _ = sjson.Delete(page, "defaults")
	}
	e.reloadPath = "page"
	e.set(agencyPath(e.m.pages[parent].agency)+".pages.-1", rawJSON(page))
}

// delete_page (SPEC §5.5): not_empty while it has children.
func opDeletePage(e *edit) {
	x := e.page("page")
	if e.ok() && e.m.pages[x].kind == kindOrganization {
		e.failAt("page", CodeInvalidValue, "the organization page of an agency is never deleted")
	}
	e.pageRight(x, actManage, 0)
	if e.ok() && len(e.m.pages[x].children) > 0 {
		e.failAt("page", CodeNotEmpty, "%s still has %d pages under it: delete or move them first", e.m.pageName(x), len(e.m.pages[x].children))
	}
	if e.ok() {
		e.deletePages([]int32{x})
	}
}

// set_page_people (SPEC §5.5): owners of a metric and the people responsible for a task need
// edit on the page; project roles need manage_security on the project.
func opSetPagePeople(e *edit) {
	x := e.page("page")
	owners, hasOwners := e.people("owners", false)
	responsible, hasResp := e.people("responsible", false)
	roles := e.get("roles")
	if !e.ok() {
		return
	}
	k := e.m.pages[x].kind
	switch {
	case !hasOwners && !hasResp && !roles.Exists():
		e.failAt("", CodeInvalidValue, "give owners (metrics), responsible (tasks) or roles (projects)")
	case hasOwners && !k.isMetric():
		e.failAt("owners", CodeInvalidValue, "%s is not a metric: it has no owners", e.m.pageName(x))
	case hasResp && !k.isTask():
		e.failAt("responsible", CodeInvalidValue, "%s is not a task: it has nobody responsible", e.m.pageName(x))
	case roles.Exists() && k != kindProject:
		e.failAt("roles", CodeInvalidValue, "%s is not a project: it has no project roles", e.m.pageName(x))
	case roles.Exists() && !roles.IsObject():
		e.failAt("roles", CodeInvalidValue, "roles is an object {sponsor, leader, member, consultant}")
	}
	if hasOwners || hasResp {
		e.pageRight(x, actEdit, 0)
	}
	if roles.Exists() {
		e.pageRight(x, actManage, 0)
	}
	path := e.m.pagePath(x)
	if hasOwners {
		e.set(path+".owners", jsonText(e.m.idsOf(owners)))
	}
	if hasResp {
		e.set(path+".responsible", jsonText(e.m.idsOf(responsible)))
	}
	if roles.Exists() {
		e.reloadPath = "roles"
		e.set(path+".roles", rawJSON(roles.Raw))
	}
}

// set_security (SPEC §5.6): replaces the page's security.
func opSetSecurity(e *edit) {
	x, a := e.pageOfAgency("page")
	entries := e.entries("entries", a)
	e.pageRight(x, actManage, 0)
	if e.ok() && !e.m.pages[x].kind.ownSecurity() {
		e.failAt("page", CodeNotSecurable, "%s has no security of its own: it follows %s", e.m.pageName(x), e.m.sectionLabel(e.m.pages[x].secOwner, e.m.pages[x].secKind))
	}
	e.set(e.m.pagePathOr(x)+".security", entries)
}

// pageOfAgency reads a page field and the page's agency (-1 when the page is not known, so
// that the entries after it are still read and judged for their own shape).
func (e *edit) pageOfAgency(field string) (int32, int32) {
	x := e.page(field)
	if !e.ok() {
		return x, -1
	}
	return x, e.m.pages[x].agency
}

func (m *Model) pagePathOr(x int32) string {
	if x < 0 {
		return ""
	}
	return m.pagePath(x)
}

// set_default_security (SPEC §5.6): replaces one default section of the page.
func opSetDefaultSecurity(e *edit) {
	x, a := e.pageOfAgency("page")
	k := e.kindField("kind")
	entries := e.entries("entries", a)
	e.pageRight(x, actManage, 0)
	if e.ok() && !e.m.pages[x].kind.ownSecurity() {
		e.failAt("page", CodeNotSecurable, "%s has no security of its own, and so no default sections", e.m.pageName(x))
	}
	if pk := e.pageKind(x); e.ok() && !kindRules[pk].defaults.has(k) {
		e.failAt("kind", CodeInvalidValue, "%s page has no default section for %s; its default sections are %s", article(pk.String()), k, strings.Join(kindRules[pk].defaults.names(), ", "))
	}
	if e.ok() {
		e.set(e.m.pagePath(x)+".defaults."+k.String(), entries)
	}
}

func (e *edit) pageKind(x int32) kind {
	if x < 0 {
		return kindInvalid
	}
	return e.m.pages[x].kind
}

// set_site_defaults (SPEC §5.6): administrators set the template for new departments or
// individuals.
func opSetSiteDefaults(e *edit) {
	name := e.text("kind", true)
	if e.ok() && name != "department" && name != "individual" {
		e.failAt("kind", CodeInvalidValue, "site defaults are kept for department and individual pages, not %q", name)
	}
	t := e.object("template")
	if e.ok() {
		e.checkSection(t.Get("security"), -1, e.path("template.security"))
	}
	e.administrator("set the site defaults")
	e.reloadPath = "template"
	e.set("site_defaults."+name, rawJSON(t.Raw))
}

// propagate_defaults (SPEC §5.7): the default section for kind k of the page becomes the
// security of every page of that kind whose governing default section it is.
func opPropagateDefaults(e *edit) {
	x := e.page("page")
	k := e.kindField("kind")
	e.pageRight(x, actManage, 0)
	// as in set_default_security, the kind is judged against the page after who may
	if pk := e.pageKind(x); e.ok() && !kindRules[pk].defaults.has(k) {
		e.failAt("kind", CodeInvalidValue, "%s page has no default section for %s", article(pk.String()), k)
	}
	if !e.ok() {
		return
	}
	if e.m.defaultsOf(x, k) == nil {
		e.failAt("kind", CodeNotApplicable, "%s has no default section for %s pages to propagate", e.m.pageName(x), k.label())
		return
	}
	// a section for a kind without own security is live (§3): those pages follow it as it is,
	// and they cannot hold a copy
	if !k.ownSecurity() {
		e.failAt("kind", CodeNotApplicable, "%s pages follow this default section of %s as it is (they have no security of their own): there is nothing to propagate", k.label(), e.m.pageName(x))
		return
	}
	src := rawJSON(e.read(e.m.pagePath(x) + ".defaults." + k.String()).Raw)
	if src == "" || src == "null" {
		src = "[]"
	}
	for _, y := range e.m.agencies[e.m.pages[x].agency].pages {
		if e.m.pages[y].kind == k && e.m.defaultsSource(k, e.m.pages[y].parent) == x {
			e.set(e.m.pagePath(y)+".security", src)
		}
	}
}

// create_agency (SPEC §5.8): a new agency with its organization page.
func opCreateAgency(e *edit) {
	ag := e.object("agency")
	id := e.newID(ag, "agency")
	org := e.object("org_page")
	orgID := e.newID(org, "org_page")
	if e.ok() && id == orgID {
		e.failAt("org_page.id", CodeDuplicateID, "the organization page needs an id of its own")
	}
	// a new agency starts empty: its staff, units, coordinators, roles and groups come through
	// the edits of SPEC 5.1-5.4, each with its rules (active_elsewhere, active coordinators…)
	for _, key := range []string{"coordinators", "org_editors", "org_leaders", "groups", "units", "staff", "pages"} {
		if v := ag.Get(key); e.ok() && v.Exists() && !(v.IsArray() && len(v.Array()) == 0) {
			e.failAt("agency."+key, CodeInvalidValue, "a new agency starts without %s: add them with the edits made for them once it exists", strings.ReplaceAll(key, "_", " "))
		}
	}
	e.administrator("create agencies")
	if !e.ok() {
		return
	}
	agency := ag.Raw
	// in the order of a snapshot's agency (SPEC §2), never a map's: the same batch must write
	// the same bytes wherever and whenever it is applied (a replay, another writer)
	for _, key := range []string{"coordinators", "org_editors", "org_leaders", "groups", "units", "staff"} {
		if !ag.Get(key).Exists() {
			agency, _ = sjson.SetRaw(agency, key, "[]")
		}
	}
	page, _ := sjson.Set(org.Raw, "kind", "organization")
	page, _ = sjson.SetRaw(page, "parent", "null")
	page, _ = sjson.Set(page, "created_by", e.m.people[e.actor].src.ID)
	agency, _ = sjson.SetRaw(agency, "pages", "["+page+"]")
	e.reloadPath = "agency"
	e.set("agencies.-1", rawJSON(agency))
}

// import_build (SPEC §5.8): a build and its functions join the catalog.
func opImportBuild(e *edit) {
	b := e.object("build")
	id := e.text("build.id", true)
	if e.ok() {
		if !validID(id) {
			e.failAt("build.id", CodeInvalidValue, "%s", idProblem(id))
		} else if e.m.builds[id] != nil {
			e.failAt("build.id", CodeDuplicateID, "the build %s is in the catalog already", id)
		}
	}
	fs := e.get("functions")
	if e.ok() && !fs.IsArray() {
		e.failAt("functions", CodeInvalidValue, "functions must be a list of business functions")
	}
	var codes []string
	for i, f := range fs.Array() {
		code := f.Get("code").Str
		_, dup := e.m.functionIdx[code]
		switch {
		case !e.ok():
		case dup || slices.Contains(codes, code):
			e.failAt(index("functions", i)+".code", CodeDuplicateID, "the business function %s is in the catalog already", code)
		case f.Get("build").Exists() && f.Get("build").Str != id:
			e.failAt(index("functions", i)+".build", CodeInvalidValue, "a function imported with build %s belongs to it, not to %s", id, f.Get("build").Str)
		}
		codes = append(codes, code)
	}
	e.administrator("import a build")
	if !e.ok() {
		return
	}
	e.reloadPath = "functions"
	e.set("builds.-1", rawJSON(b.Raw))
	for _, f := range fs.Array() {
		raw, _ := sjson.Set(f.Raw, "build", id)
		e.set("business_functions.-1", rawJSON(raw))
	}
}
