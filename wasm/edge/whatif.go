package edge

import (
	"net/http"
	"strings"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
)

// A what-if from an agency shard (SPEC §6, §10.1; RULES.md §10.3). The what-if of a batch on
// agency A is every (person, page) cell, profile, lint finding and notification the batch
// changes. A's shard answers every cell of A's pages, for every person it keeps, as the whole
// does, and a person it does not keep has none there before and after. So the shard's what-if
// is the whole's when nothing the batch changes reaches past A: its edits change only A's
// pages, their security, A's security reviews, a new unit of A, and the roles, approvers and
// specializations of A's units and of A (shardLocalOps: principals and lint that only A's pages
// and units read; no staff record, function or group, whose changes reach other agencies'
// cells, profiles and lint, and no unit consolidated or deleted), and every
// person the batch names — the actor included — is one the shard keeps, and every other id it
// names is A's or unknown (so the shard resolves, and refuses, each reference as the whole).
// Any other batch is judged on the whole model.

// shardLocalOps are the edits whose what-if an agency shard answers as the whole does.
var shardLocalOps = map[string]bool{"set_security": true, "set_default_security": true, "propagate_defaults": true,
	"create_page": true, "delete_page": true, "set_page_people": true, "record_security_review": true,
	"create_unit": true, "set_unit_roles": true, "set_unit_approver": true, "set_unit_specialization": true, "set_org_roles": true}

// judges tells whether agency's shard judges the batch's what-if as the whole does.
func (w *view) judges(agency string, batch []byte) bool {
	a, ok := w.dir.agencyAt(agency)
	if !ok {
		return false
	}
	local := true
	var walk func(v gjson.Result)
	walk = func(v gjson.Result) {
		switch {
		case !local:
		case v.IsObject() || v.IsArray():
			v.ForEach(func(_, x gjson.Result) bool { walk(x); return local })
		case v.Type == gjson.String:
			id := v.Str
			for _, prefix := range []string{"user:", "group:", "unit:"} {
				id = strings.TrimPrefix(id, prefix)
			}
			if p := w.dir.person(id); p != nil {
				local = w.dir.keeps(p, a)
			} else if of := w.dir.AgencyOf(id); of != "" && of != agency {
				local = false
			}
		}
	}
	edits := gjson.GetBytes(batch, "edits")
	edits.ForEach(func(_, e gjson.Result) bool {
		local = local && shardLocalOps[e.Get("op").String()]
		return local
	})
	walk(edits)
	walk(gjson.GetBytes(batch, "actor"))
	return local && edits.IsArray()
}

// writable is agency's shard at the view's state loaded as a writer loads it (evaluator.Load),
// so a batch can be applied to it; it is not kept.
func (w *view) writable(agency string) (*evaluator.Model, error) {
	doc, v, err := w.s.Source.AgencyShard(w.ctx, agency)
	if err != nil {
		return nil, err
	}
	if v.String() != w.v.String() {
		return nil, errMoved
	}
	m, err := evaluator.Load(doc)
	if err != nil {
		return nil, fail(http.StatusInternalServerError, codeFailed, "the writers' shard of %s at %s does not load (%v); the service cannot judge a what-if on it until it does", agency, v, err)
	}
	return m, nil
}
