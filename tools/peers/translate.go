package peers

import (
	"sort"
	"strings"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
)

// Translation is a connsec snapshot as Cedar sees it on one day.
//
// Entities:
//   - User::"<person>": attributes admin (an administrator with an active Person ID), staff
//     (active Person ID and an active staff record somewhere: steps 2–4 of SPEC §4.1),
//     agencies (the agencies where the person is active staff); parents: every Group they
//     belong to; tags: capability -> the scopes their functions give (Agency, Unit, Person or
//     System entities).
//   - Group::"<form>@<id>[@<agency>]": the concrete members, on the day, of a principal that
//     does not depend on the page (everyone, org_*, dept_member/unit:, dept_editor,
//     dept_leader, group:, function:). Page-relative named lists (metric_owner,
//     person_responsible, given_individual, reports_to, reports_to_above, project roles)
//     are expanded to the Users themselves, page by page.
//   - Page::"<id>": the entries of its effective section resolved against the page, as sets
//     of Users and Groups by level: read (reader, editor, full), edit (editor, full), full,
//     denied; creators (SPEC §4.4) and agency; owner (the page that owns the governing
//     section, itself for a page with own security); tags: kind -> who may create it.
//   - Report::"<id>": a performance report or an item below one, with its readers (§4.6).
//   - Agency, Unit (parent Agency), Person (a capability target: parents the units it is
//     in-assigned to and the agencies it is active in) and System::"all" above them all.
//
// The policies are static: see policyText.
//
// What the translation cannot express in Cedar, so computes here, and how each is tested
// instead (README.md has the same list):
//   - Dates. Cedar has no "the record active on day d" over lists of records, so a
//     translation holds one day: group memberships, out-assignments, reports-to chains, the
//     creator's active staff, Person targets and capability scopes are read on that day. A
//     what-if day needs a new translation (Translate(data, day)); the differential test
//     compares two other days per snapshot, and TestExampleReadme the README's dated cases.
//   - Relative principals and inheritance. "The nearest department/metric/task/individual/
//     project page at or above P" and "the section that governs P" (SPEC §3) are walks over
//     the page tree done here; every page carries its concrete member sets. Transitive
//     reports-to (a fixed point over records read per agency and day) is expanded to Users.
//     These are what the differential tests compare on every principal form.
//   - Request errors (unknown person, page or target; create:<kind> that cannot sit under
//     the page; a capability on a page). Cedar just denies; Translation.Valid says which
//     requests connsec must refuse, and the differential test checks that it does.
//   - The answer's level and create list beyond allow/deny. Cedar has no levels: "denied" is
//     read from the forbid that decided, "full" on a page without own security from an extra
//     level:full policy kept out of the decision set; compared on every page read.
//   - Reasons. Cedar's diagnostics name policies, not memberships or inheritance hops; they
//     are not compared (administrator and denied are, through the level).
//   - Snapshot validation (SPEC §2 refusals). The translation assumes a valid snapshot.
type Translation struct {
	Day      string
	Policies *cedar.PolicySet
	Entities cedar.EntityMap

	// What the requests may name, for request generators.
	People       []string
	Admins       []string
	Pages        []Page
	Agencies     []string
	Units        []string
	Capabilities []string

	w             *world
	named         map[string][]types.EntityUID // page -> the Users and Groups its entries name
	levelPolicies *cedar.PolicySet             // Policies and levelPolicy
	reports       map[string]bool              // pages that are (or hang under) a performance report
	setIntern     map[string]cedar.Set
	members       map[string][]string // group key -> members, before use
	used          map[string]bool     // group keys some entry names
}

// Page is a page as a request generator needs it.
type Page struct{ ID, Kind string }

// Translate reads a connsec.snapshot/v1 document and translates it for day (the snapshot's
// as_of when empty).
func Translate(data []byte, day string) (*Translation, error) {
	w, err := parseSnapshot(data, day)
	if err != nil {
		return nil, err
	}
	t := &Translation{Day: w.day, Entities: cedar.EntityMap{}, named: map[string][]types.EntityUID{}, w: w,
		reports: map[string]bool{}, setIntern: map[string]cedar.Set{}, members: map[string][]string{}, used: map[string]bool{}}
	t.groupMembers()
	caps := map[string]bool{}
	for _, f := range w.s.BusinessFunctions {
		for _, at := range f.Attributes {
			caps[at.Capability] = true
		}
	}
	t.Capabilities = sortedKeys(caps)
	t.Policies, err = newPolicySet(policyText(t.Capabilities))
	if err != nil {
		return nil, err
	}
	if t.levelPolicies, err = newPolicySet(policyText(t.Capabilities) + levelPolicy); err != nil {
		return nil, err
	}
	t.targets()
	for _, r := range w.order {
		t.Pages = append(t.Pages, Page{r.ID, r.Kind})
		t.page(r)
	}
	t.users()
	return t, nil
}

func uid(typ, id string) types.EntityUID {
	return types.NewEntityUID(types.EntityType(typ), types.String(id))
}

// set interns a set of entity references: pages that resolve to the same people share it.
func (t *Translation) set(refs []types.EntityUID) cedar.Set {
	keys := make([]string, len(refs))
	for i, r := range refs {
		keys[i] = r.String()
	}
	sort.Strings(keys)
	k := strings.Join(keys, ",")
	if s, ok := t.setIntern[k]; ok {
		return s
	}
	vals := make([]cedar.Value, len(refs))
	for i, r := range refs {
		vals[i] = r
	}
	s := cedar.NewSet(vals...)
	t.setIntern[k] = s
	return s
}

// groupMembers computes, on the day, the members of every page-independent principal.
func (t *Translation) groupMembers() {
	w := t.w
	add := func(k, p string) { t.members[k] = append(t.members[k], p) }
	for ai := range w.s.Agencies {
		a := &w.s.Agencies[ai]
		active := map[string]bool{}
		unitMembers := map[string]map[string]bool{}
		for i := range a.Staff {
			r := &a.Staff[i]
			if !activeOn(r.Start, r.End, w.day) {
				continue
			}
			active[r.Person] = true
			in := func(u string) {
				if unitMembers[u] == nil {
					unitMembers[u] = map[string]bool{}
				}
				unitMembers[u][r.Person] = true
			}
			if r.Unit != "" {
				in(r.Unit)
			}
			for _, o := range r.Outs {
				if activeOn(o.Start, o.End, w.day) {
					in(o.Unit)
				}
			}
			for _, f := range r.Functions {
				add("function@"+f+"@"+a.ID, r.Person)
			}
		}
		for _, p := range sortedKeys(active) {
			add("everyone@"+a.ID, p)
		}
		for _, p := range a.OrgEditors {
			if active[p] {
				add("org_editor@"+a.ID, p)
			}
		}
		for _, p := range a.OrgLeaders {
			if active[p] {
				add("org_leader@"+a.ID, p)
			}
		}
		for _, u := range a.Units {
			ms := unitMembers[u.ID]
			for _, p := range u.Editors {
				if ms[p] {
					add("dept_editor@"+u.ID, p)
				}
			}
			for _, p := range u.Leaders {
				if ms[p] {
					add("dept_leader@"+u.ID, p)
				}
			}
			for _, p := range sortedKeys(ms) {
				add("unit@"+u.ID, p)
			}
		}
		for _, g := range a.Groups {
			t.members["group@"+g.ID] = g.Members
		}
	}
}
