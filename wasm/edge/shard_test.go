package edge_test

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connsec/connsec/wasm/edge"
)

func moveIn(base any, unit string) map[string]any {
	return map[string]any{"base_version": base, "edits": []any{map[string]any{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": unit}}}
}

func staEdit(base any) map[string]any {
	return map[string]any{"base_version": base, "edits": []any{map[string]any{"op": "set_reports_to", "agency": "ag-sta", "person": "p-2003", "managers": []string{}}}}
}

// bothWriters runs a test over the whole-model Ledger and over the Writers of their own
// shards: they answer alike.
func bothWriters(t *testing.T, test func(*testing.T, *api)) {
	t.Run("ledger", func(t *testing.T) { test(t, newAPIOver(t, edge.NewMemoryStore)) })
	t.Run("writers", func(t *testing.T) { test(t, newAPIOver(t, edge.NewMemoryWriters)) })
}

// Coordinators of two agencies who read their snapshots at the same time both push on the
// version they read, at the same time, and both are accepted: each agency's version counts
// its own batches. A second coordinator of the same agency on the old version gets 409 with
// that agency's current version; rebased on it, the batch is accepted.
func TestTwoAgenciesPushOnTheVersionsTheyRead(t *testing.T) {
	bothWriters(t, testTwoAgenciesPushOnTheVersionsTheyRead)
}

func testTwoAgenciesPushOnTheVersionsTheyRead(t *testing.T, a *api) {
	albTok, staTok := token(t, "p-1003"), token(t, "p-2003")
	var albView, staView reply
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); albView = a.do("GET", "/v1/snapshot", albTok, nil) }()
	go func() { defer wg.Done(); staView = a.do("GET", "/v1/snapshot", staTok, nil) }()
	wg.Wait()
	if albView.body["version"].(float64) != 0 || staView.body["version"].(float64) != 0 {
		t.Fatalf("the views' versions: %v %v", albView.body["version"], staView.body["version"])
	}
	var albPush, staPush reply
	wg.Add(2)
	go func() {
		defer wg.Done()
		albPush = a.do("POST", "/v1/edits", albTok, moveIn(albView.body["version"], "u-alb-fc1"))
	}()
	go func() { defer wg.Done(); staPush = a.do("POST", "/v1/edits", staTok, staEdit(staView.body["version"])) }()
	wg.Wait()
	if albPush.status != 200 || albPush.body["shard"] != "agency:ag-alb" || albPush.body["shard_version"].(float64) != 1 {
		t.Fatalf("Albany's push: %d %s", albPush.status, albPush.raw)
	}
	if staPush.status != 200 || staPush.body["shard"] != "agency:ag-sta" || staPush.body["shard_version"].(float64) != 1 {
		t.Fatalf("St. Anne's push: %d %s", staPush.status, staPush.raw)
	}
	if v, _ := a.store.Versions(); v.String() != "d0~ag-alb.1~ag-sta.1" {
		t.Fatalf("the state is %s", v)
	}
	// the same agency twice on the version both read: the second is refused with Albany's version
	stale := a.do("POST", "/v1/edits", token(t, "p-1005"), moveIn(0, "u-alb-fc2"))
	if stale.status != 409 || stale.code() != "version_conflict" || stale.body["shard"] != "agency:ag-alb" || stale.body["shard_version"].(float64) != 1 ||
		stale.body["version"] != "d0~ag-alb.1~ag-sta.1" || !strings.Contains(stale.body["error"].(map[string]any)["message"].(string), "agency ag-alb is at version 1") {
		t.Fatalf("a stale push on Albany: %d %s", stale.status, stale.raw)
	}
	if r := a.do("POST", "/v1/edits", token(t, "p-1005"), moveIn(stale.body["shard_version"], "u-alb-fc2")); r.status != 200 || r.body["version"] != "d0~ag-alb.2~ag-sta.1" {
		t.Fatalf("rebased on Albany's version: %d %s", r.status, r.raw)
	}
	// St. Anne's moved on too, and Albany's batch did not disturb it
	if r := a.do("POST", "/v1/edits", staTok, staEdit(1)); r.status != 200 || r.body["shard_version"].(float64) != 2 {
		t.Fatalf("St. Anne's second push: %d %s", r.status, r.raw)
	}
	// base_version may be the token of the snapshot read (its ETag): it names the shard's version
	etag := strings.Trim(a.do("GET", "/v1/snapshot", albTok, nil).header.Get("ETag"), `"`)
	a.do("POST", "/v1/edits", staTok, staEdit(2))
	if r := a.do("POST", "/v1/edits", albTok, moveIn(etag, "u-alb-fc1")); r.status != 200 || r.body["shard_version"].(float64) != 3 {
		t.Fatalf("a push on the ETag's token while another agency moved: %d %s", r.status, r.raw)
	}
	// a what-if is judged on the batch's shard too
	if r := a.do("POST", "/v1/whatif", albTok, moveIn(0, "u-alb-fc2")); r.status != 200 || r.body["accepted"] != false || !strings.Contains(string(r.raw), "version_conflict") {
		t.Fatalf("a what-if on an old version of Albany: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/v1/whatif", albTok, moveIn(3, "u-alb-fc2")); r.status != 200 || r.body["accepted"] != true || r.body["version"] != "d0~ag-alb.3~ag-sta.3" {
		t.Fatalf("a what-if on Albany's version while St. Anne's moved: %d %s", r.status, r.raw)
	}
}

// A batch acts on one shard: edits of two agencies, or of an agency and the directory, are
// refused as cross_agency at the first edit of another shard; the directory's edits count
// on the directory's version.
func TestABatchActsOnOneShard(t *testing.T) { bothWriters(t, testABatchActsOnOneShard) }

func testABatchActsOnOneShard(t *testing.T, a *api) {
	admin := token(t, "p-admin")
	two := map[string]any{"base_version": 0, "edits": []any{
		map[string]any{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": "u-alb-fc1"},
		map[string]any{"op": "set_reports_to", "agency": "ag-sta", "person": "p-2003", "managers": []string{}}}}
	r := a.do("POST", "/v1/edits", admin, two)
	if r.status != 422 || r.code() != "cross_agency" || r.body["error"].(map[string]any)["index"].(float64) != 1 || r.body["error"].(map[string]any)["path"] != "edits[1].agency" {
		t.Fatalf("two agencies in one batch: %d %s", r.status, r.raw)
	}
	mixed := map[string]any{"base_version": 0, "edits": []any{
		map[string]any{"op": "end_date_staff", "agency": "ag-alb", "person": "p-1012"},
		map[string]any{"op": "set_person_id", "person": "p-1012", "status": "disabled"}}}
	if r := a.do("POST", "/v1/edits", admin, mixed); r.status != 422 || r.code() != "cross_agency" || !strings.Contains(string(r.raw), "the directory") {
		t.Fatalf("an agency and the directory in one batch: %d %s", r.status, r.raw)
	}
	// a page names its agency: set_security on an Albany page is Albany's
	page := map[string]any{"base_version": 0, "edits": []any{map[string]any{"op": "set_security", "page": "pg-alb-dep-cpsi1", "entries": []any{}}}}
	if r := a.do("POST", "/v1/edits", admin, page); r.status != 200 || r.body["shard"] != "agency:ag-alb" {
		t.Fatalf("an edit of an Albany page: %d %s", r.status, r.raw)
	}
	dir := map[string]any{"base_version": 0, "edits": []any{map[string]any{"op": "set_person_id", "person": "p-1026", "status": "disabled"}}}
	if r := a.do("POST", "/v1/edits", admin, dir); r.status != 200 || r.body["shard"] != "directory" || r.body["version"] != "d1~ag-alb.1" {
		t.Fatalf("a directory edit: %d %s", r.status, r.raw)
	}
	// an agency nobody knows is refused for what it is, not routed anywhere
	if r := a.do("POST", "/v1/edits", admin, map[string]any{"base_version": 0, "edits": []any{map[string]any{"op": "move_staff", "agency": "ag-nowhere", "person": "p-1012", "unit": "u-alb-fc1"}}}); r.status != 422 || r.code() != "unknown_reference" {
		t.Fatalf("an unknown agency: %d %s", r.status, r.raw)
	}
}

// Idempotency is per shard: a retry gets its first answer from the shard it acts on, and a
// key used on one agency does not bind the same caller's key on another.
func TestIdempotencyPerShard(t *testing.T) { bothWriters(t, testIdempotencyPerShard) }

func testIdempotencyPerShard(t *testing.T, a *api) {
	admin := token(t, "p-admin")
	first := a.do("POST", "/v1/edits", admin, moveIn(0, "u-alb-fc1"), "Idempotency-Key", "k")
	other := a.do("POST", "/v1/edits", admin, staEdit(0), "Idempotency-Key", "k")
	if first.status != 200 || other.status != 200 || other.body["shard"] != "agency:ag-sta" {
		t.Fatalf("one key on two agencies: %d %s / %d %s", first.status, first.raw, other.status, other.raw)
	}
	again := a.do("POST", "/v1/edits", admin, moveIn(0, "u-alb-fc1"), "Idempotency-Key", "k")
	if again.status != 200 || string(again.raw) != string(first.raw) {
		t.Fatalf("the retry on Albany: %d %s", again.status, again.raw)
	}
	if r := a.do("POST", "/v1/edits", admin, moveIn(1, "u-alb-fc2"), "Idempotency-Key", "k"); r.status != 422 || r.code() != "idempotency_key_reused" {
		t.Fatalf("another Albany batch under the key: %d %s", r.status, r.raw)
	}
	if v, _ := a.store.Versions(); v.String() != "d0~ag-alb.1~ag-sta.1" {
		t.Fatalf("the state is %s", v)
	}
}

// A reader keeps its model for a while (here an hour) and answers from it; an answer whose
// consistency token names a newer state makes it catch up first. So the token of an accepted
// batch reads that batch on a reader that had cached the state before it, and on a fresh one.
func TestReadYourWritesOnAnotherReader(t *testing.T) {
	bothWriters(t, testReadYourWritesOnAnotherReader)
}

func testReadYourWritesOnAnotherReader(t *testing.T, a *api) {
	now := func() time.Time { return clock }
	reader := func() *api {
		srv := httptest.NewServer(edge.New(edge.Config{Store: &edge.Reader{Source: a.store.(edge.Source), Fresh: time.Hour, Now: now}, Secret: secret, Now: now}))
		t.Cleanup(srv.Close)
		return &api{t: t, srv: srv}
	}
	cached := reader()
	coord := token(t, "p-1003")
	if r := cached.do("GET", "/v1/snapshot", coord, nil); r.status != 200 || r.header.Get("ETag") != `"d0"` {
		t.Fatalf("the reader's first read: %d %s", r.status, r.header.Get("ETag"))
	}
	pushed := a.do("POST", "/v1/edits", coord, moveIn(0, "u-alb-fc1"))
	tok := pushed.body["version"].(string)
	if pushed.status != 200 || tok != "d0~ag-alb.1" {
		t.Fatalf("the push: %d %s", pushed.status, pushed.raw)
	}
	// without the token the reader answers from what it holds
	if r := cached.do("GET", "/v1/snapshot", coord, nil); r.header.Get("ETag") != `"d0"` {
		t.Fatalf("the cached reader without a token: %s", r.header.Get("ETag"))
	}
	q := eval("p-1012", "read", "page", "pg-alb-dep-fc1")
	q["context"] = map[string]any{"at_least_version": tok}
	for name, rd := range map[string]*api{"the cached reader": cached, "a fresh reader": reader()} {
		snap := rd.do("GET", "/v1/snapshot?at_least="+tok, coord, nil)
		if snap.status != 200 || snap.header.Get("ETag") != `"`+tok+`"` || snap.body["version"].(float64) != 1 || !strings.Contains(string(snap.raw), `"unit": "u-alb-fc1"`) && !strings.Contains(string(snap.raw), `"unit":"u-alb-fc1"`) {
			t.Fatalf("%s, ?at_least= the push's token: %d %s", name, snap.status, snap.header.Get("ETag"))
		}
		if r := rd.do("POST", "/access/v1/evaluation", coord, q); r.status != 200 || r.body["context"].(map[string]any)["version"] != tok {
			t.Fatalf("%s, an evaluation at least at the push's token: %d %s", name, r.status, r.raw)
		}
	}
	// a token of a state no writer has reached is refused, naming the newest
	if r := cached.do("GET", "/v1/me?at_least_version=d0~ag-alb.7", coord, nil); r.status != 400 || r.code() != "version_not_reached" || !strings.Contains(string(r.raw), tok) {
		t.Fatalf("a token from the future: %d %s", r.status, r.raw)
	}
	if r := cached.do("POST", "/v1/edits", coord, moveIn(1, "u-alb-fc2")); r.status != 500 {
		t.Fatalf("an edit sent to a reader: %d %s", r.status, r.raw)
	}
}
