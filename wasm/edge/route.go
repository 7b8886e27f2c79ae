package edge

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
)

// directoryOps are the edits of the directory (SPEC §10.1): the catalog, the site templates,
// the agency list and Person IDs.
var directoryOps = map[string]bool{"import_build": true, "set_site_defaults": true, "create_agency": true, "set_person_id": true}

// shardOf is the one shard a batch acts on (SPEC §10.1): the agency every agency edit names
// (by its agency, or by the page it acts on or creates under), or the directory for its own
// edits. An edit whose agency or page m does not know names no shard: the batch is judged as
// it is and refused there for what it names. A batch of only such edits names no shard
// (named is false): it is judged as it is, without a version to conflict with, and its answer
// is kept in the directory's journal. A batch that names two shards is refused as cross_agency, at the first edit that
// names another shard than the edits before it.
func shardOf(m whoIs, batch []byte) (s Shard, named bool, err error) {
	var got Shard
	first := -1
	created := map[string]string{} // pages the batch creates, with their agency
	var refused error
	gjson.GetBytes(batch, "edits").ForEach(func(k, edit gjson.Result) bool {
		i := int(k.Int())
		s, named := editShard(m, edit, created)
		if !named {
			return true
		}
		if first < 0 {
			got, first = s, i
			return true
		}
		if s != got {
			path := "edits[" + strconv.Itoa(i) + "]"
			if s.Agency != "" && edit.Get("agency").Exists() {
				path += ".agency"
			}
			refused = &httpError{status: http.StatusUnprocessableEntity, Problem: Problem{Code: evaluator.CodeCrossAgency, Index: &i, Path: path,
				Message: fmt.Sprintf("edit %d acts on %s, but edit %d acts on %s: a batch acts on one agency, or on the directory (catalog, site templates, agencies, Person IDs); send one batch for each", first, describeShard(got), i, describeShard(s))}}
			return false
		}
		return true
	})
	if refused != nil {
		return Shard{}, false, refused
	}
	return got, first >= 0, nil
}

// editShard is the shard one edit acts on, when m knows what it names.
func editShard(m whoIs, edit gjson.Result, created map[string]string) (Shard, bool) {
	if directoryOps[edit.Get("op").String()] {
		return Directory, true
	}
	known := func(agency string) (Shard, bool) {
		if agency != "" && m.AgencyOf(agency) == agency {
			return Shard{Agency: agency}, true
		}
		return Shard{}, false
	}
	if a := edit.Get("agency"); a.Type == gjson.String {
		return known(a.Str)
	}
	page := edit.Get("page")
	if page.IsObject() { // create_page: the parent's agency
		parent := page.Get("parent").String()
		agency := created[parent]
		if agency == "" {
			agency = m.AgencyOf(parent)
		}
		if id := page.Get("id").String(); id != "" && agency != "" {
			created[id] = agency
		}
		return known(agency)
	}
	if page.Type == gjson.String {
		if agency := created[page.Str]; agency != "" {
			return known(agency)
		}
		return known(m.AgencyOf(page.Str))
	}
	return Shard{}, false
}

// describeShard names a shard for a coordinator.
func describeShard(s Shard) string {
	if s.Agency == "" {
		return "the directory"
	}
	return "agency " + s.Agency
}
