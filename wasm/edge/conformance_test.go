package edge_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connsec/connsec/wasm/edge"
)

// conformanceCase is one case of testdata/conformance.json: AuthZEN 1.0 as the OpenID
// Foundation's conformance suite tests it, written once and run here over httptest and in
// workerd by wasm/worker/test/edge.test.mjs. The file says what each expectation means.
type conformanceCase struct {
	Name        string          `json:"name"`
	Path        string          `json:"path"`
	Method      string          `json:"method"`
	Token       string          `json:"token"`
	ContentType *string         `json:"content_type"`
	Body        json.RawMessage `json:"body"`
	Raw         *string         `json:"raw"`
	Expect      struct {
		Status        json.RawMessage     `json:"status"`
		Match         json.RawMessage     `json:"match"`
		Absent        []string            `json:"absent"`
		Keys          []string            `json:"keys"`
		FirstKey      string              `json:"first_key"`
		Nonempty      []string            `json:"nonempty"`
		Every         map[string]any      `json:"every"`
		EveryHas      map[string][]string `json:"every_has"`
		EchoRequestID bool                `json:"echo_request_id"`
		WWWAuth       bool                `json:"www_authenticate"`
		SameBytes     bool                `json:"same_bytes"`
		Paginate      bool                `json:"paginate"`
		NoEmptyValues bool                `json:"no_empty_values"`
	} `json:"expect"`
}

func loadConformance(t *testing.T) []conformanceCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []conformanceCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Cases
}

// The corpus is run on both readers: the whole model, and Shards.
func TestConformance(t *testing.T) {
	t.Run("whole", func(t *testing.T) { conformance(t, newAPI(t)) })
	t.Run("shards", func(t *testing.T) { conformance(t, newShardedAPI(t)) })
}

func conformance(t *testing.T, a *api) {
	tokens := map[string]string{"": token(t, "service:pep"), "service": token(t, "service:pep"), "none": ""}
	tokens["invalid"], _ = edge.Token([]byte("another-secret-of-16-bytes-plus"), "service:pep", clock.Add(-time.Minute), time.Hour)
	for _, c := range loadConformance(t) {
		t.Run(c.Name, func(t *testing.T) {
			send := func(body []byte) reply {
				method := c.Method
				if method == "" {
					method = "POST"
				}
				headers := []string{"X-Request-ID", "conformance-check-1"}
				ct := "application/json"
				if c.ContentType != nil {
					ct = *c.ContentType
				}
				if ct != "" && (body != nil || method != "GET") {
					headers = append(headers, "Content-Type", ct)
				}
				var b any
				if body != nil {
					b = body
				}
				a.t = t
				return a.do(method, c.Path, tokens[c.Token], b, headers...)
			}
			var body []byte
			if c.Raw != nil {
				body = []byte(*c.Raw)
			} else if c.Body != nil {
				body = c.Body
			}
			r := send(body)
			for _, p := range judge(c, r) {
				t.Error(p)
			}
			if c.Expect.SameBytes {
				if again := send(body); !bytes.Equal(again.raw, r.raw) {
					t.Errorf("the same request answered other bytes:\n%s\n%s", r.raw, again.raw)
				}
			}
			if c.Expect.Paginate {
				for _, p := range paginate(r, body, send) {
					t.Error(p)
				}
			}
		})
	}
}

// judge lists what the answer gets wrong.
func judge(c conformanceCase, r reply) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	var statuses []int
	if json.Unmarshal(c.Expect.Status, &statuses) != nil {
		var one int
		json.Unmarshal(c.Expect.Status, &one)
		statuses = []int{one}
	}
	if !slices.Contains(statuses, r.status) {
		bad("status %d, want %v: %s", r.status, statuses, r.raw)
		return out
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		bad("Content-Type %q, want application/json", r.header.Get("Content-Type"))
	}
	if r.status >= 400 {
		if e, _ := r.body["error"].(map[string]any); e == nil || e["code"] == "" || e["message"] == "" {
			bad("an error answer without error.code and error.message: %s", r.raw)
		}
	}
	if c.Expect.EchoRequestID && r.header.Get("X-Request-ID") != "conformance-check-1" {
		bad("X-Request-ID %q, want it echoed", r.header.Get("X-Request-ID"))
	}
	if c.Expect.WWWAuth && r.header.Get("WWW-Authenticate") == "" {
		bad("no WWW-Authenticate")
	}
	if c.Expect.Match != nil {
		var want any
		json.Unmarshal(c.Expect.Match, &want)
		if p := matches("", want, any(r.body)); p != "" {
			bad("%s in %s", p, r.raw)
		}
	}
	for _, k := range c.Expect.Absent {
		if _, has := r.body[k]; has {
			bad("the answer has %q: %s", k, r.raw)
		}
	}
	for _, k := range c.Expect.Keys {
		if _, has := r.body[k]; !has {
			bad("the answer lacks %q: %s", k, r.raw)
		}
	}
	if c.Expect.FirstKey != "" && !bytes.HasPrefix(r.raw, []byte(`{"`+c.Expect.FirstKey+`"`)) {
		bad("%q is not the first member: %s", c.Expect.FirstKey, r.raw)
	}
	for _, k := range c.Expect.Nonempty {
		if l, _ := r.body[k].([]any); len(l) == 0 {
			bad("%s is empty: %s", k, r.raw)
		}
	}
	for k, want := range c.Expect.Every {
		l, _ := r.body[k].([]any)
		for i, x := range l {
			if p := matches(fmt.Sprintf("%s[%d]", k, i), want, x); p != "" {
				bad("%s", p)
			}
		}
	}
	for k, members := range c.Expect.EveryHas {
		l, _ := r.body[k].([]any)
		for i, x := range l {
			o, _ := x.(map[string]any)
			for _, m := range members {
				if v, has := o[m]; !has || v == "" {
					bad("%s[%d] lacks %s", k, i, m)
				}
			}
		}
	}
	if c.Expect.NoEmptyValues {
		for k, v := range r.body {
			if v == nil || v == "" {
				bad("%s is null or empty", k)
			}
		}
	}
	return out
}

// matches: objects have at least the wanted members, lists exactly the wanted items.
func matches(at string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s is not an object", at)
		}
		for k, v := range w {
			if p := matches(at+"."+k, v, g[k]); p != "" {
				return p
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s has %d items, want %d", at, len(g), len(w))
		}
		for i := range w {
			if p := matches(fmt.Sprintf("%s[%d]", at, i), w[i], g[i]); p != "" {
				return p
			}
		}
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			return fmt.Sprintf("%s is %v, want %v", at, got, want)
		}
	}
	return ""
}

// paginate follows page.next_token from the first answer to the end.
func paginate(first reply, body []byte, send func([]byte) reply) []string {
	var q map[string]any
	json.Unmarshal(body, &q)
	limit := 0
	if p, _ := q["page"].(map[string]any); p != nil {
		limit = int(p["limit"].(float64))
	}
	seen := map[string]bool{}
	r, total, n := first, -1, 0
	for pages := 0; ; pages++ {
		if r.status != 200 || pages > 1000 {
			return []string{fmt.Sprintf("page %d: %d %s", pages+1, r.status, r.raw)}
		}
		page, _ := r.body["page"].(map[string]any)
		results, _ := r.body["results"].([]any)
		if page == nil || int(page["count"].(float64)) != len(results) || (limit > 0 && len(results) > limit) {
			return []string{fmt.Sprintf("page %d: count does not match its results or the limit: %s", pages+1, r.raw)}
		}
		if total >= 0 && int(page["total"].(float64)) != total {
			return []string{fmt.Sprintf("page %d: total changed: %s", pages+1, r.raw)}
		}
		total = int(page["total"].(float64))
		for _, x := range results {
			k := fmt.Sprint(x)
			if seen[k] {
				return []string{fmt.Sprintf("page %d repeats %s", pages+1, k)}
			}
			seen[k] = true
			n++
		}
		next, _ := page["next_token"].(string)
		if next == "" {
			break
		}
		q["page"] = map[string]any{"limit": limit, "token": next}
		b, _ := json.Marshal(q)
		r = send(b)
	}
	if n != total {
		return []string{fmt.Sprintf("the pages hold %d results, total says %d", n, total)}
	}
	return nil
}
