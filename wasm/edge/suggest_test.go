package edge_test

import (
	"strings"
	"testing"
)

// POST /v1/suggest: the suggestions of the evaluator, for a person about themselves, a
// coordinator about their staff, an administrator about anyone; services may not ask.
func TestSuggest(t *testing.T) {
	a := newAPI(t)
	ask := map[string]any{"subject": "p-1012", "action": "manage_security", "resource": "page:pg-alb-dep-cpsi1"}
	r := a.do("POST", "/v1/suggest", token(t, "p-1012"), ask, "Content-Type", "application/json")
	if r.status != 200 {
		t.Fatalf("suggest: %d %s", r.status, r.raw)
	}
	list, _ := r.body["suggestions"].([]any)
	if len(list) == 0 || r.body["version"] == nil {
		t.Fatalf("no suggestions or no version: %s", r.raw)
	}
	first := list[0].(map[string]any)
	if !strings.Contains(first["summary"].(string), "add user:p-1012 (full)") {
		t.Errorf("the first suggestion is %s", first["summary"])
	}
	if r := a.do("POST", "/v1/suggest", token(t, "p-1003"), ask); r.status != 200 {
		t.Errorf("a coordinator about their staff: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/v1/suggest", token(t, "p-2003"), ask); r.status != 403 {
		t.Errorf("a coordinator of another agency: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/v1/suggest", token(t, "service:pep"), ask); r.status != 403 {
		t.Errorf("a service: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/v1/suggest", token(t, "p-1012"), map[string]any{"subject": "p-1012"}); r.status != 400 {
		t.Errorf("a body without action and resource: %d %s", r.status, r.raw)
	}
	allowed := map[string]any{"subject": "p-1012", "action": "read", "resource": "page:pg-alb-org"}
	if r := a.do("POST", "/v1/suggest", token(t, "p-1012"), allowed); r.status != 200 || len(r.body["suggestions"].([]any)) != 0 {
		t.Errorf("an allowed request: %d %s", r.status, r.raw)
	}
	if r := a.do("POST", "/v1/suggest", token(t, "p-1012"), map[string]any{"subject": "p-1012", "action": "read", "resource": "page:pg-none"}); r.status != 400 {
		t.Errorf("an unknown page: %d %s", r.status, r.raw)
	}
	// a refused edit names who could make it
	batch := map[string]any{"base_version": 0, "edits": []any{map[string]any{"op": "set_security", "page": "pg-alb-dep-cpsi1", "entries": []any{}}}}
	r = a.do("POST", "/v1/edits", token(t, "p-1012"), batch, "Idempotency-Key", "k-could")
	e, _ := r.body["error"].(map[string]any)
	could, _ := e["could"].([]any)
	if r.status != 403 || len(could) == 0 || could[0].(map[string]any)["person"] != "p-1010" {
		t.Errorf("a refused edit: %d %s", r.status, r.raw)
	}
}
