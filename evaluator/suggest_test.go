package evaluator_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connsec/connsec/evaluator"
)

// TestPropertySuggestions: for random requests on generated snapshots, a request in error is
// the error and gets no suggestion, an allowed one gets none, and every suggestion of a
// denied one, made by its first actor, is accepted and allows the request; its reach is the
// what-if diff without the cell asked about; they come deny first, then by reach, then by
// fewer edits.
func TestPropertySuggestions(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	counts := map[string]int{}
	for _, s := range propSnaps(t)[:4] {
		for range 150 {
			r := randomRequest(rng, s.info)
			got, err := s.m.Suggest(r)
			d, cerr := s.m.Check(r)
			if requestCode(err) != requestCode(cerr) {
				t.Fatalf("%s: %+v: Suggest error %v, Check error %v", s.name, r, err, cerr)
			}
			if err != nil {
				if got != nil {
					t.Errorf("%s: %+v: a request in error got suggestions", s.name, r)
				}
				counts["error"]++
				continue
			}
			if d.Allowed {
				if len(got) != 0 {
					t.Errorf("%s: %+v: an allowed request got %d suggestions", s.name, r, len(got))
				}
				counts["allowed"]++
				continue
			}
			counts["denied"]++
			if len(got) > 0 {
				counts["denied with suggestions"]++
			}
			for i, sg := range got {
				counts[sg.Kind]++
				if sg.Kind == "explanation" {
					if len(sg.Edits) != 0 {
						t.Errorf("%s: %+v: an explanation carries edits", s.name, r)
					}
					continue
				}
				batch, _ := json.Marshal(map[string]any{"actor": sg.Actors[0].Person, "edits": sg.Edits})
				applied, w := s.m.ApplyWithDiff(batch, time.Now())
				if applied == nil {
					t.Errorf("%s: %+v: suggestion %d (%s) is refused for %s: %+v", s.name, r, i, sg.Kind, sg.Actors[0].Person, w.Error)
					continue
				}
				if ok, _ := applied.Model.Allowed(r); !ok {
					t.Errorf("%s: %+v: suggestion %d (%s) does not allow the request", s.name, r, i, sg.Kind)
				}
				n := 0
				for _, c := range w.Access {
					if c.Subject == r.Subject && c.Resource == r.Resource {
						continue
					}
					if n >= len(sg.Reach.Access) || !sameChange(sg.Reach.Access[n], c) {
						t.Errorf("%s: %+v: suggestion %d's reach is not its what-if diff", s.name, r, i)
						break
					}
					n++
				}
				if n != len(sg.Reach.Access) {
					t.Errorf("%s: %+v: suggestion %d's reach has %d rows, the diff %d", s.name, r, i, len(sg.Reach.Access), n)
				}
				if i > 0 {
					prev := got[i-1]
					if prev.Kind != "remove_deny" && sg.Kind == "remove_deny" {
						t.Errorf("%s: %+v: the deny is not named first", s.name, r)
					}
					if prev.Kind != "remove_deny" && (prev.Reach.Gains > sg.Reach.Gains || prev.Reach.Gains == sg.Reach.Gains && len(prev.Edits) > len(sg.Edits)) {
						t.Errorf("%s: %+v: suggestions %d and %d are out of order", s.name, r, i-1, i)
					}
				}
			}
		}
	}
	for _, k := range []string{"error", "allowed", "denied with suggestions", "user_entry", "raise_entry", "join_group", "function"} {
		if counts[k] == 0 {
			t.Errorf("no request came out %s: the property was not exercised (%v)", k, counts)
		}
	}
	t.Logf("%v", counts)
}

func sameChange(a, b evaluator.AccessChange) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// suggestionCase is one file of testdata/suggestions: a denial on a snapshot and the
// suggestions a trainer expects, in order (kind, and words the summary holds).
type suggestionCase struct {
	Title        string             `json:"title"`
	SnapshotFile string             `json:"snapshot_file"`
	Request      evaluator.Request  `json:"request"`
	Expect       []expectSuggestion `json:"expect"`
}

type expectSuggestion struct {
	Kind     string   `json:"kind"`
	Contains []string `json:"contains"`
	Edits    []string `json:"edits"` // the ops, in order
}

// TestSuggestionFixtures runs every file of testdata/suggestions: the first suggestions are
// the ones the trainer wrote down, in that order.
func TestSuggestionFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/suggestions/*.json")
	if len(files) < 5 {
		t.Fatalf("only %d suggestion fixtures", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c suggestionCase
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		snap, err := os.ReadFile(filepath.Join(filepath.Dir(f), c.SnapshotFile))
		if err != nil {
			t.Fatal(err)
		}
		m, err := evaluator.Load(snap)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Suggest(c.Request)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(got) < len(c.Expect) {
			t.Errorf("%s (%s): %d suggestions, %d expected: %+v", filepath.Base(f), c.Title, len(got), len(c.Expect), got)
			continue
		}
		for i, want := range c.Expect {
			g := got[i]
			if g.Kind != want.Kind {
				t.Errorf("%s: suggestion %d is %s, want %s (%s)", filepath.Base(f), i, g.Kind, want.Kind, g.Summary)
			}
			for _, w := range want.Contains {
				if !strings.Contains(g.Summary, w) {
					t.Errorf("%s: suggestion %d says %q, without %q", filepath.Base(f), i, g.Summary, w)
				}
			}
			var ops []string
			for _, e := range g.Edits {
				var x struct{ Op string }
				json.Unmarshal(e, &x)
				ops = append(ops, x.Op)
			}
			if want.Edits != nil && strings.Join(ops, ",") != strings.Join(want.Edits, ",") {
				t.Errorf("%s: suggestion %d edits %v, want %v", filepath.Base(f), i, ops, want.Edits)
			}
		}
	}
}
