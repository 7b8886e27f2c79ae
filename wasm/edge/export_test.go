package edge_test

import (
	"bytes"
	"context"
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

	"github.com/tidwall/gjson"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
	"github.com/connsec/connsec/wasm/edge"
)

// The administrator's export (SPEC §10, export.go): GET /v1/snapshot over Shards writes the
// head and each agency's object as the writer sends them, and the bytes are the whole
// model's Snapshot of the state its ETag names, after edits of agencies and of the directory
// too, and when a writer moves on mid-export.

// exportAPI is a handler over Shards on a Ledger holding data; its coordinator routes read a
// Reader whose whole-state loads are counted (an export must make none).
type exportAPI struct {
	*api
	ledger *edge.Ledger
	source *movingSource
	loads  int
	now    time.Time
}

func newExportAPI(t *testing.T, data []byte) *exportAPI {
	t.Helper()
	e := &exportAPI{now: clock}
	now := func() time.Time { return e.now }
	ledger, err := edge.NewMemoryStore(data, now)
	if err != nil {
		t.Fatal(err)
	}
	e.ledger, e.source = ledger, &movingSource{Ledger: ledger}
	reader := &edge.Reader{Source: ledger, Fresh: time.Hour, Now: now, Loaded: func() { e.loads++ }}
	srv := httptest.NewServer(edge.New(edge.Config{Store: reader, Shards: &edge.Shards{Source: e.source, Now: now}, Secret: secret, Now: now}))
	t.Cleanup(srv.Close)
	e.api = &api{t: t, srv: srv, store: ledger}
	return e
}

// movingSource is the Ledger as the readers' source, with a hook run before each piece of an
// export is handed over: a writer that moves on mid-export.
type movingSource struct {
	*edge.Ledger
	mu     sync.Mutex
	before func(piece string)
}

func (s *movingSource) hook(piece string) {
	s.mu.Lock()
	f := s.before
	s.mu.Unlock()
	if f != nil {
		f(piece)
	}
}

func (s *movingSource) ExportHead(ctx context.Context, at edge.Versions) (*edge.ExportHead, error) {
	s.hook("head")
	return s.Ledger.ExportHead(ctx, at)
}

func (s *movingSource) ExportAgency(ctx context.Context, agency string, at edge.Versions) (io.ReadCloser, error) {
	s.hook(agency)
	return s.Ledger.ExportAgency(ctx, agency, at)
}

// export asks for the whole state as who, and returns the body, its token and the error of
// reading it (a body cut short of its Content-Length is io.ErrUnexpectedEOF).
func (e *exportAPI) export(who string) (status int, body []byte, versions string, err error) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/v1/snapshot", nil)
	req.Header.Set("Authorization", "Bearer "+token(e.t, who))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err = io.ReadAll(res.Body)
	if err == nil && res.StatusCode == 200 && res.Header.Get("ETag") != `"`+res.Header.Get("X-Connsec-Versions")+`"` {
		e.t.Errorf("the export's ETag %s does not name its versions %s", res.Header.Get("ETag"), res.Header.Get("X-Connsec-Versions"))
	}
	return res.StatusCode, body, res.Header.Get("X-Connsec-Versions"), err
}

// same reports where two documents first differ.
func same(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	at := 0
	for at < min(len(got), len(want)) && got[at] == want[at] {
		at++
	}
	t.Fatalf("%s: %d bytes, the whole model's Snapshot %d; they first differ at byte %d: %q ≠ %q", what, len(got), len(want), at,
		clip(string(got[at:min(at+80, len(got))])), clip(string(want[at:min(at+80, len(want))])))
}

func admin(t *testing.T, m *evaluator.Model) string {
	for _, p := range m.IDs("person") {
		if st, _ := m.Standing(p); st.Administrator {
			return p
		}
	}
	t.Fatal("the snapshot has no administrator")
	return ""
}

// orgPages are the agencies' organization pages, which have security of their own.
func orgPages(m *evaluator.Model) []string {
	var out []string
	for _, id := range gjson.GetBytes(m.Snapshot(), `agencies.#.pages.#(kind=="organization").id`).Array() {
		out = append(out, id.Str)
	}
	return out
}

func generated(t *testing.T, o gen.Options) []byte {
	data, err := gen.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// submit applies a batch to the writer, which must accept it.
func submit(t *testing.T, l *edge.Ledger, actor, edits string) {
	t.Helper()
	a, err := l.Submit(context.Background(), []byte(fmt.Sprintf(`{"actor": %q, "edits": [%s]}`, actor, edits)), "")
	if err != nil || a.Status != 200 {
		t.Fatalf("the batch %s: %v %s", edits, err, a.Body)
	}
}

// The export of generated multi-agency snapshots — as generated, indented (so that the
// bytes between agencies are white space of their own), and after edits of two agencies, an
// added person and a new agency — is the whole model's Snapshot byte for byte, with its token;
// the reader never loads the whole state for it.
func TestExportIsTheWholeSnapshot(t *testing.T) {
	state := stateSnapshot(t)
	var indented bytes.Buffer
	json.Indent(&indented, generated(t, gen.Options{Agencies: 5, Staff: 200, Pages: 600, Seed: 4}), "", "  ")
	for name, data := range map[string][]byte{
		"7 agencies":              generated(t, gen.Options{Agencies: 7, Staff: 350, Pages: 1400, Seed: 11}),
		"5 agencies, indented":    indented.Bytes(),
		"the state profile × .02": state,
	} {
		t.Run(name, func(t *testing.T) {
			e := newExportAPI(t, data)
			m, _, _ := e.ledger.Model(context.Background(), edge.Versions{})
			who := admin(t, m)
			status, body, tok, err := e.export(who)
			if status != 200 || err != nil || tok != "d0" {
				t.Fatalf("the export: %d %v token %q", status, err, tok)
			}
			same(t, "the export of the seed", body, data)
			agencies := m.IDs("agency")
			page := orgPages(m)[len(agencies)-1]
			submit(t, e.ledger, who, fmt.Sprintf(`{"op": "set_security", "page": %q, "entries": [{"principal": "user:%s", "role": "reader"}]}`, page, who))
			submit(t, e.ledger, who, fmt.Sprintf(`{"op": "set_org_roles", "agency": %q, "editors": [%q], "leaders": []}`, agencies[0], who))
			submit(t, e.ledger, who, fmt.Sprintf(`{"op": "add_staff", "agency": %q, "person": "p-export-new", "name": "Nia Export", "nt_account": "nexport"}`, agencies[1]))
			submit(t, e.ledger, who, `{"op": "create_agency", "agency": {"id": "ag-export", "name": "Northside Family Services"}, "org_page": {"id": "pg-export-org", "title": "Northside Family Services"}}`)
			m, v, _ := e.ledger.Model(context.Background(), edge.Versions{})
			status, body, tok, err = e.export(who)
			if status != 200 || err != nil || tok != v.String() {
				t.Fatalf("the export after edits: %d %v token %q, the writer is at %s", status, err, tok, v)
			}
			same(t, "the export after edits", body, m.Snapshot())
			if !bytes.Contains(body, []byte(`"p-export-new"`)) || !bytes.Contains(body, []byte(`"ag-export"`)) {
				t.Fatal("the export lacks the person or the agency the edits added")
			}
			if e.loads != 0 {
				t.Fatalf("the reader loaded the whole state %d times for exports", e.loads)
			}
		})
	}
}

// Who may export stays as it was: an administrator gets the whole document, a coordinator
// their agency's view (the same bytes as the whole model's handler gives, ?agency= the same),
// a service, a worker and an unknown person 403; If-None-Match with the export's ETag is 304.
func TestWhoMayExport(t *testing.T) {
	e := newExportAPI(t, exampleSnapshot(t))
	whole := newAPI(t)
	for _, c := range []struct {
		who, path string
		status    int
	}{
		{"p-admin", "/v1/snapshot", 200}, {"p-admin", "/v1/snapshot?agency=ag-sta", 200},
		{"p-1003", "/v1/snapshot", 200}, {"p-1003", "/v1/snapshot?agency=ag-alb", 200}, {"p-1003", "/v1/snapshot?agency=ag-sta", 403},
		{"service:pep", "/v1/snapshot", 403}, {"p-1012", "/v1/snapshot", 403}, {"p-nobody", "/v1/snapshot", 403},
	} {
		got, want := e.do("GET", c.path, token(t, c.who), nil), whole.do("GET", c.path, token(t, c.who), nil)
		if got.status != c.status || want.status != c.status || !bytes.Equal(got.raw, want.raw) || got.header.Get("ETag") != want.header.Get("ETag") {
			t.Errorf("%s %s: %d %s, over the whole model %d %s", c.who, c.path, got.status, clip(string(got.raw)), want.status, clip(string(want.raw)))
		}
	}
	if r := e.do("GET", "/v1/snapshot", token(t, "p-admin"), nil, "If-None-Match", `"d0"`); r.status != 304 || len(r.raw) != 0 {
		t.Fatalf("If-None-Match with the export's ETag: %d %s", r.status, r.raw)
	}
	if e.loads != 0 { // a coordinator's view is read from their agency's shard
		t.Fatalf("the reader loaded the whole state %d times; neither an export nor an agency's view needs it", e.loads)
	}
}

// A writer that moves on mid-export does not mix two states into one document: moved after
// the head, or between two agencies, the export is the Snapshot of the state it began at, as
// its token says; moved between the directory index and the head, it begins again and is the
// newer state's. The state is kept for exports for a minute after its last piece: an export
// whose state was let go meanwhile stops short of its Content-Length, and the caller's client
// sees the body cut short.
func TestExportIsOfOneStateWhenTheWriterMovesOn(t *testing.T) {
	data := generated(t, gen.Options{Agencies: 6, Staff: 300, Pages: 1200, Seed: 5})
	e := newExportAPI(t, data)
	m, _, _ := e.ledger.Model(context.Background(), edge.Versions{})
	who, agencies, pages := admin(t, m), m.IDs("agency"), orgPages(m)
	edits := 0
	edit := func() {
		edits++
		submit(t, e.ledger, who, fmt.Sprintf(`{"op": "set_security", "page": %q, "entries": [{"principal": "user:%s", "role": "reader"}]}`, pages[edits*7%len(pages)], who))
		if edits%2 == 0 { // the directory moves too
			submit(t, e.ledger, who, fmt.Sprintf(`{"op": "create_agency", "agency": {"id": "ag-moved-%d", "name": "Moved %d"}, "org_page": {"id": "pg-moved-%d", "title": "Moved %d"}}`, edits, edits, edits, edits))
		}
	}
	for _, moveAt := range []string{agencies[0], agencies[3], agencies[5]} {
		before, v, _ := e.ledger.Model(context.Background(), edge.Versions{})
		want := before.Snapshot()
		e.source.before = func(piece string) {
			if piece == moveAt {
				edit()
			}
		}
		status, body, tok, err := e.export(who)
		if status != 200 || err != nil || tok != v.String() {
			t.Fatalf("moved at %s: %d %v, token %q of the state %s it began at", moveAt, status, err, tok, v)
		}
		same(t, "the export during which the writer moved on at "+moveAt, body, want)
		if now, _, _ := e.ledger.Model(context.Background(), edge.Versions{}); bytes.Equal(now.Snapshot(), want) {
			t.Fatal("the writer did not move on: the test tests nothing")
		}
	}
	moved := false
	e.source.before = func(piece string) {
		if piece == "head" && !moved {
			moved = true
			edit()
		}
	}
	status, body, tok, err := e.export(who)
	after, v, _ := e.ledger.Model(context.Background(), edge.Versions{})
	if !moved || status != 200 || err != nil || tok != v.String() {
		t.Fatalf("moved before the head: %d %v, token %q, the writer is at %s", status, err, tok, v)
	}
	same(t, "the export begun again after the writer moved before its head", body, after.Snapshot())

	e.source.before = func(piece string) {
		if piece == agencies[2] {
			e.now = e.now.Add(2 * time.Minute)
			edit()
			edit() // the next export's state is cut; the one being read is let go
			if _, err := e.ledger.ExportHead(context.Background(), mustNewest(t, e.ledger)); err != nil {
				t.Fatal(err)
			}
		}
	}
	status, body, _, err = e.export(who)
	if status != 200 || err != io.ErrUnexpectedEOF || len(body) == 0 || json.Valid(body) {
		t.Fatalf("an export whose state was let go: %d, %d bytes, %v; want it cut short", status, len(body), err)
	}
}

func mustNewest(t *testing.T, l *edge.Ledger) edge.Versions {
	v, _, err := l.Newest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The head travels in a binary form that reads back as written, and whose every cut or
// changed byte is an error or another head, never a panic.
func TestExportHeadCodec(t *testing.T) {
	l, err := edge.NewMemoryStore(generated(t, gen.Options{Agencies: 4, Staff: 120, Pages: 300, Seed: 2}), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	v := mustNewest(t, l)
	h, err := l.ExportHead(context.Background(), v)
	if err != nil || len(h.Agencies) != 4 {
		t.Fatalf("the head: %v %v", h, err)
	}
	raw, _ := h.MarshalBinary()
	var back edge.ExportHead
	if err := back.UnmarshalBinary(raw); err != nil {
		t.Fatal(err)
	}
	again, _ := back.MarshalBinary()
	if !bytes.Equal(raw, again) || back.Length() != h.Length() {
		t.Fatal("the head does not read back as written")
	}
	for i := range raw {
		var cut edge.ExportHead
		if cut.UnmarshalBinary(raw[:i]) == nil {
			t.Fatalf("a head cut at byte %d of %d reads", i, len(raw))
		}
		bad := append([]byte(nil), raw...)
		bad[i] ^= 0xff
		cut.UnmarshalBinary(bad)
	}
	if _, err := l.ExportHead(context.Background(), v.With(edge.Shard{}, 7)); err != edge.ErrExportMoved {
		t.Fatalf("the head of a state the writer never had: %v", err)
	}
	if _, err := l.ExportAgency(context.Background(), "ag-none", v); err == nil || !strings.Contains(err.Error(), "no agency ag-none") {
		t.Fatalf("an agency the state lacks: %v", err)
	}
}

func exampleSnapshot(t *testing.T) []byte {
	data, err := os.ReadFile("../../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The writers of their own shards (the native server's store) export as the Ledger does: the
// bytes of the whole state they compose, after edits of two agencies.
func TestWritersExportIsTheWholeSnapshot(t *testing.T) {
	data := generated(t, gen.Options{Agencies: 4, Staff: 160, Pages: 500, Seed: 6})
	w, err := edge.NewMemoryWriters(data, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return clock }
	srv := httptest.NewServer(edge.New(edge.Config{Store: w, Shards: &edge.Shards{Source: w, Now: now}, Secret: secret, Now: now}))
	t.Cleanup(srv.Close)
	e := &exportAPI{api: &api{t: t, srv: srv, store: w}}
	m, _, _ := w.Model(context.Background(), edge.Versions{})
	who := admin(t, m)
	agencies := m.IDs("agency")
	for i, page := range orgPages(m)[:2] {
		a, err := w.Submit(context.Background(), []byte(fmt.Sprintf(`{"actor": %q, "edits": [{"op": "set_security", "page": %q, "entries": [{"principal": "user:%s", "role": "reader"}]}]}`, who, page, who)), "")
		if err != nil || a.Status != 200 {
			t.Fatalf("the batch on %s: %v %s", agencies[i], err, a.Body)
		}
	}
	status, body, tok, err := e.export(who)
	whole, v, _ := w.Whole()
	if status != 200 || err != nil || tok != v.String() {
		t.Fatalf("the export: %d %v token %q, the writers are at %s", status, err, tok, v)
	}
	same(t, "the writers' export", body, whole)
}

// The whole state the Writers compose is the Ledger's document byte for byte after batches of
// agencies and of the directory (a create_agency once lost the document's final newline),
// so the native server's export is the worker's.
func TestWritersWholeIsTheLedgersDocument(t *testing.T) {
	data := generated(t, gen.Options{Agencies: 4, Staff: 160, Pages: 500, Seed: 6})
	w, _ := edge.NewMemoryWriters(data, func() time.Time { return clock })
	l, _ := edge.NewMemoryStore(data, func() time.Time { return clock })
	m, _, _ := l.Model(context.Background(), edge.Versions{})
	who := admin(t, m)
	ag := m.IDs("agency")
	orgs := orgPages(m)
	for _, e := range []string{
		fmt.Sprintf(`{"op": "set_security", "page": %q, "entries": [{"principal": "user:%s", "role": "reader"}]}`, orgs[1], who),
		fmt.Sprintf(`{"op": "add_staff", "agency": %q, "person": "p-export-new", "name": "Nia Export", "nt_account": "nexport"}`, ag[2]),
		`{"op": "create_agency", "agency": {"id": "ag-export", "name": "Northside Family Services"}, "org_page": {"id": "pg-export-org", "title": "Northside Family Services"}}`,
	} {
		b := []byte(fmt.Sprintf(`{"actor": %q, "edits": [%s]}`, who, e))
		a1, _ := w.Submit(context.Background(), b, "")
		a2, _ := l.Submit(context.Background(), b, "")
		if a1.Status != 200 || a2.Status != 200 {
			t.Fatalf("%s: writers %d %s, ledger %d %s", e, a1.Status, a1.Body, a2.Status, a2.Body)
		}
		ww, _, _ := w.Whole()
		ls := l.Snapshot()
		same(t, "the writers' whole state after "+e[:30], ww, ls)
	}
}
