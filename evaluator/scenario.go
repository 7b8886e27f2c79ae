package evaluator

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

// ScenarioResult is the outcome of running a scenario file (SPEC §9): every expectation
// judged, the failures worded for a trainer.
type ScenarioResult struct {
	Title    string    `json:"title"`
	Passed   int       `json:"passed"`
	Failed   int       `json:"failed"`
	Failures []Failure `json:"failures"`
}

// Failure is one expectation that did not hold. Path points into the scenario file
// (steps[2].checks[0]).
type Failure struct {
	Step    int    `json:"step"`
	Note    string `json:"note,omitempty"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

// ScenarioError refuses a scenario file that cannot be run (malformed, or its snapshot is
// refused), with every problem and its JSON path.
type ScenarioError struct {
	Problems []Problem `json:"problems"`
}

func (e *ScenarioError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		parts = append(parts, p.String())
	}
	return "the scenario cannot be run:\n  " + strings.Join(parts, "\n  ")
}

// RunScenario runs a scenario document. readFile resolves `snapshot_file` (a path relative
// to the scenario file); it may be nil when scenarios carry their snapshot inline.
func RunScenario(data []byte, readFile func(path string) ([]byte, error)) (*ScenarioResult, error) {
	if !gjson.ValidBytes(data) {
		return nil, &ScenarioError{Problems: []Problem{{Code: CodeInvalidSnapshot, Message: "this is not a JSON document" + syntaxHint(data)}}}
	}
	doc := gjson.ParseBytes(data)
	sc, problems := parseScenario(doc)
	if len(problems) > 0 {
		return nil, &ScenarioError{Problems: problems}
	}
	var snap []byte
	if sc.snapshotFile != "" {
		if readFile == nil {
			return nil, &ScenarioError{Problems: []Problem{{Code: CodeInvalidValue, Path: "snapshot_file", Message: "this scenario names a snapshot file, but no files can be read here"}}}
		}
		b, err := readFile(sc.snapshotFile)
		if err != nil {
			return nil, &ScenarioError{Problems: []Problem{{Code: CodeUnknownReference, Path: "snapshot_file", Message: fmt.Sprintf("cannot read %s: %v", sc.snapshotFile, err)}}}
		}
		snap = b
	} else {
		snap = []byte(doc.Get("snapshot").Raw)
	}
	m, err := Load(snap)
	if err != nil {
		se := err.(*SnapshotError)
		out := &ScenarioError{}
		prefix := "snapshot"
		if sc.snapshotFile != "" {
			prefix = sc.snapshotFile + ":"
		}
		for _, p := range se.Problems {
			p.Path = joinPath(prefix, p.Path)
			out.Problems = append(out.Problems, p)
		}
		return nil, out
	}
	res := &ScenarioResult{Title: sc.title, Failures: []Failure{}}
	for i := range sc.steps {
		m = runStep(m, i, &sc.steps[i], res)
	}
	return res, nil
}

func joinPath(prefix, p string) string {
	switch {
	case p == "":
		return strings.TrimSuffix(prefix, ":")
	case strings.HasSuffix(prefix, ":"):
		return prefix + " " + p
	case strings.HasPrefix(p, "["):
		return prefix + p
	}
	return prefix + "." + p
}

func (r *ScenarioResult) pass() { r.Passed++ }

func (r *ScenarioResult) fail(step int, st *step, path, format string, args ...any) {
	r.Failed++
	r.Failures = append(r.Failures, Failure{Step: step + 1, Note: st.note, Path: path, Message: fmt.Sprintf(format, args...)})
}

// runStep applies a step's edits (if any), then judges its expectations; it returns the
// model the next step starts from.
func runStep(m *Model, i int, st *step, res *ScenarioResult) *Model {
	at := index("steps", i)
	judged := m
	if st.day != "" {
		judged = m.onDay(st.day)
	}
	if st.hasEdits {
		after, diff, err := judged.applyForScenario(st)
		switch {
		case err != nil && st.expectError == "":
			res.fail(i, st, field(at, "edits"), "the edits were refused, but this step expects them to be accepted: %v", err)
			st.diff = nil
		case err != nil && err.Code != st.expectError:
			res.fail(i, st, field(at, "expect_error"), "the edits were refused with %s, but this step expects %s: %s", err.Code, st.expectError, err.Message)
		case err != nil:
			res.pass()
		case st.expectError != "":
			res.fail(i, st, field(at, "expect_error"), "the edits were accepted, but this step expects them to be refused with %s", st.expectError)
			judged = after
			m = after.onDay(m.AsOf())
		default:
			res.pass()
			judged = after
			m = after.onDay(m.AsOf())
		}
		if st.diff != nil {
			judgeDiff(diff, i, st, at, res)
		}
	}
	judgeChecks(judged, i, st, at, res)
	return m
}

// onDay is the model judged on another day; same data, another as_of.
func (m *Model) onDay(day string) *Model {
	d, _ := parseDate(day)
	if d == m.snap.AsOf {
		return m
	}
	c := *m
	c.lint = &lintCache{}
	s := *m.snap
	s.AsOf = d
	c.snap = &s
	return &c
}

func judgeChecks(m *Model, i int, st *step, at string, res *ScenarioResult) {
	for j, c := range st.checks {
		path := index(field(at, "checks"), j)
		d, err := m.Check(Request{Subject: c.subject, Action: c.action, Resource: c.resource})
		label := fmt.Sprintf("%s %s on %s", c.subject, c.action, c.resource)
		switch {
		case c.err != "" && err == nil:
			res.fail(i, st, path, "%s: expected the error %s, but it was answered (allowed: %v)", label, c.err, d.Allowed)
		case c.err != "" && err.(*RequestError).Code != c.err:
			res.fail(i, st, path, "%s: expected the error %s, got %v", label, c.err, err)
		case c.err != "":
			res.pass()
		case err != nil:
			res.fail(i, st, path, "%s: expected an answer, got the error %v", label, err)
		case d.Allowed != c.allowed:
			res.fail(i, st, path, "%s: expected %s, got %s — %s", label, allowWord(c.allowed), allowWord(d.Allowed), reasonsText(d.Reasons))
		case c.level != "" && string(d.Level) != c.level:
			res.fail(i, st, path, "%s: expected level %s, got %s — %s", label, c.level, d.Level, reasonsText(d.Reasons))
		default:
			res.pass()
		}
	}
	for j, w := range st.who {
		path := index(field(at, "who"), j)
		got, err := m.Who(w.action, w.resource, "")
		if err != nil {
			res.fail(i, st, path, "who may %s on %s: %v", w.action, w.resource, err)
			continue
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.Person)
		}
		want := append([]string(nil), w.subjects...)
		sort.Strings(want)
		if missing, extra := setDiff(want, ids), setDiff(ids, want); len(missing)+len(extra) > 0 {
			res.fail(i, st, path, "who may %s on %s: expected %v, got %v (missing %v, unexpected %v)", w.action, w.resource, want, ids, missing, extra)
		} else {
			res.pass()
		}
	}
	if st.lint != nil {
		findings := m.Lint()
		for j, f := range st.lint.includes {
			if findFinding(findings, f) {
				res.pass()
			} else {
				res.fail(i, st, index(field(at, "lint.includes"), j), "expected the lint finding %s on %s%s, which is not there", f.Code, f.Target, sectionSuffix(f.Section))
			}
		}
		for j, f := range st.lint.excludes {
			if findFinding(findings, f) {
				res.fail(i, st, index(field(at, "lint.excludes"), j), "the lint finding %s on %s%s is there, but this step expects it absent", f.Code, f.Target, sectionSuffix(f.Section))
			} else {
				res.pass()
			}
		}
	}
}

func sectionSuffix(s string) string {
	if s == "" {
		return ""
	}
	return " (section " + s + ")"
}

func findFinding(all []Finding, f Finding) bool {
	for _, g := range all {
		if g.Code == f.Code && g.Target == f.Target && (f.Section == "" || g.Section == f.Section) {
			return true
		}
	}
	return false
}

func allowWord(b bool) string {
	if b {
		return "allowed"
	}
	return "not allowed"
}

func reasonsText(rs []Reason) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		parts = append(parts, r.Message)
	}
	return strings.Join(parts, "; ")
}

// setDiff lists the items of a (sorted) that are not in b.
func setDiff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// applyForScenario applies a step's edits as one batch on the current version (SPEC §9), and
// gives the access diff of the step.
func (m *Model) applyForScenario(st *step) (*Model, []AccessChange, *EditError) {
	ch := &changeSet{}
	next, err := m.applyEdits(&batch{actor: st.actor, edits: st.edits}, ch)
	if err != nil {
		return nil, nil, err.(*EditError)
	}
	if st.diff == nil {
		return next, nil, nil
	}
	diff, _ := m.accessDiffAfter(next, m.changedPeopleAfter(next, ch), ch, -1)
	return next, diff, nil
}

func judgeDiff(diff []AccessChange, i int, st *step, at string, res *ScenarioResult) {
	for j, row := range st.diff.includes {
		found := false
		for _, c := range diff {
			if c.Subject == row.subject && c.Resource == row.resource &&
				(row.before == "" || string(c.Before.Level) == row.before) && (row.after == "" || string(c.After.Level) == row.after) {
				found = true
			}
		}
		if found {
			res.pass()
		} else {
			res.fail(i, st, index(field(at, "diff.includes"), j), "expected %s on %s to change (%s → %s), which is not in the diff%s", row.subject, row.resource, orAny(row.before), orAny(row.after), diffFor(diff, row.subject, row.resource))
		}
	}
	for j, row := range st.diff.excludes {
		if d := diffFor(diff, row.subject, row.resource); d != "" {
			res.fail(i, st, index(field(at, "diff.excludes"), j), "%s on %s changed%s, but this step expects no change there", row.subject, row.resource, d)
		} else {
			res.pass()
		}
	}
}

// diffFor words the change of one (person, page) in a diff, or "" when it did not change.
func diffFor(diff []AccessChange, subject, resource string) string {
	for _, c := range diff {
		if c.Subject == subject && c.Resource == resource {
			return fmt.Sprintf(" (it went %s → %s)", c.Before.Level, c.After.Level)
		}
	}
	return ""
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}
