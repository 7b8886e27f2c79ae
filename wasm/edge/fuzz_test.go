package edge_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/connsec/connsec/wasm/edge"
)

// FuzzRequests sends any body to every route that reads one, on a handler over the whole model
// and on one over Shards: the API never panics, answers in the shapes openapi.json describes
// with the same status from either reader, and a refused request changes nothing.
func FuzzRequests(f *testing.F) {
	data, err := os.ReadFile("../../fixtures/example/snapshot.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		`{"subject":{"type":"user","id":"p-1003"},"action":{"name":"read"},"resource":{"type":"page","id":"pg-alb-org"}}`,
		`{"evaluations":[{}],"options":{"evaluations_semantic":"deny_on_first_deny"}}`,
		`{"action":{"name":"read"},"resource":{"type":"page","id":"pg-alb-org"},"page":{"limit":3,"token":"ZDA6Mw"}}`,
		`{"base_version":0,"edits":[{"op":"move_staff","agency":"ag-alb","person":"p-1012","unit":"u-alb-fc1"}]}`,
		`{"actor":"p-1003","actor":"x"}`, `[]`, `{`, `{"subject":7}`, "",
	} {
		for route := range 6 {
			f.Add(route, seed)
		}
	}
	routes := []string{"/access/v1/evaluation", "/access/v1/evaluations", "/access/v1/search/subject",
		"/access/v1/search/resource", "/access/v1/search/action", "/v1/edits"}
	clock := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	tok, _ := edge.Token(secret, "p-1003", clock, time.Hour)
	f.Fuzz(func(t *testing.T, route int, body string) {
		path := routes[(route%len(routes)+len(routes))%len(routes)]
		status := map[string]int{}
		for _, reader := range []string{"whole", "shards"} { // the AuthZEN routes read the Store's model, or Shards
			store, _ := edge.NewMemoryStore(data, func() time.Time { return clock })
			cfg := edge.Config{Store: store, Secret: secret, Now: func() time.Time { return clock }}
			if reader == "shards" {
				cfg.Shards = &edge.Shards{Source: store}
			}
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			edge.New(cfg).ServeHTTP(w, req)
			status[reader] = w.Code
			if w.Code == http.StatusInternalServerError {
				t.Fatalf("%s %q (%s): 500 %s", path, body, reader, w.Body)
			}
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Fatalf("%s %q (%s): answered %q", path, body, reader, w.Header().Get("Content-Type"))
			}
			if err := conforms(http.MethodPost, path, w.Code, w.Header(), w.Body.Bytes()); err != nil {
				t.Fatalf("%s %q (%s): %v", path, body, reader, err)
			}
			if v, _ := store.Versions(); w.Code != http.StatusOK && v.String() != "d0" {
				t.Fatalf("%s %q (%s): refused (%d) but the state moved to %s", path, body, reader, w.Code, v)
			}
		}
		if status["whole"] != status["shards"] {
			t.Fatalf("%s %q: the whole model answered %d, Shards %d", path, body, status["whole"], status["shards"])
		}
	})
}
