package edge_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// openAPIDoc is openapi.json compiled once; every answer a test of this package receives is
// validated against the schema of its operation's response (api.do calls conforms), so the
// document cannot drift from the code.
var openAPIDoc struct {
	once     sync.Once
	err      error
	doc      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	schemas  map[string]*jsonschema.Schema
}

const openAPIURL = "https://connsec.example/openapi.json"

func loadOpenAPI() error {
	d := &openAPIDoc
	d.once.Do(func() {
		raw, err := os.ReadFile("openapi.json")
		if err != nil {
			d.err = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			d.err = err
			return
		}
		json.Unmarshal(raw, &d.doc)
		d.compiler = jsonschema.NewCompiler()
		d.compiler.DefaultDraft(jsonschema.Draft2020)
		d.compiler.AssertFormat()
		if d.err = d.compiler.AddResource(openAPIURL, doc); d.err != nil {
			return
		}
		d.schemas = map[string]*jsonschema.Schema{}
	})
	return d.err
}

// operation finds the path template of the document that path matches.
func operation(paths map[string]any, path string) (string, bool) {
	if _, ok := paths[path]; ok {
		return path, true
	}
	for tmpl := range paths {
		re := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(tmpl), `[^/]+`) + "$"
		if regexp.MustCompile(re).MatchString(path) {
			return tmpl, true
		}
	}
	return "", false
}

func pointer(parts ...string) string {
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
	}
	return "/" + strings.Join(parts, "/")
}

// conforms checks an answer against the document: the operation (by method and path; a
// path or method the document does not have answers 404 or 405), the response of its status
// (or default), the content type, and the body against that response's schema.
func conforms(method, path string, status int, header http.Header, body []byte) error {
	if err := loadOpenAPI(); err != nil {
		return err
	}
	d := &openAPIDoc
	paths := d.doc["paths"].(map[string]any)
	tmpl, found := operation(paths, strings.SplitN(path, "?", 2)[0])
	var op map[string]any
	if found {
		op, _ = paths[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	}
	if op == nil {
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return fmt.Errorf("%s %s is not in openapi.json but answered %d", method, path, status)
		}
		tmpl, method = "/access/v1/evaluation", "post" // any operation's default: the error shape
		op = paths[tmpl].(map[string]any)["post"].(map[string]any)
	}
	responses := op["responses"].(map[string]any)
	code := strconv.Itoa(status)
	if _, ok := responses[code]; !ok {
		code = "default"
	}
	res, ok := responses[code].(map[string]any)
	if !ok {
		return fmt.Errorf("%s %s answered %d, which openapi.json does not describe", method, tmpl, status)
	}
	content, _ := res["content"].(map[string]any)
	if content == nil {
		if len(body) > 0 {
			return fmt.Errorf("%s %s %d: openapi.json describes no body, got %s", method, tmpl, status, body)
		}
		return nil
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if _, ok := content[mt]; !ok {
		return fmt.Errorf("%s %s %d: Content-Type %q is not described", method, tmpl, status, mt)
	}
	if mt != "application/json" {
		return nil
	}
	loc := openAPIURL + "#" + pointer("paths", tmpl, strings.ToLower(method), "responses", code, "content", mt, "schema")
	d.mu.Lock()
	sch, ok := d.schemas[loc]
	if !ok {
		var err error
		if sch, err = d.compiler.Compile(loc); err != nil {
			d.mu.Unlock()
			return fmt.Errorf("openapi.json: %v", err)
		}
		d.schemas[loc] = sch
	}
	d.mu.Unlock()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s %d: the body is not JSON: %v", method, tmpl, status, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%s %s %d does not match openapi.json: %v\n%s", method, tmpl, status, err, body[:min(len(body), 600)])
	}
	return nil
}

// The document itself is served at /openapi.json and is valid as the tests read it.
func TestOpenAPIServed(t *testing.T) {
	a := newAPI(t)
	r := a.do("GET", "/openapi.json", "", nil)
	disk, _ := os.ReadFile("openapi.json")
	if r.status != 200 || !bytes.Equal(r.raw, disk) || r.body["openapi"] != "3.1.0" {
		t.Fatalf("/openapi.json: %d, %d bytes (the file has %d)", r.status, len(r.raw), len(disk))
	}
	// conforms must be able to fail: an answer that breaks the document is caught.
	bad := []byte(`{"decision": "yes", "context": {"version": 0}}`)
	if err := conforms("POST", "/access/v1/evaluation", 200, http.Header{"Content-Type": {"application/json"}}, bad); err == nil {
		t.Fatal("a decision that is not a boolean passed openapi.json")
	}
	if err := conforms("POST", "/access/v1/evaluation", 418, http.Header{"Content-Type": {"text/plain"}}, []byte("x")); err == nil {
		t.Fatal("an undescribed content type passed openapi.json")
	}
}
