package edge

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/sjson"
)

func partsOf(t *testing.T, snapshot []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteParts(&b, snapshot); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// oneAgencyACut checks every agency in a cut of its own for the length of a test.
func oneAgencyACut(t *testing.T) {
	was := checkBudget
	checkBudget = 1
	t.Cleanup(func() { checkBudget = was })
}

func seedInPartsOf(t *testing.T, w *Writers, parts []byte) {
	t.Helper()
	if a, err := w.SeedParts(context.Background(), bytes.NewReader(parts), nil); err != nil || a.Status != 200 {
		t.Fatalf("seed in parts: %v %s", err, a.Body)
	}
}

// A seed in parts is the same first state as the whole snapshot seeded whole: natively (one
// writer per shard in one process), after a restart, and as objects of their own (the
// directory's object stages each agency and has its object start from it); the readers'
// index and shards equal the whole model's, and edits are then judged as on the whole seed.
func TestSeedInPartsIsTheWholeSeed(t *testing.T) {
	scaled := stateProfileAt002(t, 23)
	for name, snapshot := range map[string][]byte{"the example": exampleSnapshot(t), "the state profile at 0.02": scaled} {
		t.Run(name, func(t *testing.T) {
			oneAgencyACut(t)
			if name != "the example" {
				checkBudget = 256 << 10 // 410 agencies: a few dozen in each cut
			}
			parts := partsOf(t, snapshot)
			// the whole state is the parts' text: compacted, each part a line
			ls := lines(parts)
			compact, err := joinParts(ls[0], ls[1:])
			if err != nil {
				t.Fatal(err)
			}
			l, err := NewMemoryStore(compact, writersClock)
			if err != nil {
				t.Fatal(err)
			}
			journals := NewMemoryJournals()
			w := NewWriters(journals, writersClock)
			seedInPartsOf(t, w, parts)
			want, _, _ := l.State(context.Background())
			got, _, err := w.Whole()
			if err != nil {
				t.Fatal(err)
			}
			sameState(t, want, got)
			objs := newObjects()
			d, err := objs.object(Directory.String())
			if err != nil {
				t.Fatal(err)
			}
			seedInPartsOf(t, d, parts)
			// the directory's object starts from what its index read of each agency with the
			// lines: it reads each staged object once for its cut and once for its agency's
			// object, not a third time to start
			agencies := int64(len(ls) - 1)
			if n := objs.storage(Directory.String()).stagedReads.Load(); n > 2*agencies {
				t.Errorf("the seed read the %d staged agencies %d times; twice each is what it needs", agencies, n)
			}
			// and sent them from where they are staged: each cut, and each agency's birth
			if n := objs.parts.Load(); n < agencies+1 {
				t.Errorf("the seed sent %d bodies in parts, for %d agencies", n, agencies)
			}
			got, _ = objs.whole(t)
			sameState(t, want, got)
			if name != "the example" {
				return // every shard, and after restarts, on the example (the state's shards take long)
			}
			sameShardReads(t, l, w, "a seed in parts")
			again, err := RestoreWriters(journals, writersClock)
			if err != nil {
				t.Fatal(err)
			}
			sameShardReads(t, l, again, "a seed in parts, restarted")
			sameShardReads(t, l, d, "a seed in parts, in objects")
			objs.restart(Directory.String())
			if d, err = objs.object(Directory.String()); err != nil {
				t.Fatal(err)
			}
			sameShardReads(t, l, d, "a seed in parts, the directory's object restarted")
		})
	}
	// and edits after it: the objects' differential, seeded in parts
	snapshot := exampleSnapshot(t)
	objs := newObjects()
	d, err := objs.object(Directory.String())
	if err != nil {
		t.Fatal(err)
	}
	seedInPartsOf(t, d, partsOf(t, snapshot))
	f := objs.front(t)
	accepted, refused := 0, map[string]int{}
	sendAlike(t, 3, snapshot, func(raw []byte, key string) (Answer, error) { return f.Submit(context.Background(), raw, key) },
		func() ([]byte, Versions, error) { doc, v := objs.whole(t); return doc, v, nil }, onShard, &accepted, refused)
	if accepted == 0 {
		t.Fatal("no batch was accepted after a seed in parts")
	}
}

// refusedParts seeds parts into fresh writers and returns the refusal, failing when it was
// taken; the writers stay unseeded, and a good seed is taken after it.
func refusedParts(t *testing.T, parts []byte) error {
	t.Helper()
	oneAgencyACut(t)
	w := NewWriters(NewMemoryJournals(), writersClock)
	a, err := w.SeedParts(context.Background(), bytes.NewReader(parts), nil)
	if err == nil {
		t.Fatalf("the seed was taken: %d %s", a.Status, a.Body)
	}
	if _, seeded := w.Versions(); seeded {
		t.Fatalf("a refused seed left the writers seeded (%v)", err)
	}
	seedInPartsOf(t, w, partsOf(t, exampleSnapshot(t)))
	return err
}

func lines(parts []byte) [][]byte {
	return bytes.Split(bytes.TrimSuffix(parts, []byte("\n")), []byte("\n"))
}

func joinLines(ls [][]byte) []byte { return append(bytes.Join(ls, []byte("\n")), '\n') }

// A seed in parts that does not read, or whose state does not load, is refused and changes
// nothing; each problem names its line and the path within it.
func TestSeedInPartsRefusals(t *testing.T) {
	parts := partsOf(t, exampleSnapshot(t))
	ls := lines(parts)
	if len(ls) != 3 {
		t.Fatalf("the example in parts: %d lines", len(ls))
	}
	message := func(err error) string {
		var se *evaluator.SnapshotError
		if errors.As(err, &se) {
			var b strings.Builder
			for _, p := range se.Problems {
				b.WriteString(p.Path + " " + p.Code + " " + p.Message + "\n")
			}
			return b.String()
		}
		return err.Error()
	}
	agencyOn3, _ := sjson.SetBytes(ls[2], "pages.1.parent", "pg-nowhere")
	samePage, _ := sjson.SetBytes(ls[2], "pages.1.id", string(bytesOfPage(t, ls[1], 1)))
	withAgencies, _ := sjson.SetRawBytes(ls[0], "agencies", []byte(`[{"id":"ag-x"}]`))
	cases := []struct {
		name  string
		parts []byte
		want  []string
	}{
		{"nothing", nil, []string{"empty"}},
		{"line 1 is not JSON", joinLines([][]byte{[]byte("{nope"), ls[1], ls[2]}), []string{"line 1 of the snapshot is not valid JSON"}},
		{"line 1 holds agencies", joinLines([][]byte{withAgencies, ls[1], ls[2]}), []string{"line 1 of the snapshot holds agencies"}},
		{"line 3 is not an object", joinLines([][]byte{ls[0], ls[1], []byte(`[1]`)}), []string{"line 3 of the snapshot must be a JSON object"}},
		{"an agency twice", joinLines([][]byte{ls[0], ls[1], ls[1]}), []string{"line 3 of the snapshot is agency", "on line 2 already"}},
		{"an agency without an id", joinLines([][]byte{ls[0], ls[1], []byte(`{"name":"x"}`)}), []string{"line 3 of the snapshot is an agency without an id"}},
		{"a page's parent is nowhere", joinLines([][]byte{ls[0], ls[1], agencyOn3}), []string{"line 3: pages[1].parent"}},
		{"a page id held by two agencies", joinLines([][]byte{ls[0], ls[1], samePage}), []string{"duplicate_id"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := message(refusedParts(t, c.parts))
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("the refusal does not say %q:\n%s", w, got)
				}
			}
		})
	}
}

// bytesOfPage is the id of page i of an agency's line.
func bytesOfPage(t *testing.T, agency []byte, i int) []byte {
	var a struct {
		Pages []struct {
			ID string `json:"id"`
		} `json:"pages"`
	}
	if err := json.Unmarshal(agency, &a); err != nil || len(a.Pages) <= i {
		t.Fatalf("the agency's pages: %v", err)
	}
	return []byte(a.Pages[i].ID)
}

// A seed in parts is refused exactly when the snapshot whole does not load: random damage to
// the example (an id, a reference, a day, a role) is judged alike, checked one agency a cut,
// and alike again, problem for problem, when the directory's object has each cut loaded by the
// object of its agency.
func TestSeedInPartsRefusesAsTheWholeLoad(t *testing.T) {
	var checks int64
	snapshot := exampleSnapshot(t)
	paths := []string{
		"agencies.0.pages.2.parent", "agencies.1.pages.1.id", "agencies.0.units.0.id", "agencies.1.staff.0.person",
		"agencies.0.staff.1.unit", "agencies.1.pages.3.security.0.principal", "agencies.0.groups.0.id", "people.0.id",
		"agencies.0.staff.0.start", "agencies.1.pages.2.security.0.role", "agencies.0.pages.0.kind", "agencies.1.id",
	}
	values := []string{"pg-nowhere", "u-nowhere", "p-nowhere", "", "2026-13-40", "Sovereign", "ag-alb", "p-1003", "organization"}
	tried := 0
	for _, p := range paths {
		for _, v := range values {
			doc, err := sjson.SetBytes(bytes.Clone(snapshot), p, v)
			if err != nil {
				continue
			}
			_, wholeErr := evaluator.LoadForReading(doc)
			oneAgencyACut(t)
			w := NewWriters(NewMemoryJournals(), writersClock)
			_, partsErr := w.SeedParts(context.Background(), bytes.NewReader(partsOf(t, doc)), nil)
			if (wholeErr == nil) != (partsErr == nil) {
				t.Errorf("%s = %q: loaded whole: %v; in parts: %v", p, v, wholeErr, partsErr)
			}
			o := newObjects()
			d, err := o.object(Directory.String())
			if err != nil {
				t.Fatal(err)
			}
			_, objectsErr := d.SeedParts(context.Background(), bytes.NewReader(partsOf(t, doc)), nil)
			if fmt.Sprint(objectsErr) != fmt.Sprint(partsErr) {
				t.Errorf("%s = %q: in parts: %v; through the objects: %v", p, v, partsErr, objectsErr)
			}
			checks += o.checks.Load()
			tried++
		}
	}
	if tried < 50 {
		t.Fatalf("only %d damaged snapshots", tried)
	}
	if checks < int64(tried) {
		t.Fatalf("the agencies' objects checked %d cuts of %d seeds: the directory's object loaded them itself", checks, tried)
	}
}

// The handler takes a seed in parts, gzip or not, from the seeding administrator only, into a
// store that reads it in parts or one that takes it whole (the Ledger).
func TestSeedInPartsThroughTheHandler(t *testing.T) {
	parts := partsOf(t, exampleSnapshot(t))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(parts)
	zw.Close()
	for _, c := range []struct {
		name    string
		store   func() Store
		body    []byte
		enc     string
		as      string
		status  int
		snippet string
	}{
		{"writers", func() Store { return NewWriters(NewMemoryJournals(), writersClock) }, parts, "", "p-admin", 200, ""},
		{"writers, gzip", func() Store { return NewWriters(NewMemoryJournals(), writersClock) }, gz.Bytes(), "gzip", "p-admin", 200, ""},
		{"the ledger", func() Store { return emptyLedger(t) }, parts, "", "p-admin", 200, ""},
		{"not gzip", func() Store { return NewWriters(NewMemoryJournals(), writersClock) }, parts, "gzip", "p-admin", 400, "does not read as gzip"},
		{"not an administrator of it", func() Store { return NewWriters(NewMemoryJournals(), writersClock) }, parts, "", "p-1003", 403, "not an active administrator"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := seedRequest(t, c.store(), c.body, c.enc, c.as)
			if status != c.status || !strings.Contains(body, c.snippet) {
				t.Fatalf("%d %s", status, body)
			}
		})
	}
}

func emptyLedger(t *testing.T) *Ledger {
	l, err := NewMemoryStore(nil, writersClock)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// seedRequest sends body as a seed in parts to a handler over store, as person as.
func seedRequest(t *testing.T, store Store, body []byte, enc, as string) (int, string) {
	t.Helper()
	secret := []byte("a secret for the seed in parts, 32 bytes or more")
	now := writersClock()
	tok, err := Token(secret, as, now.Add(-time.Minute), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h := New(Config{Store: store, Secret: secret, SeedAdmin: as, Now: func() time.Time { return now }})
	r := httptest.NewRequest(http.MethodPut, "/v1/snapshot", bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Content-Type", SeedPartsType)
	if enc != "" {
		r.Header.Set("Content-Encoding", enc)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code, rec.Body.String()
}

// Through the objects, who may seed is judged on the top level and every agency thin, before
// any agency's object loads a cut: a refused seeder changes nothing, and the seed then taken
// has every cut loaded by an agency's object.
func TestSeedInPartsThroughTheObjectsJudgesTheSeeder(t *testing.T) {
	parts := partsOf(t, exampleSnapshot(t))
	o := newObjects()
	o.joined = true // and the directory's object joins the staged agencies itself
	d, err := o.object(Directory.String())
	if err != nil {
		t.Fatal(err)
	}
	judged := 0
	refuse := errors.New("not an administrator")
	if _, err := d.SeedParts(context.Background(), bytes.NewReader(parts), func(m *evaluator.Model) error { judged++; return refuse }); !errors.Is(err, refuse) {
		t.Fatalf("a refused seeder: %v", err)
	}
	if _, seeded, err := d.Newest(context.Background()); seeded || err != nil || judged != 1 || o.checks.Load() != 0 {
		t.Fatalf("after a refused seeder: seeded %v (%v), judged %d times, %d cuts checked", seeded, err, judged, o.checks.Load())
	}
	a, err := d.SeedParts(context.Background(), bytes.NewReader(parts), func(m *evaluator.Model) error { judged++; return nil })
	if err != nil || a.Status != 200 || judged != 2 || o.checks.Load() == 0 {
		t.Fatalf("the seed: %v %d %s, judged %d times, %d cuts checked", err, a.Status, a.Body, judged, o.checks.Load())
	}
}
