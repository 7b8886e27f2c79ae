package edge_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/tidwall/gjson"
)

// The differential test of POST /v1/whatif over Shards (SPEC §6, §10.1): random batches of
// every kind of edit, on random agencies of the generated state profile, by administrators,
// the agency's coordinators and others, with and without base_version (current, stale, ahead),
// are sent to the handler over the whole model and to the one over Shards, which judges a
// batch of page, security and unit-role edits on the acting agency's shard and any other on
// the whole model. Statuses and bodies must be the same bytes.

// batchOn is a random batch on the agency a: half of them only of the edits a shard judges
// (pages, their security, security reviews, units' roles), the others of any kind.
func (h *httpDiff) batchOn(a gjson.Result) (batch map[string]any, local bool) {
	r, ag := h.rng, a.Get("id").Str
	pick := func(path string) string { return h.anyOf(a.Get(path).Array()) }
	staff, unit, page := func() string { return pick("staff.#.person") }, func() string { return pick("units.#.id") }, func() string { return pick("pages.#.id") }
	fns := gjson.GetBytes(h.data, "business_functions.#.code").Array()
	principals := []string{"everyone", "dept_member", "dept_leader", "reports_to", "project_member", "org_editor",
		"user:" + staff(), "unit:" + unit(), "group:" + pick("groups.#.id"), "function:" + h.anyOf(fns),
		"user:" + h.person(), "user:" + h.pick(h.named)}
	roles := []string{"reader", "editor", "full", "denied", "not_set"}
	entries := func() []map[string]any {
		var out []map[string]any
		for i := r.IntN(4); i >= 0; i-- {
			e := map[string]any{"principal": h.pick(principals), "role": h.pick(roles)}
			if r.IntN(3) == 0 {
				e["create"] = []string{"item"}
			}
			out = append(out, e)
		}
		return out
	}
	kinds := []string{"department", "individual", "project", "org_dialog", "dept_dialog"}
	local = r.IntN(2) == 0
	var edits []map[string]any
	for n := 1 + r.IntN(3); n > 0; n-- {
		x := r.IntN(22)
		if local {
			x = []int{0, 1, 2, 3, 4, 5, 6, 17, 18, 20, 21}[r.IntN(11)]
		}
		var e map[string]any
		switch x {
		case 0, 1:
			e = map[string]any{"op": "set_security", "page": page(), "entries": entries()}
		case 2:
			e = map[string]any{"op": "set_default_security", "page": page(), "kind": h.pick(kinds), "entries": entries()}
		case 3:
			e = map[string]any{"op": "propagate_defaults", "page": page(), "kind": h.pick(kinds)}
		case 4:
			e = map[string]any{"op": "create_page", "page": map[string]any{"id": "pg-new" + strconv.Itoa(r.IntN(1000)), "kind": "item", "parent": page(), "title": "New"}}
		case 5:
			e = map[string]any{"op": []string{"delete_page", "record_security_review"}[r.IntN(2)], "page": page(), "agency": ag}
			if e["op"] == "delete_page" {
				delete(e, "agency")
			} else {
				delete(e, "page")
			}
		case 6:
			e = map[string]any{"op": "set_page_people", "page": page(), []string{"owners", "responsible"}[r.IntN(2)]: []string{h.pick([]string{staff(), h.person()})}}
		case 7, 8:
			e = map[string]any{"op": "move_staff", "agency": ag, "person": staff(), "unit": unit()}
		case 9:
			e = map[string]any{"op": "assign_functions", "agency": ag, "person": staff(), "functions": []string{h.anyOf(fns)}}
		case 10:
			e = map[string]any{"op": "end_date_staff", "agency": ag, "person": staff()}
		case 11:
			e = map[string]any{"op": "reinstate_staff", "agency": ag, "person": staff()}
		case 12:
			e = map[string]any{"op": "add_staff", "agency": ag, "person": h.pick([]string{"p-new" + strconv.Itoa(r.IntN(1000)), h.person()}), "name": "New", "nt_account": "new"}
		case 13:
			e = map[string]any{"op": "set_group_members", "agency": ag, "group": pick("groups.#.id"), "members": []string{staff(), h.person()}}
		case 14:
			e = map[string]any{"op": "add_out_assignment", "agency": ag, "person": staff(), "unit": unit(), "end": "2027-06-01"}
		case 15:
			e = map[string]any{"op": "set_reports_to", "agency": ag, "person": staff(), "managers": []string{staff()}}
		case 16:
			e = map[string]any{"op": "set_person_id", "person": staff(), "status": h.pick([]string{"active", "disabled"})}
		case 17:
			e = map[string]any{"op": "create_unit", "agency": ag, "unit": map[string]any{"id": "u-new" + strconv.Itoa(r.IntN(1000)), "name": "New"}}
		case 18:
			e = map[string]any{"op": "set_unit_approver", "agency": ag, "unit": unit(), "approver": h.pick([]string{staff(), h.person()})}
		case 20:
			e = map[string]any{"op": "set_unit_roles", "agency": ag, "unit": unit(), "editors": []string{staff()}, "leaders": []string{h.pick([]string{staff(), h.person()})}}
		case 21:
			e = map[string]any{"op": []string{"set_org_roles", "set_unit_specialization"}[r.IntN(2)], "agency": ag, "editors": []string{staff()}, "leaders": []string{staff()}}
			if e["op"] == "set_unit_specialization" {
				e = map[string]any{"op": "set_unit_specialization", "agency": ag, "unit": unit(), "specialization": "x"}
			}
		default:
			e = map[string]any{"op": "set_security", "page": h.pick(h.pages), "entries": entries()} // perhaps another agency's
		}
		edits = append(edits, e)
	}
	q := map[string]any{"edits": edits}
	switch r.IntN(6) {
	case 0:
		q["base_version"] = 0
	case 1:
		q["base_version"] = "d0"
	case 2:
		q["base_version"] = 3 // ahead of every agency here
	}
	return q, local
}

// anyOf is one of the ids, or "nobody" when there are none.
func (h *httpDiff) anyOf(ids []gjson.Result) string {
	if len(ids) == 0 {
		return "nobody"
	}
	return ids[h.rng.IntN(len(ids))].Str
}

func TestWhatIfOverShardsAnswersAsTheWhole(t *testing.T) {
	h := newHTTPDiff(t)
	agencies := gjson.GetBytes(h.data, "agencies").Array()
	accepted, local, refused := 0, 0, 0
	codes := map[string]int{}
	for h.requests < 600 {
		a := agencies[h.rng.IntN(len(agencies))]
		batch, onShard := h.batchOn(a)
		body, _ := json.Marshal(batch)
		tok := h.overseerToken(a.Get("id").Str)
		if h.rng.IntN(3) == 0 {
			tok = token(t, h.pick(h.admins))
		}
		want, got := h.both("POST", "/v1/whatif", body, tok, "Content-Type", "application/json")
		if want.Code != got.Code || want.Body.String() != got.Body.String() {
			w, g := around(want.Body.Bytes(), got.Body.Bytes())
			h.differ("POST /v1/whatif %s:\n whole  %d %s\n shards %d %s", clip(string(body)), want.Code, w, got.Code, g)
		}
		switch ok := gjson.Get(want.Body.String(), "accepted"); {
		case ok.Bool() && onShard:
			local++
			accepted++
		case ok.Bool():
			accepted++
		case ok.Exists():
			refused++
			codes[gjson.Get(want.Body.String(), "error.code").Str]++
		}
	}
	h.report()
	t.Logf("%d what-ifs (statuses %v): %d accepted (%d of edits a shard judges only), %d refused (%v)", h.requests, h.statuses, accepted, local, refused, codes)
	if local < 20 || accepted-local < 20 || refused < 100 || h.statuses[400] == 0 {
		t.Fatalf("the batches test too little: %d accepted (%d of edits a shard judges), %d refused, statuses %v", accepted, local, refused, h.statuses)
	}
}
