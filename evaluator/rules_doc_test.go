package evaluator

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// The rules reference (RULES.md) carries its worked examples in fenced blocks that this test
// runs against the example snapshot, so the page cannot say what the code does not do:
//
//	```connsec-example            one decision (§4): subject, action, resource, as_of?,
//	                              answer ("allowed[, level L][, create K …]", "not allowed…",
//	                              "error CODE") and reasons? (reason kinds, in order)
//	```connsec-edit               one batch (§5): actor, edits (JSON), answer ("accepted",
//	                              "refused CODE[ at PATH]"), and check lines judged on the
//	                              state the batch leaves ("SUBJECT ACTION RESOURCE → answer")
//	```connsec-lint               lint (§7): "finding: CODE TARGET", "absent: CODE TARGET"

const rulesDoc = "RULES.md"

// docBlock is one fenced example of the rules reference.
type docBlock struct {
	kind   string // example, edit, lint
	line   int    // where it starts in RULES.md
	fields map[string]string
	lines  [][2]string // the key: value lines in order (lint repeats keys)
}

func (b docBlock) String() string { return fmt.Sprintf("%s:%d (connsec-%s)", rulesDoc, b.line, b.kind) }

func readDocBlocks(t *testing.T) []docBlock {
	t.Helper()
	data, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []docBlock
	var cur *docBlock
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```connsec-"):
			cur = &docBlock{kind: strings.TrimPrefix(line, "```connsec-"), line: i + 1, fields: map[string]string{}}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				t.Fatalf("%s:%d: an example line is \"key: value\", not %q", rulesDoc, i+1, line)
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if _, dup := cur.fields[k]; dup && cur.kind != "lint" && k != "check" {
				t.Fatalf("%s:%d: %s is given twice", rulesDoc, i+1, k)
			}
			cur.fields[k] = v
			cur.lines = append(cur.lines, [2]string{k, v})
		}
	}
	if cur != nil {
		t.Fatalf("%s: the block opened on line %d is never closed", rulesDoc, cur.line)
	}
	return blocks
}

func loadExample(t *testing.T) *Model {
	t.Helper()
	data, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRulesDocExamples(t *testing.T) {
	m := loadExample(t)
	counts := map[string]int{}
	for _, b := range readDocBlocks(t) {
		counts[b.kind]++
		t.Run(fmt.Sprintf("line%d", b.line), func(t *testing.T) {
			switch b.kind {
			case "example":
				checkDocDecision(t, m, b)
			case "edit":
				checkDocEdit(t, m, b)
			case "lint":
				checkDocLint(t, m, b)
			default:
				t.Fatalf("%s: unknown block kind", b)
			}
		})
	}
	// the page keeps its examples: every decision step, principal and edit family has some
	if counts["example"] < 40 || counts["edit"] < 10 || counts["lint"] < 1 {
		t.Fatalf("the rules reference has too few checked examples: %v", counts)
	}
}

// docAnswer is the "answer:" line of a decision example.
type docAnswer struct {
	err     string
	allowed bool
	level   string
	create  []string // nil: not stated
}

func parseDocAnswer(s string) (docAnswer, error) {
	var a docAnswer
	if code, ok := strings.CutPrefix(s, "error "); ok {
		a.err = strings.TrimSpace(code)
		return a, nil
	}
	parts := strings.Split(s, ",")
	switch strings.TrimSpace(parts[0]) {
	case "allowed":
		a.allowed = true
	case "not allowed":
	default:
		return a, fmt.Errorf("the answer %q starts with allowed, not allowed or error", s)
	}
	for _, p := range parts[1:] {
		words := strings.Fields(p)
		switch {
		case len(words) == 2 && words[0] == "level":
			a.level = words[1]
		case len(words) >= 1 && words[0] == "create":
			a.create = append([]string{}, words[1:]...)
		default:
			return a, fmt.Errorf("%q in the answer %q is neither \"level L\" nor \"create K …\"", p, s)
		}
	}
	return a, nil
}

func checkDocDecision(t *testing.T, m *Model, b docBlock) {
	want, err := parseDocAnswer(b.fields["answer"])
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	req := Request{Subject: b.fields["subject"], Action: b.fields["action"], Resource: b.fields["resource"], AsOf: b.fields["as_of"]}
	if req.Subject == "" || req.Action == "" || req.Resource == "" {
		t.Fatalf("%s: subject, action and resource are needed", b)
	}
	got, err := m.Check(req)
	if want.err != "" {
		var re *RequestError
		if !errors.As(err, &re) || re.Code != want.err {
			t.Fatalf("%s: %+v should be the error %s; got %v (%+v)", b, req, want.err, err, got)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %+v: %v", b, req, err)
	}
	if got.Allowed != want.allowed {
		t.Errorf("%s: %+v: allowed is %v, the page says %v; reasons: %v", b, req, got.Allowed, want.allowed, got.Reasons)
	}
	if want.level != "" && string(got.Level) != want.level {
		t.Errorf("%s: %+v: level %q, the page says %q", b, req, got.Level, want.level)
	}
	if want.create != nil && !sameSet(got.Create, want.create) {
		t.Errorf("%s: %+v: create %v, the page says %v", b, req, got.Create, want.create)
	}
	if r := b.fields["reasons"]; r != "" {
		var kinds []string
		for _, reason := range got.Reasons {
			kinds = append(kinds, reason.Kind)
		}
		if !inOrder(kinds, splitList(r)) {
			t.Errorf("%s: %+v: the reasons are %v, the page says they include %s in that order", b, req, kinds, r)
		}
	}
}

func checkDocEdit(t *testing.T, m *Model, b docBlock) {
	batch := fmt.Sprintf(`{"actor": %q, "edits": %s}`, b.fields["actor"], b.fields["edits"])
	answer := b.fields["answer"]
	applied, err := m.Apply([]byte(batch), time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	if answer == "accepted" {
		if err != nil {
			t.Fatalf("%s: the page says the batch is accepted; it was refused: %v", b, err)
		}
		if applied.Model.Version() != m.Version()+1 {
			t.Fatalf("%s: an accepted batch adds one version: %d → %d", b, m.Version(), applied.Model.Version())
		}
		for _, kv := range b.lines {
			if kv[0] != "check" {
				continue
			}
			req, answer, ok := strings.Cut(kv[1], "→")
			words := strings.Fields(req)
			if !ok || len(words) != 3 {
				t.Fatalf("%s: a check line is \"SUBJECT ACTION RESOURCE → answer\", not %q", b, kv[1])
			}
			checkDocDecision(t, applied.Model, docBlock{kind: "edit", line: b.line, fields: map[string]string{
				"subject": words[0], "action": words[1], "resource": words[2], "answer": strings.TrimSpace(answer)}})
		}
		return
	}
	for _, kv := range b.lines {
		if kv[0] == "check" {
			t.Fatalf("%s: check lines follow an accepted batch only", b)
		}
	}
	rest, ok := strings.CutPrefix(answer, "refused ")
	if !ok {
		t.Fatalf("%s: the answer %q is \"accepted\" or \"refused CODE[ at PATH]\"", b, answer)
	}
	code, path, _ := strings.Cut(rest, " at ")
	var ee *EditError
	if !errors.As(err, &ee) {
		t.Fatalf("%s: the page says the batch is refused with %s; got %v", b, code, err)
	}
	if ee.Code != strings.TrimSpace(code) {
		t.Errorf("%s: refused with %s (%s), the page says %s", b, ee.Code, ee.Message, code)
	}
	if path != "" && ee.Path != strings.TrimSpace(path) {
		t.Errorf("%s: refused at %s, the page says at %s", b, ee.Path, path)
	}
}

func checkDocLint(t *testing.T, m *Model, b docBlock) {
	found := map[string]bool{}
	for _, f := range m.Lint() {
		found[f.Code+" "+f.Target] = true
	}
	for _, kv := range b.lines {
		key := strings.Join(strings.Fields(kv[1]), " ")
		switch kv[0] {
		case "finding":
			if !found[key] {
				t.Errorf("%s: lint does not find %s", b, key)
			}
		case "absent":
			if found[key] {
				t.Errorf("%s: lint finds %s, the page says it does not", b, key)
			}
		default:
			t.Errorf("%s: a lint line is finding: or absent:, not %s:", b, kv[0])
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// inOrder: want is a subsequence of got.
func inOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
