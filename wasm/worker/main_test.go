//go:build !(js && wasm)

package main

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/connsec/connsec/wasm/edge"
)

// The native server binds the loopback interface unless told otherwise.
func TestListenAddr(t *testing.T) {
	for _, c := range []struct{ addr, port, want string }{
		{"", "", "127.0.0.1:9900"},
		{"", "8123", "127.0.0.1:8123"},
		{":8123", "9999", ":8123"},
		{"0.0.0.0:80", "", "0.0.0.0:80"},
	} {
		if got := listenAddr(c.addr, c.port); got != c.want {
			t.Errorf("listenAddr(%q, %q) = %q, want %q", c.addr, c.port, got, c.want)
		}
	}
}

// The native server answers the AuthZEN routes from agency read models over its Writers: an
// evaluation loads the shard of the page's agency, and GET /v1/readers shows it.
func TestNativeServerReadsFromShards(t *testing.T) {
	secret := "native-test-secret-of-32-bytes!!"
	env := map[string]string{"CONNSEC_SNAPSHOT": "../../fixtures/example/snapshot.json", "CONNSEC_JWT_SECRET": secret}
	h, err := server(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	tok, err := edge.Token([]byte(secret), "service:pep", time.Now().Add(-time.Minute), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ask := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	ev := ask("POST", "/access/v1/evaluation", `{"subject": {"type": "user", "id": "p-2003"}, "action": {"name": "read"}, "resource": {"type": "page", "id": "pg-sta-org"}}`)
	if ev.Code != 200 || !strings.Contains(ev.Body.String(), `"decision":true`) {
		t.Fatalf("an evaluation: %d %s", ev.Code, ev.Body)
	}
	var st edge.ShardStats
	rd := ask("GET", "/v1/readers", "")
	if err := json.Unmarshal(rd.Body.Bytes(), &st); err != nil || rd.Code != 200 || st.Reader != "shards" || len(st.Models) != 1 || st.Models[0].Agency != "ag-sta" {
		t.Fatalf("GET /v1/readers: %d %s", rd.Code, rd.Body)
	}
	if _, err := server(func(k string) string { return map[string]string{"CONNSEC_SNAPSHOT": env["CONNSEC_SNAPSHOT"]}[k] }); err == nil {
		t.Fatal("a server without any way to check tokens was made")
	}
}
