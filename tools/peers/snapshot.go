// Package peers measures connsec against a general-purpose policy engine, Cedar (cedar-go):
// it translates a connsec snapshot into Cedar entities and policies (Translate) so that the
// same requests can be decided by both, compared (differential_test.go) and timed
// (bench_test.go).
//
// The translation reads the snapshot JSON itself and re-derives every rule from SPEC §3–4; it
// never asks the evaluator package, so that Cedar is an independent oracle.
package peers

import (
	"encoding/json"
	"fmt"
	"sort"
)

// The snapshot as the translation reads it (SPEC §2): only the fields that decide access.
type snapshot struct {
	Format            string     `json:"format"`
	AsOf              string     `json:"as_of"`
	Administrators    []string   `json:"administrators"`
	BusinessFunctions []function `json:"business_functions"`
	People            []person   `json:"people"`
	Agencies          []agency   `json:"agencies"`
}

type function struct {
	Code       string `json:"code"`
	Attributes []struct {
		Capability string `json:"capability"`
		Scope      string `json:"scope"`
	} `json:"attributes"`
}

type person struct {
	ID       string `json:"id"`
	PersonID string `json:"person_id"`
}

type agency struct {
	ID         string   `json:"id"`
	OrgEditors []string `json:"org_editors"`
	OrgLeaders []string `json:"org_leaders"`
	Groups     []struct {
		ID      string   `json:"id"`
		Members []string `json:"members"`
	} `json:"groups"`
	Units []struct {
		ID      string   `json:"id"`
		Editors []string `json:"editors"`
		Leaders []string `json:"leaders"`
	} `json:"units"`
	Staff []record `json:"staff"`
	Pages []page   `json:"pages"`
}

type record struct {
	Person    string   `json:"person"`
	Unit      string   `json:"unit"` // "" when null (an end-dated record of a deleted unit)
	Start     string   `json:"start"`
	End       string   `json:"end"`
	Functions []string `json:"functions"`
	ReportsTo []string `json:"reports_to"`
	Outs      []struct {
		Unit  string `json:"unit"`
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"out_assignments"`
}

type page struct {
	ID          string              `json:"id"`
	Kind        string              `json:"kind"`
	Parent      string              `json:"parent"`
	CreatedBy   string              `json:"created_by"`
	Security    []entry             `json:"security"`
	Defaults    map[string][]entry  `json:"defaults"`
	Unit        string              `json:"unit"`
	Roles       map[string][]string `json:"roles"`
	Owners      []string            `json:"owners"`
	Responsible []string            `json:"responsible"`
	Person      string              `json:"person"`
}

type entry struct {
	Principal string   `json:"principal"`
	Role      string   `json:"role"`
	Create    []string `json:"create"`
}

// activeOn is SPEC §1: start <= d < end, a missing start is always, a missing end is open.
// Dates are YYYY-MM-DD, so strings compare as dates do.
func activeOn(start, end, d string) bool {
	return start <= d && (end == "" || d < end)
}

// Kinds (SPEC §3).
var ownSecurity = map[string]bool{
	"organization": true, "department": true, "project": true, "individual": true,
	"org_metric": true, "dept_metric": true, "project_metric": true, "individual_metric": true,
}

// ChildKinds lists the kinds that may sit under a page of each kind (SPEC §3); item fits
// under every kind.
var ChildKinds = map[string][]string{
	"organization":       {"org_metric", "org_dialog", "project", "org_commitment", "department", "individual", "item"},
	"department":         {"dept_metric", "dept_dialog", "project", "dept_commitment", "item"},
	"project":            {"project_metric", "project_task", "project_dialog", "item"},
	"individual":         {"individual_metric", "personal_task", "basic_role", "individual_dialog", "individual_commitment", "development_goal", "performance_report", "item"},
	"org_dialog":         {"org_dialog_task", "item"},
	"dept_dialog":        {"dept_dialog_task", "item"},
	"project_dialog":     {"project_dialog_task", "item"},
	"individual_dialog":  {"individual_dialog_task", "item"},
	"basic_role":         {"basic_role_task", "item"},
	"org_metric":         {"item"},
	"dept_metric":        {"item"},
	"project_metric":     {"item"},
	"individual_metric":  {"item"},
	"performance_report": {"item"},
}

// childKinds falls back to item for the kinds that hold nothing else.
func childKinds(k string) []string {
	if c, ok := ChildKinds[k]; ok {
		return c
	}
	return []string{"item"}
}

var metricKinds = map[string]bool{"org_metric": true, "dept_metric": true, "project_metric": true, "individual_metric": true}

var taskKinds = map[string]bool{
	"project_task": true, "personal_task": true, "basic_role_task": true, "org_dialog_task": true,
	"dept_dialog_task": true, "project_dialog_task": true, "individual_dialog_task": true,
}

// world is a snapshot read on one day: who is active where, and the page tree.
type world struct {
	s      snapshot
	day    string
	people map[string]*person
	admin  map[string]bool
	pages  map[string]*pageRef
	order  []*pageRef     // snapshot order
	units  map[string]int // unit id -> agency index
	groups map[string][]string
	recs   map[string][]recRef // person -> their staff records, in snapshot order
}

type recRef struct {
	agency int
	*record
}

type pageRef struct {
	*page
	agency int
	parent *pageRef
}

func parseSnapshot(data []byte, day string) (*world, error) {
	w := &world{people: map[string]*person{}, admin: map[string]bool{}, pages: map[string]*pageRef{},
		units: map[string]int{}, groups: map[string][]string{}, recs: map[string][]recRef{}}
	if err := json.Unmarshal(data, &w.s); err != nil {
		return nil, fmt.Errorf("peers: the snapshot is not JSON of the expected shape: %w", err)
	}
	if w.s.Format != "connsec.snapshot/v1" {
		return nil, fmt.Errorf("peers: format %q is not connsec.snapshot/v1", w.s.Format)
	}
	w.day = day
	if w.day == "" {
		w.day = w.s.AsOf
	}
	for i := range w.s.People {
		w.people[w.s.People[i].ID] = &w.s.People[i]
	}
	for _, a := range w.s.Administrators {
		w.admin[a] = true
	}
	for ai := range w.s.Agencies {
		a := &w.s.Agencies[ai]
		for _, u := range a.Units {
			w.units[u.ID] = ai
		}
		for _, g := range a.Groups {
			w.groups[g.ID] = g.Members
		}
		for i := range a.Staff {
			r := &a.Staff[i]
			w.recs[r.Person] = append(w.recs[r.Person], recRef{ai, r})
		}
		for pi := range a.Pages {
			r := &pageRef{page: &a.Pages[pi], agency: ai}
			w.pages[r.ID] = r
			w.order = append(w.order, r)
		}
	}
	for _, r := range w.order {
		if r.Parent != "" {
			r.parent = w.pages[r.Parent]
			if r.parent == nil {
				return nil, fmt.Errorf("peers: page %s has an unknown parent %s", r.ID, r.Parent)
			}
		}
	}
	return w, nil
}

// personActive: the Person ID is active (SPEC §4.1 step 2).
func (w *world) personActive(p string) bool {
	x := w.people[p]
	return x != nil && x.PersonID == "active"
}

// activeRecord is p's staff record in agency a active on the day, or nil.
func (w *world) activeRecord(p string, a int) *record {
	for _, r := range w.recs[p] {
		if r.agency == a && activeOn(r.Start, r.End, w.day) {
			return r.record
		}
	}
	return nil
}

// activeAnywhere: p has a staff record active on the day in some agency (step 4).
func (w *world) activeAnywhere(p string) bool {
	for _, r := range w.recs[p] {
		if activeOn(r.Start, r.End, w.day) {
			return true
		}
	}
	return false
}

// reportsTo reads p's managers in agency a (SPEC §4.2): the record active on the day, else the
// latest one that started on or before it.
func (w *world) reportsTo(p string, a int) []string {
	if r := w.activeRecord(p, a); r != nil {
		return r.ReportsTo
	}
	var best *record
	for _, r := range w.recs[p] {
		if r.agency == a && r.Start <= w.day && (best == nil || r.Start >= best.Start) {
			best = r.record
		}
	}
	if best == nil {
		return nil
	}
	return best.ReportsTo
}

// reportsToAbove is p's managers, theirs and so on to the top of the tree, in agency a.
func (w *world) reportsToAbove(p string, a int) []string {
	seen := map[string]bool{p: true}
	var out []string
	todo := []string{p}
	for len(todo) > 0 {
		x := todo[0]
		todo = todo[1:]
		for _, m := range w.reportsTo(x, a) {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
				todo = append(todo, m)
			}
		}
	}
	return out
}

// nearest is the nearest page at or above r whose kind satisfies ok.
func nearest(r *pageRef, ok func(string) bool) *pageRef {
	for ; r != nil; r = r.parent {
		if ok(r.Kind) {
			return r
		}
	}
	return nil
}

// effective is the section that governs r and the page that owns it (SPEC §3).
func effective(r *pageRef) ([]entry, *pageRef) {
	if ownSecurity[r.Kind] {
		return r.Security, r
	}
	if r.Kind == "item" {
		return effective(r.parent)
	}
	s := r.parent
	for !ownSecurity[s.Kind] {
		s = s.parent
	}
	if sec, ok := s.Defaults[r.Kind]; ok {
		return sec, s
	}
	return effective(r.parent)
}

// underPerformanceReport: r is a performance report or an item below one (SPEC §4.6).
func underPerformanceReport(r *pageRef) *pageRef {
	for ; r != nil && r.Kind == "item"; r = r.parent {
	}
	if r != nil && r.Kind == "performance_report" {
		return r
	}
	return nil
}

// creators of r: its created_by and, for an item, the creators of the page it hangs under
// (SPEC §4.4).
func creators(r *pageRef) []string {
	var out []string
	for ; r != nil; r = r.parent {
		if r.CreatedBy != "" {
			out = append(out, r.CreatedBy)
		}
		if r.Kind != "item" {
			break
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
