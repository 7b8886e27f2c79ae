package peers

import (
	"strings"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
)

// group names a page-independent principal for an entry; it returns the Group entity the
// policies see, or false when the principal matches nobody on the day.
func (t *Translation) group(key string) (types.EntityUID, bool) {
	if len(t.members[key]) == 0 {
		return types.EntityUID{}, false
	}
	t.used[key] = true
	return uid("Group", key), true
}

// unitGroup is unit:U seen from a page of agency a: the unit's active members who are also
// active staff of a (SPEC §4.2). A unit of another agency needs the intersection.
func (t *Translation) unitGroup(u string, a int) (types.EntityUID, bool) {
	ua, ok := t.w.units[u]
	if !ok {
		return types.EntityUID{}, false
	}
	if ua == a {
		return t.group("unit@" + u)
	}
	aid := t.w.s.Agencies[a].ID
	key := "unit@" + u + "@" + aid
	if _, done := t.members[key]; !done {
		everyone := map[string]bool{}
		for _, p := range t.members["everyone@"+aid] {
			everyone[p] = true
		}
		ms := []string{}
		for _, p := range t.members["unit@"+u] {
			if everyone[p] {
				ms = append(ms, p)
			}
		}
		t.members[key] = ms
	}
	return t.group(key)
}

func users(ids []string) []types.EntityUID {
	out := make([]types.EntityUID, 0, len(ids))
	for _, p := range ids {
		out = append(out, uid("User", p))
	}
	return out
}

// resolve is who an entry's principal names in the context of page r (SPEC §4.2), as Users
// and Groups.
func (t *Translation) resolve(principal string, r *pageRef) []types.EntityUID {
	w := t.w
	aid := w.s.Agencies[r.agency].ID
	one := func(g types.EntityUID, ok bool) []types.EntityUID {
		if !ok {
			return nil
		}
		return []types.EntityUID{g}
	}
	is := func(k string) func(string) bool { return func(x string) bool { return x == k } }
	switch principal {
	case "everyone", "org_editor", "org_leader":
		return one(t.group(principal + "@" + aid))
	case "dept_member", "dept_editor", "dept_leader":
		d := nearest(r, is("department"))
		if d == nil {
			return nil
		}
		if principal == "dept_member" {
			return one(t.unitGroup(d.Unit, r.agency))
		}
		return one(t.group(principal + "@" + d.Unit))
	case "metric_owner":
		if m := nearest(r, func(k string) bool { return metricKinds[k] }); m != nil {
			return users(m.Owners)
		}
	case "person_responsible":
		if m := nearest(r, func(k string) bool { return taskKinds[k] }); m != nil {
			return users(m.Responsible)
		}
	case "given_individual", "reports_to", "reports_to_above":
		i := nearest(r, is("individual"))
		if i == nil || i.Person == "" {
			return nil
		}
		switch principal {
		case "given_individual":
			return users([]string{i.Person})
		case "reports_to":
			return users(w.reportsTo(i.Person, r.agency))
		default:
			return users(w.reportsToAbove(i.Person, r.agency))
		}
	case "project_sponsor", "project_leader", "project_member", "project_consultant":
		if p := nearest(r, is("project")); p != nil {
			return users(p.Roles[strings.TrimPrefix(principal, "project_")])
		}
	default:
		form, id, _ := strings.Cut(principal, ":")
		switch form {
		case "user":
			return users([]string{id})
		case "group":
			return one(t.group("group@" + id))
		case "unit":
			return one(t.unitGroup(id, r.agency))
		case "function":
			return one(t.group("function@" + id + "@" + aid))
		}
	}
	return nil
}

// page makes the Page (or Report) entity of r.
func (t *Translation) page(r *pageRef) {
	w := t.w
	if rep := underPerformanceReport(r); rep != nil {
		t.reports[r.ID] = true
		var readers []types.EntityUID
		if i := nearest(rep, func(k string) bool { return k == "individual" }); i != nil && i.Person != "" {
			readers = users(append([]string{i.Person}, w.reportsToAbove(i.Person, r.agency)...))
		}
		t.Entities[uid("Report", r.ID)] = cedar.Entity{
			UID:        uid("Report", r.ID),
			Attributes: cedar.NewRecord(cedar.RecordMap{"readers": t.set(readers)}),
		}
		return
	}
	sec, owner := effective(r)
	var read, edit, full, denied []types.EntityUID
	create := map[string][]types.EntityUID{}
	var named []types.EntityUID
	for _, e := range sec {
		refs := t.resolve(e.Principal, r)
		if len(refs) == 0 {
			continue
		}
		named = append(named, refs...)
		switch e.Role {
		case "denied":
			denied = append(denied, refs...)
			continue // a denied entry forbids everything, its create list included
		case "full":
			full = append(full, refs...)
			fallthrough
		case "editor":
			edit = append(edit, refs...)
			fallthrough
		case "reader":
			read = append(read, refs...)
		}
		for _, k := range e.Create {
			create[k] = append(create[k], refs...)
		}
	}
	t.named[r.ID] = named
	tags := cedar.RecordMap{}
	for k, refs := range create {
		tags[types.String(k)] = t.set(refs)
	}
	t.Entities[uid("Page", r.ID)] = cedar.Entity{
		UID: uid("Page", r.ID),
		Attributes: cedar.NewRecord(cedar.RecordMap{
			"read":     t.set(read),
			"edit":     t.set(edit),
			"full":     t.set(full),
			"denied":   t.set(denied),
			"creators": t.set(users(creators(r))),
			"agency":   uid("Agency", w.s.Agencies[r.agency].ID),
			"owner":    uid("Page", owner.ID),
		}),
		Tags: cedar.NewRecord(tags),
	}
}

var system = uid("System", "all")

// targets makes the capability targets: System, Agency, Unit and Person entities.
func (t *Translation) targets() {
	w := t.w
	t.Entities[system] = cedar.Entity{UID: system}
	for _, a := range w.s.Agencies {
		t.Agencies = append(t.Agencies, a.ID)
		t.Entities[uid("Agency", a.ID)] = cedar.Entity{UID: uid("Agency", a.ID), Parents: types.NewEntityUIDSet(system)}
		for _, u := range a.Units {
			t.Units = append(t.Units, u.ID)
			t.Entities[uid("Unit", u.ID)] = cedar.Entity{UID: uid("Unit", u.ID), Parents: types.NewEntityUIDSet(uid("Agency", a.ID))}
		}
	}
	// A target person is judged by their staff records only, whatever their Person ID
	// (SPEC §4.5): the units they are in-assigned to and the agencies they are active in.
	for _, p := range w.s.People {
		parents := []types.EntityUID{system}
		for _, r := range w.recs[p.ID] {
			if !activeOn(r.Start, r.End, w.day) {
				continue
			}
			parents = append(parents, uid("Agency", w.s.Agencies[r.agency].ID))
			if r.Unit != "" {
				parents = append(parents, uid("Unit", r.Unit))
			}
		}
		t.Entities[uid("Person", p.ID)] = cedar.Entity{UID: uid("Person", p.ID), Parents: types.NewEntityUIDSet(parents...)}
	}
}

// users makes the User entities and the Groups some entry names.
func (t *Translation) users() {
	w := t.w
	parents := map[string][]types.EntityUID{}
	for _, key := range sortedKeys(t.used) {
		g := uid("Group", key)
		t.Entities[g] = cedar.Entity{UID: g}
		for _, p := range t.members[key] {
			parents[p] = append(parents[p], g)
		}
	}
	caps := map[string]map[string]bool{}
	for _, f := range w.s.BusinessFunctions {
		m := map[string]bool{}
		for _, at := range f.Attributes {
			m[at.Capability+"\x00"+at.Scope] = true
		}
		caps[f.Code] = m
	}
	for _, p := range w.s.People {
		if w.admin[p.ID] {
			t.Admins = append(t.Admins, p.ID)
		}
		t.People = append(t.People, p.ID)
		agencies := []types.EntityUID{}
		scopes := map[string][]types.EntityUID{}
		for _, r := range w.recs[p.ID] {
			if !activeOn(r.Start, r.End, w.day) {
				continue
			}
			a := uid("Agency", w.s.Agencies[r.agency].ID)
			agencies = append(agencies, a)
			var units []types.EntityUID
			if r.Unit != "" {
				units = append(units, uid("Unit", r.Unit))
			}
			for _, o := range r.Outs {
				if activeOn(o.Start, o.End, w.day) {
					units = append(units, uid("Unit", o.Unit))
				}
			}
			for _, f := range r.Functions {
				for cs := range caps[f] {
					c, s, _ := strings.Cut(cs, "\x00")
					switch s {
					case "system":
						scopes[c] = append(scopes[c], system)
					case "agency":
						scopes[c] = append(scopes[c], a)
					case "unit":
						scopes[c] = append(scopes[c], units...)
					case "self":
						scopes[c] = append(scopes[c], uid("Person", p.ID))
					}
				}
			}
		}
		tags := cedar.RecordMap{}
		for c, refs := range scopes {
			tags[types.String(c)] = t.set(refs)
		}
		active := p.PersonID == "active"
		t.Entities[uid("User", p.ID)] = cedar.Entity{
			UID:     uid("User", p.ID),
			Parents: types.NewEntityUIDSet(parents[p.ID]...),
			Attributes: cedar.NewRecord(cedar.RecordMap{
				"admin":    types.Boolean(active && w.admin[p.ID]),
				"staff":    types.Boolean(active && w.activeAnywhere(p.ID)),
				"agencies": t.set(agencies),
			}),
			Tags: cedar.NewRecord(tags),
		}
	}
}
