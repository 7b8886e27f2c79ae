package edge_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connsec/connsec/wasm/edge"
)

var secret = []byte("test-secret-of-at-least-16-bytes")

var clock = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

type api struct {
	t     *testing.T
	srv   *httptest.Server
	store writerStore
}

// writerStore is a store that writes: the Ledger, or the Writers of their own shards.
type writerStore interface {
	edge.Store
	edge.ShardSource
	Versions() (edge.Versions, bool)
}

func newAPI(t *testing.T) *api {
	t.Helper()
	return newAPIOver(t, edge.NewMemoryStore)
}

// newAPIOver serves the example from the store newStore makes.
func newAPIOver[S writerStore](t *testing.T, newStore func([]byte, func() time.Time) (S, error)) *api {
	t.Helper()
	data, err := os.ReadFile("../../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	store, err := newStore(data, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(edge.New(edge.Config{Store: store, Secret: secret, SeedAdmin: "p-admin", Now: func() time.Time { return clock }, MaxBody: 64 << 10}))
	t.Cleanup(srv.Close)
	return &api{t: t, srv: srv, store: store}
}

func token(t *testing.T, sub string) string {
	t.Helper()
	tok, err := edge.Token(secret, sub, clock.Add(-time.Minute), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (a *api) do(method, path, tok string, body any, headers ...string) reply {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, header: res.Header, raw: raw}
	if err := conforms(method, path, r.status, r.header, raw); err != nil {
		a.t.Error(err)
	}
	json.Unmarshal(raw, &r.body)
	return r
}

func (r reply) code() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func eval(subject, action, typ, id string) map[string]any {
	return map[string]any{"subject": map[string]any{"type": "user", "id": subject}, "action": map[string]any{"name": action},
		"resource": map[string]any{"type": typ, "id": id}}
}

func TestEvaluationShapes(t *testing.T) {
	a := newAPI(t)
	svc := token(t, "service:pep")
	r := a.do("POST", "/access/v1/evaluation", svc, eval("p-1003", "read", "page", "pg-alb-org"), "X-Request-ID", "req-42")
	if r.status != 200 || r.body["decision"] != true || r.header.Get("X-Request-ID") != "req-42" {
		t.Fatalf("evaluation: %d %s (request id %q)", r.status, r.raw, r.header.Get("X-Request-ID"))
	}
	ctx := r.body["context"].(map[string]any)
	if ctx["version"] == nil || len(ctx["reasons"].([]any)) == 0 || ctx["level"] == "" {
		t.Fatalf("the context lacks version, reasons or level: %s", r.raw)
	}
	// A deny is 200 with decision false; a bad resource type is 400; an unknown person 400.
	if r := a.do("POST", "/access/v1/evaluation", svc, eval("p-2003", "manage_security", "page", "pg-alb-org")); r.status != 200 || r.body["decision"] != false {
		t.Fatalf("a deny: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/access/v1/evaluation", svc, eval("p-1003", "read", "folder", "x")); r.status != 400 || !strings.Contains(string(r.raw), "resource.type") {
		t.Fatalf("a bad resource type: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/access/v1/evaluation", svc, eval("p-nobody", "read", "page", "pg-alb-org")); r.status != 400 || r.code() != "unknown_reference" {
		t.Fatalf("an unknown person: %d %s", r.status, r.raw)
	}
	// at_least_version beyond the newest is refused, naming the newest; it is a token, not a number.
	q := eval("p-1003", "read", "page", "pg-alb-org")
	q["context"] = map[string]any{"at_least_version": "d0~ag-alb.999"}
	if r := a.do("POST", "/access/v1/evaluation", svc, q); r.status != 400 || r.code() != "version_not_reached" || !strings.Contains(string(r.raw), "version 999 of agency ag-alb") {
		t.Fatalf("at_least_version d0~ag-alb.999: %d %s", r.status, r.raw)
	}
	q["context"] = map[string]any{"at_least_version": 3}
	if r := a.do("POST", "/access/v1/evaluation", svc, q); r.status != 400 || !strings.Contains(string(r.raw), "consistency token") {
		t.Fatalf("at_least_version 3: %d %s", r.status, r.raw)
	}
	wk := a.do("GET", "/.well-known/authzen-configuration", "", nil)
	if wk.status != 200 || !strings.HasSuffix(wk.body["access_evaluations_endpoint"].(string), "/access/v1/evaluations") || wk.body["policy_decision_point"] == nil {
		t.Fatalf("well-known: %d %s", wk.status, wk.raw)
	}
}

func TestEvaluationsSemantics(t *testing.T) {
	a := newAPI(t)
	svc := token(t, "service:pep")
	items := []any{
		map[string]any{"resource": map[string]any{"type": "page", "id": "pg-alb-org"}},                                           // permit
		map[string]any{"subject": map[string]any{"type": "user", "id": "p-2003"}},                                                // deny
		map[string]any{"resource": map[string]any{"type": "page", "id": "pg-nope"}},                                              // error
		map[string]any{"action": map[string]any{"name": "edit"}, "resource": map[string]any{"type": "page", "id": "pg-alb-org"}}, // permit
	}
	base := func(semantic string) map[string]any {
		q := map[string]any{"subject": map[string]any{"type": "user", "id": "p-1003"}, "action": map[string]any{"name": "read"},
			"resource": map[string]any{"type": "page", "id": "pg-alb-org"}, "evaluations": items}
		if semantic != "" {
			q["options"] = map[string]any{"evaluations_semantic": semantic}
		}
		return q
	}
	decisions := func(r reply) string {
		var out []string
		for _, e := range r.body["evaluations"].([]any) {
			m := e.(map[string]any)
			if ctx, _ := m["context"].(map[string]any); ctx["error"] != nil {
				out = append(out, "error")
			} else {
				out = append(out, fmt.Sprint(m["decision"]))
			}
		}
		return strings.Join(out, ",")
	}
	for semantic, want := range map[string]string{"": "true,false,error,true", "execute_all": "true,false,error,true",
		"deny_on_first_deny": "true,false", "permit_on_first_permit": "true"} {
		r := a.do("POST", "/access/v1/evaluations", svc, base(semantic))
		if r.status != 200 || decisions(r) != want {
			t.Errorf("%q: %d %s, want %s", semantic, r.status, decisions(r), want)
		}
	}
	if r := a.do("POST", "/access/v1/evaluations", svc, map[string]any{"options": map[string]any{"evaluations_semantic": "most"}, "evaluations": items}); r.status != 400 {
		t.Errorf("an unknown semantic: %d", r.status)
	}
}

func TestSearchPaging(t *testing.T) {
	a := newAPI(t)
	svc := token(t, "service:pep")
	q := map[string]any{"subject": map[string]any{"type": "user"}, "action": map[string]any{"name": "read"},
		"resource": map[string]any{"type": "page", "id": "pg-alb-org"}, "page": map[string]any{"limit": 7}}
	var seen []string
	total := -1
	for i := 0; i < 100; i++ {
		r := a.do("POST", "/access/v1/search/subject", svc, q)
		if r.status != 200 {
			t.Fatalf("search: %d %s", r.status, r.raw)
		}
		page := r.body["page"].(map[string]any)
		total = int(page["total"].(float64))
		for _, x := range r.body["results"].([]any) {
			seen = append(seen, x.(map[string]any)["id"].(string))
		}
		if int(page["count"].(float64)) != len(r.body["results"].([]any)) {
			t.Fatalf("count does not match the results: %s", r.raw)
		}
		next := page["next_token"].(string)
		if next == "" {
			break
		}
		q["page"] = map[string]any{"limit": 7, "token": next}
	}
	if total < 8 || len(seen) != total {
		t.Fatalf("paged %d of %d subjects", len(seen), total)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i-1] >= seen[i] {
			t.Fatalf("subjects out of order or repeated: %v", seen)
		}
	}
	res := a.do("POST", "/access/v1/search/resource", svc, map[string]any{"subject": map[string]any{"type": "user", "id": "p-1012"},
		"action": map[string]any{"name": "read"}, "resource": map[string]any{"type": "page"}, "page": map[string]any{"limit": 1000}})
	if res.status != 200 || len(res.body["results"].([]any)) == 0 {
		t.Fatalf("search resource: %d %s", res.status, res.raw)
	}
	act := a.do("POST", "/access/v1/search/action", svc, map[string]any{"subject": map[string]any{"type": "user", "id": "p-1003"},
		"resource": map[string]any{"type": "page", "id": "pg-alb-org"}})
	if act.status != 200 || !strings.Contains(string(act.raw), `"name":"read"`) {
		t.Fatalf("search action: %d %s", act.status, act.raw)
	}
	if r := a.do("POST", "/access/v1/search/subject", svc, map[string]any{"subject": map[string]any{"type": "user"}, "action": map[string]any{"name": "read"},
		"resource": map[string]any{"type": "page", "id": "pg-alb-org"}, "page": map[string]any{"token": "bogus"}}); r.status != 400 {
		t.Fatalf("a forged page token: %d", r.status)
	}
}

func TestWhoMayCall(t *testing.T) {
	a := newAPI(t)
	b64 := base64.RawURLEncoding.EncodeToString
	none := b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64([]byte(fmt.Sprintf(`{"sub":"p-admin","exp":%d}`, clock.Add(time.Hour).Unix()))) + "."
	forged, _ := edge.Token([]byte("another-secret-of-16-bytes-plus"), "p-admin", clock, time.Hour)
	expired, _ := edge.Token(secret, "p-admin", clock.Add(-2*time.Hour), time.Hour)
	future, _ := edge.Token(secret, "p-admin", clock.Add(time.Hour), time.Hour)
	batch := func(actor string) map[string]any {
		return map[string]any{"actor": actor, "base_version": 0, "edits": []any{map[string]any{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": "u-alb-fc1"}}}
	}
	for _, c := range []struct {
		name, tok, method, path string
		body                    any
		status                  int
	}{
		{"no token", "", "POST", "/access/v1/evaluation", eval("p-1003", "read", "page", "pg-alb-org"), 401},
		{"forged", forged, "GET", "/v1/snapshot", nil, 401},
		{"expired", expired, "GET", "/v1/snapshot", nil, 401},
		{"not yet valid", future, "GET", "/v1/snapshot", nil, 401},
		{"alg none", none, "GET", "/v1/snapshot", nil, 401},
		{"malformed", "abc.def", "GET", "/v1/snapshot", nil, 401},
		{"service editing", token(t, "service:pep"), "POST", "/v1/edits", batch("p-1003"), 403},
		{"service reading the snapshot", token(t, "service:pep"), "GET", "/v1/snapshot", nil, 403},
		{"coordinator of another agency", token(t, "p-2003"), "POST", "/v1/edits", batch("p-2003"), 403},
		{"non-coordinator editing", token(t, "p-1012"), "POST", "/v1/edits", batch("p-1012"), 403},
		{"non-coordinator reading the snapshot", token(t, "p-1012"), "GET", "/v1/snapshot", nil, 403},
		{"acting as someone else", token(t, "p-1005"), "POST", "/v1/edits", batch("p-1003"), 403},
		{"a person asking about another", token(t, "p-1012"), "POST", "/access/v1/evaluation", eval("p-1003", "read", "page", "pg-alb-org"), 403},
		{"a coordinator asking about another agency's staff", token(t, "p-2003"), "POST", "/access/v1/evaluation", eval("p-1012", "read", "page", "pg-alb-org"), 403},
		{"a coordinator's report of another agency", token(t, "p-2003"), "GET", "/v1/report?agency=ag-alb", nil, 403},
	} {
		r := a.do(c.method, c.path, c.tok, c.body)
		if r.status != c.status || r.code() == "" || r.body["error"].(map[string]any)["message"] == "" {
			t.Errorf("%s: %d %s, want %d with a code and a message", c.name, r.status, r.raw, c.status)
		}
	}
	if v := a.do("GET", "/v1/log", token(t, "p-admin"), nil); v.body["version"] != "d0" {
		t.Fatalf("a refused call changed the version: %s", v.raw)
	}
}

func TestBadBodies(t *testing.T) {
	a := newAPI(t)
	tok := token(t, "p-1003")
	r := a.do("POST", "/access/v1/evaluation", tok, "{\"subject\": \n {\"type\": \"user\",, }")
	if r.status != 400 || !strings.Contains(string(r.raw), "line 2") {
		t.Fatalf("malformed JSON: %d %s", r.status, r.raw)
	}
	big := `{"actor": "p-1003", "edits": [], "pad": "` + strings.Repeat("x", 70<<10) + `"}`
	if r := a.do("POST", "/v1/edits", tok, big); r.status != 413 || r.code() != "too_large" {
		t.Fatalf("an oversized body: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/access/v1/evaluation", tok, `[1,2]`); r.status != 400 {
		t.Fatalf("an array body: %d", r.status)
	}
	if r := a.do("POST", "/access/v1/evaluation", tok, `{"subject": "p-1003"}`); r.status != 400 || !strings.Contains(string(r.raw), "subject") {
		t.Fatalf("a wrongly typed field: %d %s", r.status, r.raw)
	}
	if r := a.do("GET", "/nowhere", tok, nil); r.status != 404 {
		t.Fatalf("an unknown path: %d", r.status)
	}
	if r := a.do("DELETE", "/v1/snapshot", tok, nil); r.status != 405 {
		t.Fatalf("a wrong method: %d", r.status)
	}
}

func TestEditsAreOrderedOnceAndIdempotent(t *testing.T) {
	bothWriters(t, testEditsAreOrderedOnceAndIdempotent)
}

func testEditsAreOrderedOnceAndIdempotent(t *testing.T, a *api) {
	coord := token(t, "p-1003")
	move := func(base int, unit string) map[string]any {
		return map[string]any{"base_version": base, "edits": []any{map[string]any{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": unit}}}
	}
	r := a.do("POST", "/v1/edits", coord, move(0, "u-alb-fc1"), "Idempotency-Key", "k1")
	if r.status != 200 || r.body["version"] != "d0~ag-alb.1" || r.body["shard"] != "agency:ag-alb" || r.body["shard_version"].(float64) != 1 || r.body["summary"] == "" {
		t.Fatalf("an edit: %d %s", r.status, r.raw)
	}
	again := a.do("POST", "/v1/edits", coord, move(0, "u-alb-fc1"), "Idempotency-Key", "k1")
	if again.status != 200 || !bytes.Equal(again.raw, r.raw) {
		t.Fatalf("a retry with the same key: %d %s", again.status, again.raw)
	}
	stale := a.do("POST", "/v1/edits", coord, move(0, "u-alb-fc2"), "Idempotency-Key", "k2")
	if stale.status != 409 || stale.code() != "version_conflict" || stale.body["version"] != "d0~ag-alb.1" || stale.body["shard_version"].(float64) != 1 {
		t.Fatalf("a stale base: %d %s", stale.status, stale.raw)
	}
	bad := a.do("POST", "/v1/edits", coord, map[string]any{"base_version": 1, "edits": []any{map[string]any{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": "u-sta-conv"}}})
	if bad.status != 422 || bad.body["error"].(map[string]any)["path"] == "" {
		t.Fatalf("a refused edit: %d %s", bad.status, bad.raw)
	}
	log := a.do("GET", "/v1/log?since=0", token(t, "p-admin"), nil)
	if entries := log.body["entries"].([]any); len(entries) != 1 || entries[0].(map[string]any)["actor"] != "p-1003" {
		t.Fatalf("the log: %s", log.raw)
	}
	snap := a.do("GET", "/v1/snapshot", coord, nil)
	if snap.status != 200 || snap.header.Get("ETag") != `"d0~ag-alb.1"` || snap.body["version"].(float64) != 1 || snap.header.Get("Cache-Control") != "private, no-store" || len(snap.body["agencies"].([]any)) != 1 {
		t.Fatalf("a coordinator's snapshot: %d etag %s", snap.status, snap.header.Get("ETag"))
	}
	if r := a.do("GET", "/v1/snapshot", coord, nil, "If-None-Match", `"d0~ag-alb.1"`); r.status != 304 {
		t.Fatalf("If-None-Match: %d", r.status)
	}
	csv := a.do("GET", "/v1/report?agency=ag-alb", coord, nil, "Accept", "text/csv")
	if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || !strings.Contains(string(csv.raw), "p-1012") {
		t.Fatalf("the CSV report: %d %s", csv.status, csv.raw[:min(200, len(csv.raw))])
	}
	for _, p := range []string{"/v1/lint", "/v1/notifications", "/v1/profile/p-1012", "/v1/me", "/v1/report?agency=ag-alb"} {
		if r := a.do("GET", p, coord, nil); r.status != 200 {
			t.Errorf("%s: %d %s", p, r.status, r.raw)
		}
	}
	wi := a.do("POST", "/v1/whatif", coord, move(1, "u-alb-fc2"))
	if wi.status != 200 || wi.body["accepted"] != true {
		t.Fatalf("what-if: %d %s", wi.status, wi.raw)
	}
}

// Four coordinators of two agencies push 25 edits each at once, rebasing on conflicts (a
// conflict is not remembered under the key, so the rebased batch keeps it): each agency's
// version ends equal to its accepted batches, each shard's log is contiguous, and a retried
// key is applied once.
func TestConcurrentEditsLoseNothing(t *testing.T) { bothWriters(t, testConcurrentEditsLoseNothing) }

func testConcurrentEditsLoseNothing(t *testing.T, a *api) {
	coords := []string{"p-1003", "p-1005", "p-2003", "p-2004"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for _, c := range coords {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := token(t, c)
			for i := 0; i < 25; i++ {
				key := fmt.Sprintf("%s-%d", c, i)
				agency, edit := "ag-sta", map[string]any{"op": "set_reports_to", "agency": "ag-sta", "person": "p-2003", "managers": []string{}}
				if strings.HasPrefix(c, "p-1") {
					agency, edit = "ag-alb", map[string]any{"op": "set_reports_to", "agency": "ag-alb", "person": "p-1012", "managers": []string{"p-1010"}}
				}
				for {
					v := a.do("GET", "/v1/snapshot?agency="+agency, tok, nil).body["version"].(float64)
					r := a.do("POST", "/v1/edits", tok, map[string]any{"base_version": v, "edits": []any{edit}}, "Idempotency-Key", key)
					if r.status == 409 {
						continue
					}
					if r.status != 200 {
						t.Errorf("%s: %d %s", key, r.status, r.raw)
						return
					}
					if dup := a.do("POST", "/v1/edits", tok, map[string]any{"base_version": v, "edits": []any{edit}}, "Idempotency-Key", key); !bytes.Equal(dup.raw, r.raw) {
						t.Errorf("retry of %s answered differently", key)
					}
					mu.Lock()
					accepted++
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	log := a.do("GET", "/v1/log", token(t, "p-admin"), nil)
	entries := log.body["entries"].([]any)
	if log.body["version"] != "d0~ag-alb.50~ag-sta.50" || len(entries) != accepted || accepted != 100 {
		t.Fatalf("version %v, %d log entries, %d accepted", log.body["version"], len(entries), accepted)
	}
	next := map[string]int{}
	for i, e := range entries {
		shard := e.(map[string]any)["shard"].(string)
		next[shard]++
		if int(e.(map[string]any)["version"].(float64)) != next[shard] {
			t.Fatalf("the log of %s is not contiguous at entry %d", shard, i)
		}
	}
}

// The edge's own rules for a pushed batch and its key.
func TestPushRules(t *testing.T) { bothWriters(t, testPushRules) }

func testPushRules(t *testing.T, a *api) {
	coord := token(t, "p-1003")
	move := map[string]any{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": "u-alb-fc1"}
	if r := a.do("POST", "/v1/edits", coord, map[string]any{"edits": []any{move}}); r.status != 400 || !strings.Contains(string(r.raw), "base_version") {
		t.Fatalf("no base_version: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/v1/edits", coord, map[string]any{"edits": []any{move}}, "Idempotency-Key", "keyed"); r.status != 200 || r.body["shard_version"].(float64) != 1 {
		t.Fatalf("a keyed batch without base_version: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/v1/edits", coord, map[string]any{"edits": []any{move}}, "Idempotency-Key", "keyed"); r.status != 200 || r.body["shard_version"].(float64) != 1 {
		t.Fatalf("its retry: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/v1/edits", coord, map[string]any{"base_version": 0, "edits": []any{}}); r.status != 400 {
		t.Fatalf("no edits: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/v1/edits", coord, `{"actor": "p-1003", "base_version": 0, "actor": "p-admin", "edits": [{"op": "set_person_id", "person": "p-1012", "status": "active"}]}`); r.status != 400 {
		t.Fatalf("a duplicate actor: %d %s", r.status, r.raw)
	}
	first := a.do("POST", "/v1/edits", coord, map[string]any{"base_version": 1, "edits": []any{move}}, "Idempotency-Key", "k")
	if first.status != 200 {
		t.Fatalf("first: %d %s", first.status, first.raw)
	}
	other := a.do("POST", "/v1/edits", coord, map[string]any{"base_version": 2, "edits": []any{move}}, "Idempotency-Key", "k")
	if other.status != 422 || other.code() != "idempotency_key_reused" {
		t.Fatalf("the key with another batch: %d %s", other.status, other.raw)
	}
	// another caller's key of the same name is theirs
	mine := a.do("POST", "/v1/edits", token(t, "p-2003"), map[string]any{"base_version": 0, "edits": []any{map[string]any{"op": "set_reports_to", "agency": "ag-sta", "person": "p-2003", "managers": []string{}}}}, "Idempotency-Key", "k")
	if mine.status != 200 || mine.body["version"] != "d0~ag-alb.2~ag-sta.1" {
		t.Fatalf("p-2003's own key k: %d %s", mine.status, mine.raw)
	}
	// each coordinator's log shows only the edits of their agency
	albLog := a.do("GET", "/v1/log", token(t, "p-1005"), nil)
	staLog := a.do("GET", "/v1/log", token(t, "p-2004"), nil)
	entries := func(r reply) string { b, _ := json.Marshal(r.body["entries"]); return string(b) }
	if n := len(albLog.body["entries"].([]any)); n != 2 || strings.Contains(entries(albLog), "ag-sta") {
		t.Fatalf("ag-alb's log: %s", albLog.raw)
	}
	if n := len(staLog.body["entries"].([]any)); n != 1 || strings.Contains(entries(staLog), "ag-alb") {
		t.Fatalf("ag-sta's log: %s", staLog.raw)
	}
	// ?since= is a token: the batches after the state it names
	if r := a.do("GET", "/v1/log?since="+mine.body["version"].(string), token(t, "p-admin"), nil); len(r.body["entries"].([]any)) != 0 {
		t.Fatalf("the log since the newest state: %s", r.raw)
	}
	if r := a.do("GET", "/v1/log?since=d0~ag-alb.2&agency=ag-sta", token(t, "p-admin"), nil); len(r.body["entries"].([]any)) != 1 {
		t.Fatalf("St. Anne's log since ag-alb's second batch: %s", r.raw)
	}
	// lint is cut to the coordinator's agency, not emptied
	all := len(a.do("GET", "/v1/lint", token(t, "p-admin"), nil).body["findings"].([]any))
	alb := len(a.do("GET", "/v1/lint", coord, nil).body["findings"].([]any))
	if alb == 0 || alb >= all {
		t.Fatalf("lint: %d findings for ag-alb of %d", alb, all)
	}
}

// Seeding: only the configured administrator, only into an empty store.
func TestSeed(t *testing.T) {
	store, _ := edge.NewMemoryStore(nil, func() time.Time { return clock })
	srv := httptest.NewServer(edge.New(edge.Config{Store: store, Secret: secret, SeedAdmin: "p-admin", Now: func() time.Time { return clock }}))
	defer srv.Close()
	a := &api{t: t, srv: srv, store: store}
	data, _ := os.ReadFile("../../fixtures/example/snapshot.json")
	if r := a.do("GET", "/v1/snapshot", token(t, "p-admin"), nil); r.status != 503 || r.code() != "no_snapshot" {
		t.Fatalf("an empty store: %d %s", r.status, r.raw)
	}
	if r := a.do("PUT", "/v1/snapshot", token(t, "p-1012"), data); r.status != 403 {
		t.Fatalf("a worker seeding: %d %s", r.status, r.raw)
	}
	if r := a.do("PUT", "/v1/snapshot", token(t, "p-admin"), data); r.status != 200 {
		t.Fatalf("the seeding administrator: %d %s", r.status, r.raw)
	}
	if r := a.do("PUT", "/v1/snapshot", token(t, "p-admin"), data); r.status != 409 {
		t.Fatalf("seeding twice: %d %s", r.status, r.raw)
	}
}

// Odd paths, and a search whose list changed between pages.
func TestOddRequests(t *testing.T) {
	a := newAPI(t)
	for _, p := range []string{"/%25zz", "/v1/%7f", "/access/v1/evaluation/../x"} {
		if r := a.do("GET", p, "", nil); r.status != 404 && r.status != 405 && r.status != 400 {
			t.Errorf("%s: %d %s", p, r.status, r.raw)
		}
	}
	svc := token(t, "service:pep")
	q := map[string]any{"subject": map[string]any{"type": "user"}, "action": map[string]any{"name": "read"}, "resource": map[string]any{"type": "page", "id": "pg-alb-org"}, "page": map[string]any{"limit": 3}}
	first := a.do("POST", "/access/v1/search/subject", svc, q)
	next := first.body["page"].(map[string]any)["next_token"].(string)
	a.do("POST", "/v1/edits", token(t, "p-1003"), map[string]any{"base_version": 0, "edits": []any{map[string]any{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": "u-alb-fc1"}}})
	q["page"] = map[string]any{"limit": 3, "token": next}
	if r := a.do("POST", "/access/v1/search/subject", svc, q); r.status != 400 || r.code() != "search_changed" {
		t.Fatalf("a page after an edit: %d %s", r.status, r.raw)
	}
}

// A token verified once is remembered only for the window it is valid in.
func TestRememberedTokensStillExpire(t *testing.T) {
	data, _ := os.ReadFile("../../fixtures/example/snapshot.json")
	store, _ := edge.NewMemoryStore(data, func() time.Time { return clock })
	now := clock
	srv := httptest.NewServer(edge.New(edge.Config{Store: store, Secret: secret, Now: func() time.Time { return now }}))
	defer srv.Close()
	a := &api{t: t, srv: srv, store: store}
	tok, _ := edge.Token(secret, "p-1003", clock, 10*time.Minute)
	if r := a.do("GET", "/v1/me", tok, nil); r.status != 200 {
		t.Fatalf("a fresh token: %d %s", r.status, r.raw)
	}
	now = clock.Add(11 * time.Minute)
	if r := a.do("GET", "/v1/me", tok, nil); r.status != 401 {
		t.Fatalf("the same token after it expired: %d %s", r.status, r.raw)
	}
}
