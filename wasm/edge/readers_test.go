package edge_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/connsec/connsec/wasm/edge"
)

// The differential test of the AuthZEN routes over Shards (README "The edge"): on the
// generated state profile at 0.02 (410 agencies; people with records in two agencies, one
// ended; entries naming people of other agencies), random evaluations, batches of every
// semantic and the three searches, from services, administrators, coordinators, the
// subjects themselves and other people, are sent to a handler that reads the whole model and
// to one configured with Shards over the same writer. Their statuses and bodies must be the
// same bytes, version tokens included; only an evaluation whose subject the answering shard
// does not keep may differ, and then only by its reasons (the directory's not_in_agency,
// RULES.md §10.3), with the whole's decision and level.
type httpDiff struct {
	*shardedDiff
	whole, sharded http.Handler
	tokens         map[string]string
	admins, coords []string
	coordOf        map[string][]string // agency → its coordinators
	requests       int
	notKept        int
	statuses       map[int]int
}

func newHTTPDiff(t *testing.T) *httpDiff {
	d := newShardedDiff(t, stateSnapshot(t), 1<<30)
	now := func() time.Time { return clock }
	h := &httpDiff{shardedDiff: d, tokens: map[string]string{}, statuses: map[int]int{}, coordOf: map[string][]string{},
		whole:   edge.New(edge.Config{Store: d.ledger, Secret: secret, Now: now}),
		sharded: edge.New(edge.Config{Store: d.ledger, Shards: d.shards, Secret: secret, Now: now})}
	for _, p := range d.people {
		st, _ := d.whole.Standing(p)
		if st.Administrator {
			h.admins = append(h.admins, p)
		}
		if len(st.Coordinates) > 0 {
			h.coords = append(h.coords, p)
		}
		for _, a := range st.Coordinates {
			h.coordOf[a] = append(h.coordOf[a], p)
		}
	}
	if len(h.admins) == 0 || len(h.coords) == 0 {
		t.Fatalf("the snapshot has %d administrators and %d coordinators: who may ask is not tested", len(h.admins), len(h.coords))
	}
	return h
}

// caller is whose token a request carries: a service, an administrator, a coordinator of an
// agency where the subject has a record, any coordinator, the subject, or anyone.
func (h *httpDiff) caller(subject string) string {
	sub := ""
	theirs := []string{}
	for _, a := range h.shardedDiff.whole.RecordsIn(subject) {
		theirs = append(theirs, h.coordOf[a]...)
	}
	switch x := h.rng.IntN(100); {
	case x < 35:
		sub = "service:pep"
	case x < 50:
		sub = h.pick(h.admins)
	case x < 65 && len(theirs) > 0:
		sub = h.pick(theirs)
	case x < 75:
		sub = h.pick(h.coords)
	case x < 90 && subject != "":
		sub = subject
	default:
		sub = h.pick(h.people)
	}
	tok, ok := h.tokens[sub]
	if !ok {
		tok = token(h.t, sub)
		h.tokens[sub] = tok
	}
	return tok
}

func (h *httpDiff) context() map[string]any {
	c := map[string]any{}
	if day := h.day(); day != "" {
		c["as_of"] = day
	}
	switch h.rng.IntN(40) {
	case 0:
		c["at_least_version"] = "d0"
	case 1:
		c["at_least_version"] = "d0~" + h.pick(h.agencies) + ".3" // no writer reached it
	case 2:
		c["at_least_version"] = "not a token"
	}
	if len(c) == 0 && h.rng.IntN(2) == 0 {
		return nil
	}
	return c
}

// target is a resource of an evaluation: a page, or a capability's unit, agency or person; now
// and then an id of another sort, or one the snapshot does not have.
func (h *httpDiff) target() (action string, resource map[string]any) {
	switch x := h.rng.IntN(100); {
	case x < 50:
		return h.pick(pageActions), map[string]any{"type": "page", "id": h.pick(h.pages)}
	case x < 62:
		return h.pick(h.caps), map[string]any{"type": "unit", "id": h.pick(h.units)}
	case x < 70:
		return h.pick(h.caps), map[string]any{"type": "agency", "id": h.pick(h.agencies)}
	case x < 97:
		return h.pick(h.caps), map[string]any{"type": "person", "id": h.person()}
	case x < 98:
		return "read", map[string]any{"type": "page", "id": h.pick(h.units)}
	case x < 99:
		return "read", map[string]any{"type": "page", "id": "pg-nowhere"}
	}
	return h.pick(h.caps), map[string]any{"type": "group", "id": h.pick(h.units)}
}

func user(id string) map[string]any { return map[string]any{"type": "user", "id": id} }

func (h *httpDiff) evaluation() map[string]any {
	action, res := h.target()
	q := map[string]any{"subject": user(h.person()), "action": map[string]any{"name": action}, "resource": res}
	if c := h.context(); c != nil {
		q["context"] = c
	}
	return q
}

func (h *httpDiff) evaluations() map[string]any {
	q := h.evaluation()
	var items []any
	for i, n := 0, 1+h.rng.IntN(6); i < n; i++ {
		it := map[string]any{}
		one := h.evaluation()
		for _, k := range []string{"subject", "action", "resource", "context"} {
			if one[k] != nil && h.rng.IntN(2) == 0 {
				it[k] = one[k]
			}
		}
		if h.rng.IntN(30) == 0 {
			it["resource"] = map[string]any{"type": "page"} // in error: no id
		}
		items = append(items, it)
	}
	q["evaluations"] = items
	if s := h.rng.IntN(4); s > 0 {
		q["options"] = map[string]any{"evaluations_semantic": []string{"", "execute_all", "deny_on_first_deny", "permit_on_first_permit"}[s]}
	}
	return q
}

func (h *httpDiff) search(kind string) map[string]any {
	action, res := h.target()
	q := map[string]any{"subject": user(h.person()), "action": map[string]any{"name": action}, "resource": res}
	switch kind {
	case "subject":
		q["subject"] = map[string]any{"type": "user"}
	case "resource":
		q["resource"] = map[string]any{"type": res["type"]}
	case "action":
		delete(q, "action")
	}
	if h.rng.IntN(3) == 0 {
		q["page"] = map[string]any{"limit": 1 + h.rng.IntN(20)}
	}
	if c := h.context(); c != nil {
		q["context"] = c
	}
	return q
}

// ask sends one request to both handlers and compares the answers; a page token is followed
// once, on both.
func (h *httpDiff) ask(path string, q map[string]any, tok string) {
	body, _ := json.Marshal(q)
	want, got := h.both("POST", path, body, tok, "Content-Type", "application/json")
	if want.Code != got.Code || !h.same(want.Body.Bytes(), got.Body.Bytes()) {
		h.differ("%s %s:\n whole  %d %s\n shards %d %s", path, body, want.Code, clip(want.Body.String()), got.Code, clip(got.Body.String()))
		return
	}
	var page struct {
		Page struct {
			Next string `json:"next_token"`
		} `json:"page"`
	}
	if json.Unmarshal(want.Body.Bytes(), &page) == nil && page.Page.Next != "" {
		next := map[string]any{"token": page.Page.Next}
		if p, ok := q["page"].(map[string]any); ok && p["token"] == nil {
			next["limit"] = p["limit"]
			q["page"] = next
			h.ask(path, q, tok)
		}
	}
}

// both sends one request, with the headers given as name, value pairs, to the handler over
// the whole model and to the one over Shards, and counts it.
func (h *httpDiff) both(method, path string, body []byte, tok string, header ...string) (want, got *httptest.ResponseRecorder) {
	send := func(to http.Handler) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("X-Request-ID", "diff")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		to.ServeHTTP(rec, req)
		return rec
	}
	want, got = send(h.whole), send(h.sharded)
	h.requests++
	h.statuses[want.Code]++
	return want, got
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// same: the same bytes, or the same answer but for the reasons of evaluations whose subject
// the shard does not keep.
func (h *httpDiff) same(want, got []byte) bool {
	if bytes.Equal(want, got) {
		return true
	}
	var w, g any
	if json.Unmarshal(want, &w) != nil || json.Unmarshal(got, &g) != nil {
		return false
	}
	var walk func(w, g any) bool
	walk = func(w, g any) bool {
		wm, ok1 := w.(map[string]any)
		gm, ok2 := g.(map[string]any)
		if !ok1 || !ok2 {
			return reflect.DeepEqual(w, g)
		}
		if list, ok := gm["evaluations"].([]any); ok {
			wl, _ := wm["evaluations"].([]any)
			if len(wl) != len(list) {
				return false
			}
			for i := range list {
				if !walk(wl[i], list[i]) {
					return false
				}
			}
			return true
		}
		gc, _ := gm["context"].(map[string]any)
		wc, _ := wm["context"].(map[string]any)
		reasons, _ := gc["reasons"].([]any)
		if len(reasons) != 1 || wc == nil || reasons[0].(map[string]any)["kind"] != "not_in_agency" || wm["decision"] != false {
			return reflect.DeepEqual(w, g)
		}
		h.notKept++
		delete(gc, "reasons")
		delete(wc, "reasons")
		return reflect.DeepEqual(w, g)
	}
	return walk(w, g)
}

func TestAuthZENOverShardsAnswersAsTheWhole(t *testing.T) {
	h := newHTTPDiff(t)
	asked := map[string]int{}
	for h.requests < 10000 {
		kind := ""
		switch x := h.rng.IntN(100); {
		case x < 40:
			kind = "evaluation"
			q := h.evaluation()
			h.ask("/access/v1/evaluation", q, h.caller(q["subject"].(map[string]any)["id"].(string)))
		case x < 60:
			kind = "evaluations"
			q := h.evaluations()
			h.ask("/access/v1/evaluations", q, h.caller(q["subject"].(map[string]any)["id"].(string)))
		default:
			kind = []string{"subject", "resource", "action"}[x%3]
			q := h.search(kind)
			subject, _ := q["subject"].(map[string]any)["id"].(string)
			h.ask("/access/v1/search/"+kind, q, h.caller(subject))
		}
		asked[kind]++
	}
	h.report()
	st := h.shards.Stats()
	t.Logf("%d requests over HTTP (%v; statuses %v), %d evaluations of subjects the shard does not keep; %d agency models loaded",
		h.requests, asked, h.statuses, h.notKept, st.Loads)
	if h.statuses[200] < h.requests/2 || h.statuses[400] == 0 || h.statuses[403] == 0 || h.notKept == 0 {
		t.Fatalf("the requests test too little: statuses %v, %d evaluations of subjects a shard does not keep", h.statuses, h.notKept)
	}
}

// newShardedAPI is the example's API with the AuthZEN routes answered from Shards.
func newShardedAPI(t *testing.T) *api {
	a := newAPI(t)
	a.srv.Close()
	now := func() time.Time { return clock }
	a.srv = httptest.NewServer(edge.New(edge.Config{Store: a.store, Shards: &edge.Shards{Source: a.store, Now: now},
		Secret: secret, SeedAdmin: "p-admin", Now: now, MaxBody: 64 << 10}))
	t.Cleanup(a.srv.Close)
	return a
}

// GET /v1/readers is for administrators and services: it reports the agency models an
// evaluation loaded and the memory; a coordinator, a worker and an unknown person get 403.
// Without Shards it reports the whole model's reader, with no agency models.
func TestReadersRoute(t *testing.T) {
	a := newAPI(t)
	whole, sharded := a.srv, newShardedAPI(t).srv
	if r := a.do("GET", "/v1/readers", token(t, "p-admin"), nil); r.status != 200 || r.body["reader"] != "whole" || len(r.body["models"].([]any)) != 0 || r.body["whole_model"] != true {
		t.Fatalf("the whole model's reader: %d %s", r.status, r.raw)
	}
	a.srv = sharded
	if r := a.do("POST", "/access/v1/evaluation", token(t, "service:pep"), eval("p-2003", "read", "page", "pg-sta-org")); r.status != 200 {
		t.Fatalf("an evaluation: %d %s", r.status, r.raw)
	}
	for _, who := range []string{"p-admin", "service:monitor"} {
		r := a.do("GET", "/v1/readers", token(t, who), nil)
		if r.status != 200 || r.body["reader"] != "shards" || r.body["loads"].(float64) != 1 || r.body["whole_model"] != false {
			t.Fatalf("%s: %d %s", who, r.status, r.raw)
		}
		models := r.body["models"].([]any)
		m := models[0].(map[string]any)
		if len(models) != 1 || m["agency"] != "ag-sta" || m["last_used"] != clock.Format(time.RFC3339) || m["estimated_bytes"].(float64) <= m["document_bytes"].(float64) {
			t.Fatalf("%s: the models held: %s", who, r.raw)
		}
		if mem := r.body["memory"].(map[string]any); mem["sys_bytes"].(float64) < mem["heap_alloc_bytes"].(float64) || mem["heap_alloc_bytes"].(float64) == 0 {
			t.Fatalf("%s: the memory: %s", who, r.raw)
		}
	}
	for _, who := range []string{"p-1003", "p-1012", "p-nobody"} { // a coordinator, a worker, no one
		r := a.do("GET", "/v1/readers", token(t, who), nil)
		if r.status != 403 || r.code() != "forbidden" || !strings.Contains(r.body["error"].(map[string]any)["message"].(string), "administrators and services") {
			t.Fatalf("%s: %d %s", who, r.status, r.raw)
		}
	}
	a.srv = whole
	if r := a.do("GET", "/v1/readers", token(t, "p-1003"), nil); r.status != 403 {
		t.Fatalf("a coordinator, on the whole model's reader: %d %s", r.status, r.raw)
	}
	if r := a.do("GET", "/v1/readers", "", nil); r.status != 401 {
		t.Fatalf("no token: %d %s", r.status, r.raw)
	}
}

// A reader over Shards that keeps its state for an hour still reads a caller's own write:
// an evaluation that sends back the token of an accepted batch is answered from the state
// the batch made, with that token as its version; without the token it may be answered from
// the state it holds, and says which.
func TestAuthZENOverShardsReadsItsWrites(t *testing.T) {
	a := newAPI(t)
	now := func() time.Time { return clock }
	a.srv.Close()
	a.srv = httptest.NewServer(edge.New(edge.Config{Store: a.store, Shards: &edge.Shards{Source: a.store, Fresh: time.Hour, Now: now}, Secret: secret, Now: now}))
	t.Cleanup(a.srv.Close)
	svc := token(t, "service:pep")
	ask := eval("p-1012", "edit", "page", "pg-alb-dep-fc1")
	if r := a.do("POST", "/access/v1/evaluation", svc, ask); r.status != 200 || r.body["decision"] != false {
		t.Fatalf("before the move: %d %s", r.status, r.raw)
	}
	moved := a.do("POST", "/v1/edits", token(t, "p-1003"), moveIn(0, "u-alb-fc1"))
	if moved.status != 200 {
		t.Fatalf("the move: %d %s", moved.status, moved.raw)
	}
	tok := moved.body["version"].(string)
	if r := a.do("POST", "/access/v1/evaluation", svc, ask); r.status != 200 || r.body["decision"] != false || r.body["context"].(map[string]any)["version"] != "d0" {
		t.Fatalf("without the token, from the state held: %d %s", r.status, r.raw)
	}
	ask["context"] = map[string]any{"at_least_version": tok}
	if r := a.do("POST", "/access/v1/evaluation", svc, ask); r.status != 200 || r.body["decision"] != true || r.body["context"].(map[string]any)["version"] != tok {
		t.Fatalf("with the move's token %s: %d %s", tok, r.status, r.raw)
	}
	batch := map[string]any{"evaluations": []any{eval("p-1012", "edit", "page", "pg-alb-dep-fc1"), eval("p-1012", "read", "page", "pg-alb-org")}}
	if r := a.do("POST", "/access/v1/evaluations", svc, batch); r.status != 200 || !strings.Contains(string(r.raw), `"version":"`+tok+`"`) || strings.Contains(string(r.raw), `"version":"d0"`) {
		t.Fatalf("a batch after the token was read: %d %s", r.status, r.raw)
	}
}

// GET /v1/writers?shard= reports the memory of the instance running one shard's writer, to
// the same callers as GET /v1/readers; natively the writers run in the server's process.
func TestWritersRoute(t *testing.T) {
	a := newAPI(t)
	for _, shard := range []string{"directory", "agency:ag-alb"} {
		r := a.do("GET", "/v1/writers?shard="+shard, token(t, "service:monitor"), nil)
		if r.status != 200 || r.body["writer"] != shard || r.body["apart"] != false || r.body["memory"].(map[string]any)["heap_alloc_bytes"].(float64) == 0 {
			t.Fatalf("%s: %d %s", shard, r.status, r.raw)
		}
	}
	for _, shard := range []string{"", "agency:", "ag-alb"} {
		if r := a.do("GET", "/v1/writers?shard="+shard, token(t, "p-admin"), nil); r.status != 400 || r.code() != "bad_request" || !strings.Contains(string(r.raw), "name the writer") {
			t.Fatalf("shard=%s: %d %s", shard, r.status, r.raw)
		}
	}
	if r := a.do("GET", "/v1/writers?shard=directory", token(t, "p-1003"), nil); r.status != 403 {
		t.Fatalf("a coordinator: %d %s", r.status, r.raw)
	}
}
