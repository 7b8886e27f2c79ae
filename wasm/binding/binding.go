// Package binding is the connsec evaluator as JavaScript sees it: one function,
// call(method, argsJSON) → resultJSON, used by the browser module (wasm/) and by the edge's
// single writer (wasm/worker). It translates JSON in and out and never decides anything: every
// answer comes from package evaluator (SPEC §8).
//
// The result is always {"ok": true, "result": …} or {"ok": false, "error": {code, path,
// message, problems?}}; nothing is thrown across the boundary. A Session is long-lived: load
// once, ask many times.
package binding

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/connsec/connsec/evaluator"
)

// Session holds the loaded model between calls. Edits replace it with the new version; a
// reader never sees a model change under it. A Session is not safe for concurrent calls:
// JavaScript calls it from one thread.
type Session struct {
	model *evaluator.Model
}

// reply is what every call returns.
type reply struct {
	OK     bool       `json:"ok"`
	Result any        `json:"result,omitempty"`
	Error  *callError `json:"error,omitempty"`
}

type callError struct {
	Code     string              `json:"code"`
	Path     string              `json:"path,omitempty"`
	Index    *int                `json:"index,omitempty"`
	Message  string              `json:"message"`
	Problems []evaluator.Problem `json:"problems,omitempty"`
}

type args struct {
	Snapshot string              `json:"snapshot"`
	Subject  string              `json:"subject"`
	Action   string              `json:"action"`
	Resource string              `json:"resource"`
	Person   string              `json:"person"`
	Page     string              `json:"page"`
	Agency   string              `json:"agency"`
	Build    string              `json:"build"`
	AsOf     string              `json:"as_of"`
	Format   string              `json:"format"`
	Batch    json.RawMessage     `json:"batch"`
	Time     string              `json:"time"`
	Scenario string              `json:"scenario"`
	Files    map[string]string   `json:"files"`
	Requests []evaluator.Request `json:"requests"`
	// AccessRows is how many rows of a what-if's access diff to list (absent:
	// evaluator.DefaultAccessRows; -1: all of them).
	AccessRows *int `json:"access_rows"`
}

// Call runs one method with its JSON arguments and returns the JSON reply.
//
// load_text is load with the snapshot text itself in place of the arguments: the browser
// opens snapshots of 20 MB and more, and wrapping one in a JSON string costs a second pass
// over it (about a second in WebAssembly) for nothing. read_text is load_text for a session
// that only reads (evaluator.LoadForReading): its model keeps no document, so it is smaller by
// the snapshot's size; whatif, apply, suggest and snapshot answer read_only.
func (s *Session) Call(method, argsJSON string) string {
	// the text is read in place (neither Load nor the decoder writes to it): a copy as large
	// as the snapshot would raise the module's memory for good, since it never shrinks
	return s.CallBytes(method, unsafe.Slice(unsafe.StringData(argsJSON), len(argsJSON)))
}

// CallBytes is Call with the arguments as bytes, which the session may keep (load_text keeps
// the snapshot's): the caller must not change them afterwards.
func (s *Session) CallBytes(method string, argsJSON []byte) string {
	return encode(s.call(method, argsJSON))
}

// CallPiecesTo is CallBytes with the reply handed to emit in pieces, which joined are
// CallBytes's reply, each as soon as it is written: emit must copy it out before it returns. A
// long answer (lint's findings, what's accesses) is then never held whole in the module, nor
// in one block as long as itself, which in WebAssembly raises the module's memory for good
// unless the heap has a free run as long (the WebAssembly binding hands each piece to
// JavaScript). Should the answer turn out not to be writable after some pieces, restart is
// called and the error's reply emitted alone.
func (s *Session) CallPiecesTo(method string, argsJSON []byte, emit func(piece string), restart func()) {
	encodeTo(s.call(method, argsJSON), emit, restart)
}

func (s *Session) call(method string, argsJSON []byte) reply {
	switch method {
	case "load_text":
		return s.load(argsJSON, evaluator.Load)
	case "read_text":
		return s.load(argsJSON, evaluator.LoadForReading)
	}
	var a args
	if len(argsJSON) != 0 {
		if err := json.Unmarshal(argsJSON, &a); err != nil {
			return fail(&callError{Code: "invalid_value", Message: "the arguments are not a JSON object: " + err.Error()})
		}
	}
	return s.dispatch(method, &a)
}

func (s *Session) dispatch(method string, a *args) reply {
	if method == "load" {
		return s.load([]byte(a.Snapshot), evaluator.Load)
	}
	if method == "scenario" {
		res, err := evaluator.RunScenario([]byte(a.Scenario), func(path string) ([]byte, error) {
			text, found := a.Files[path]
			if !found {
				return nil, fmt.Errorf("the file %s was not given with the scenario", path)
			}
			return []byte(text), nil
		})
		if err != nil {
			return failErr(err)
		}
		return ok(res)
	}
	m := s.model
	if m == nil {
		return fail(&callError{Code: "invalid_value", Message: "no snapshot is loaded yet: open one first"})
	}
	switch method {
	case "check":
		return answer(m.Check(evaluator.Request{Subject: a.Subject, Action: a.Action, Resource: a.Resource, AsOf: a.AsOf}))
	case "allowed":
		// the yes/no of many requests in one call, without reasons: what an enforcement
		// point asks, and the figure to compare with the native Allowed
		out := make([]bool, len(a.Requests))
		for i, r := range a.Requests {
			yes, err := m.Allowed(r)
			if err != nil {
				r := failErr(err)
				r.Error.Path = fmt.Sprintf("requests[%d]", i)
				return r
			}
			out[i] = yes
		}
		return ok(out)
	case "who":
		return answer(m.Who(a.Action, a.Resource, a.AsOf))
	case "what":
		return answer(m.What(a.Person, a.Action, a.AsOf))
	case "profile":
		return answer(m.Profile(a.Person, a.AsOf))
	case "report":
		r, err := m.Report(a.Agency, a.AsOf)
		if err == nil && a.Format == "csv" {
			return ok(string(r.CSV()))
		}
		return answer(r, err)
	case "lint":
		return ok(m.Lint())
	case "candidates":
		return answer(m.BuildCandidates(a.Build))
	case "whatif":
		if a.AccessRows != nil {
			return ok(m.WhatIfN(a.Batch, *a.AccessRows))
		}
		return ok(m.WhatIf(a.Batch))
	case "apply":
		at := time.Now()
		if a.Time != "" {
			t, err := time.Parse(time.RFC3339, a.Time)
			if err != nil {
				return fail(&callError{Code: "invalid_value", Path: "time", Message: "time is written as RFC 3339 (2026-11-22T09:00:00Z)"})
			}
			at = t
		}
		applied, err := m.Apply(a.Batch, at)
		if err != nil {
			return failErr(err)
		}
		s.model = applied.Model
		return ok(map[string]any{"version": applied.Model.Version(), "audit": applied.Audit, "notifications": applied.Notifications})
	case "section":
		return answer(m.Section(a.Page))
	case "snapshot":
		doc := m.Snapshot()
		if doc == nil {
			return fail(&callError{Code: evaluator.CodeReadOnly, Message: "this snapshot was opened for reading only: it keeps no document to give"})
		}
		return ok(json.RawMessage(doc))
	case "version":
		return ok(map[string]any{"version": m.Version(), "as_of": m.AsOf()})
	case "standing":
		return answer(m.Standing(a.Person))
	case "suggest":
		return answer(m.Suggest(evaluator.Request{Subject: a.Subject, Action: a.Action, Resource: a.Resource, AsOf: a.AsOf}))
	}
	return fail(&callError{Code: "invalid_value", Message: fmt.Sprintf("%q is not a method: load, load_text, read_text, check, allowed, who, what, profile, report, lint, candidates, whatif, apply, section, snapshot, version, standing, suggest, scenario", method)})
}

// load replaces the session's model with the snapshot, or keeps the old one when it is refused.
func (s *Session) load(snapshot []byte, load func([]byte) (*evaluator.Model, error)) reply {
	m, err := load(snapshot)
	if err != nil {
		return failErr(err)
	}
	s.model = m
	return ok(map[string]any{"version": m.Version(), "as_of": m.AsOf()})
}

func answer[T any](v T, err error) reply {
	if err != nil {
		return failErr(err)
	}
	return ok(v)
}

func ok(v any) reply { return reply{OK: true, Result: v} }

func fail(e *callError) reply { return reply{Error: e} }

// failErr turns the evaluator's errors into values, keeping their codes and paths.
func failErr(err error) reply {
	var se *evaluator.SnapshotError
	var re *evaluator.RequestError
	var ee *evaluator.EditError
	var sc *evaluator.ScenarioError
	switch {
	case errors.As(err, &se):
		return fail(&callError{Code: se.Problems[0].Code, Path: se.Problems[0].Path, Message: se.Error(), Problems: se.Problems})
	case errors.As(err, &re):
		return fail(&callError{Code: re.Code, Message: re.Message})
	case errors.As(err, &ee):
		i := ee.Index
		return fail(&callError{Code: ee.Code, Path: ee.Path, Index: &i, Message: ee.Message})
	case errors.As(err, &sc):
		return fail(&callError{Code: sc.Problems[0].Code, Path: sc.Problems[0].Path, Message: sc.Error(), Problems: sc.Problems})
	}
	return fail(&callError{Code: "invalid_value", Message: err.Error()})
}
