package evaluator

import (
	"github.com/tidwall/gjson"
)

// The scenario file format of SPEC §9, as read.

type scenario struct {
	title        string
	snapshotFile string
	steps        []step
}

type step struct {
	note        string
	actor       string
	day         string
	hasEdits    bool
	edits       gjson.Result
	expectError string
	checks      []checkExpect
	who         []whoExpect
	lint        *lintExpect
	diff        *diffExpect
}

type checkExpect struct {
	subject, action, resource string
	allowed                   bool
	level, err                string
}

type whoExpect struct {
	action, resource string
	subjects         []string
}

type lintExpect struct{ includes, excludes []Finding }

type diffExpect struct{ includes, excludes []diffRow }

type diffRow struct{ subject, resource, before, after string }

var levelNames = []string{"none", "reader", "editor", "full", "denied"}

func parseScenario(doc gjson.Result) (*scenario, []Problem) {
	r := &reader{}
	sc := &scenario{}
	if !doc.IsObject() {
		r.add(CodeInvalidSnapshot, "", "a scenario is a JSON object, not %s", typeName(doc))
		return sc, r.problems
	}
	if f := doc.Get("format"); f.Type != gjson.String || f.Str != "connsec.scenario/v1" {
		r.add(CodeInvalidSnapshot, "format", "must be \"connsec.scenario/v1\" (found %s)", describe(f))
	}
	sc.title = r.text(doc.Get("title"), "title", false)
	r.text(doc.Get("description"), "description", false)
	inline, file := doc.Get("snapshot"), doc.Get("snapshot_file")
	switch {
	case inline.Exists() && file.Exists():
		r.add(CodeInvalidValue, "snapshot", "give the snapshot inline or as snapshot_file, not both")
	case file.Exists():
		sc.snapshotFile = r.text(file, "snapshot_file", true)
	case inline.Exists():
		r.object(inline, "snapshot", true)
	default:
		r.add(CodeInvalidValue, "snapshot", "a scenario needs a snapshot: inline as \"snapshot\" or a path as \"snapshot_file\"")
	}
	steps := doc.Get("steps")
	if !steps.IsArray() {
		r.add(CodeInvalidSnapshot, "steps", "must be a list of steps")
	}
	r.array(steps, "steps", func(i int, s gjson.Result, at string) {
		if r.object(s, at, true) {
			sc.steps = append(sc.steps, r.parseStep(s, at))
		}
	})
	return sc, r.problems
}

func (r *reader) parseStep(s gjson.Result, at string) step {
	st := step{
		note:        r.text(s.Get("note"), field(at, "note"), false),
		actor:       r.text(s.Get("actor"), field(at, "actor"), false),
		expectError: r.text(s.Get("expect_error"), field(at, "expect_error"), false),
	}
	if d := s.Get("as_of"); d.Exists() {
		if r.date(d, field(at, "as_of"), 0) != 0 {
			st.day = d.Str
		}
	}
	if e := s.Get("edits"); e.Exists() {
		if !e.IsArray() {
			r.add(CodeInvalidSnapshot, field(at, "edits"), "must be a list of edits")
		} else {
			st.hasEdits, st.edits = true, e
			if st.actor == "" {
				r.add(CodeInvalidValue, field(at, "actor"), "a step with edits needs the actor who makes them")
			}
		}
	}
	if st.expectError != "" && !st.hasEdits {
		r.add(CodeInvalidValue, field(at, "expect_error"), "expect_error needs edits to refuse")
	}
	r.array(s.Get("checks"), field(at, "checks"), func(_ int, c gjson.Result, at string) {
		if !r.object(c, at, true) {
			return
		}
		ce := checkExpect{
			subject:  r.text(c.Get("subject"), field(at, "subject"), true),
			action:   r.text(c.Get("action"), field(at, "action"), true),
			resource: r.text(c.Get("resource"), field(at, "resource"), true),
			err:      r.text(c.Get("error"), field(at, "error"), false),
		}
		allowed := c.Get("allowed")
		switch {
		case allowed.Exists() && ce.err != "":
			r.add(CodeInvalidValue, at, "a check expects either allowed or an error, not both")
		case !allowed.Exists() && ce.err == "":
			r.add(CodeInvalidValue, at, "a check needs allowed (true or false) or the error it expects")
		case allowed.Exists():
			ce.allowed = r.boolean(allowed, field(at, "allowed"))
		}
		if l := c.Get("level"); l.Exists() {
			ce.level = r.oneOf(l, field(at, "level"), true, levelNames...)
		}
		st.checks = append(st.checks, ce)
	})
	r.array(s.Get("who"), field(at, "who"), func(_ int, w gjson.Result, at string) {
		if !r.object(w, at, true) {
			return
		}
		we := whoExpect{
			action:   r.text(w.Get("action"), field(at, "action"), true),
			resource: r.text(w.Get("resource"), field(at, "resource"), true),
			subjects: []string{},
		}
		if !w.Get("subjects").IsArray() {
			r.add(CodeInvalidValue, field(at, "subjects"), "needs the list of people expected (it may be empty)")
		}
		we.subjects = append(we.subjects, r.texts(w.Get("subjects"), field(at, "subjects"))...)
		st.who = append(st.who, we)
	})
	if l := s.Get("lint"); r.object(l, field(at, "lint"), false) {
		st.lint = &lintExpect{
			includes: r.findings(l.Get("includes"), field(at, "lint.includes")),
			excludes: r.findings(l.Get("excludes"), field(at, "lint.excludes")),
		}
	}
	if d := s.Get("diff"); r.object(d, field(at, "diff"), false) {
		if st.expectError != "" {
			r.add(CodeInvalidValue, field(at, "diff"), "a step that expects its edits refused has no diff to judge")
		}
		if !st.hasEdits {
			r.add(CodeInvalidValue, field(at, "diff"), "a diff needs edits to compare before and after")
		}
		st.diff = &diffExpect{
			includes: r.diffRows(d.Get("includes"), field(at, "diff.includes")),
			excludes: r.diffRows(d.Get("excludes"), field(at, "diff.excludes")),
		}
	}
	return st
}

func (r *reader) findings(v gjson.Result, path string) []Finding {
	var out []Finding
	r.array(v, path, func(_ int, f gjson.Result, at string) {
		if r.object(f, at, true) {
			out = append(out, Finding{
				Code:    r.text(f.Get("code"), field(at, "code"), true),
				Target:  r.text(f.Get("target"), field(at, "target"), true),
				Section: r.text(f.Get("section"), field(at, "section"), false),
			})
		}
	})
	return out
}

func (r *reader) diffRows(v gjson.Result, path string) []diffRow {
	var out []diffRow
	r.array(v, path, func(_ int, d gjson.Result, at string) {
		if !r.object(d, at, true) {
			return
		}
		row := diffRow{
			subject:  r.text(d.Get("subject"), field(at, "subject"), true),
			resource: r.text(d.Get("resource"), field(at, "resource"), true),
		}
		if b := d.Get("before"); b.Exists() {
			row.before = r.oneOf(b, field(at, "before"), true, levelNames...)
		}
		if a := d.Get("after"); a.Exists() {
			row.after = r.oneOf(a, field(at, "after"), true, levelNames...)
		}
		out = append(out, row)
	})
	return out
}
