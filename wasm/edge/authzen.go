package edge

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/connsec/connsec/evaluator"
)

// AuthZEN 1.0 shapes (SPEC §10). Subjects are people ("user"); resources are pages, units,
// agencies and people; actions are read, edit, manage_security, create:<kind> or a capability.
type entity struct {
	Type       string          `json:"type"`
	ID         string          `json:"id,omitempty"`
	Properties json.RawMessage `json:"properties,omitempty"`
}

type actionName struct {
	Name       string          `json:"name"`
	Properties json.RawMessage `json:"properties,omitempty"`
}

// askContext is what connsec reads of an AuthZEN context; other fields are ignored.
type askContext struct {
	AsOf           string           `json:"as_of,omitempty"`
	AtLeastVersion consistencyToken `json:"at_least_version,omitempty"`
}

// consistencyToken is a token as a request carries it (SPEC §10.2): the version of an
// earlier answer, sent back as it was given.
type consistencyToken string

func (t *consistencyToken) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fail(http.StatusBadRequest, codeBadRequest, "at_least_version is a consistency token: the version of an earlier answer, sent back as it was given (text such as \"d0\"), not %s", clip(string(b)))
	}
	*t = consistencyToken(s)
	return nil
}

// versions reads the token; none is the zero Versions, which every state covers.
func (t consistencyToken) versions() (Versions, error) {
	if t == "" {
		return Versions{}, nil
	}
	return ParseVersions(string(t))
}

type evaluationRequest struct {
	Subject  *entity     `json:"subject"`
	Action   *actionName `json:"action"`
	Resource *entity     `json:"resource"`
	Context  *askContext `json:"context"`
}

type evaluationContext struct {
	Level   evaluator.Level    `json:"level,omitempty"`
	Reasons []evaluator.Reason `json:"reasons,omitempty"`
	Version string             `json:"version"`
	Error   *itemError         `json:"error,omitempty"`
}

type itemError struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type evaluationResponse struct {
	Decision bool              `json:"decision"`
	Context  evaluationContext `json:"context"`
}

var resourceTypes = []string{"page", "unit", "agency", "person"}

// decode reads the body into v, naming the field that has the wrong type.
func decode(r *http.Request, limit int64, v any) error {
	body, err := readJSON(r, limit)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		var he *httpError
		if errors.As(err, &he) {
			return he
		}
		if te, isType := err.(*json.UnmarshalTypeError); isType {
			return fail(http.StatusBadRequest, codeBadRequest, "%s must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), jsonKind(te.Value))
		}
		return fail(http.StatusBadRequest, codeBadRequest, "the body does not fit: %v", err)
	}
	return nil
}

// jsonKind names a JSON or Go kind the way a person writing JSON would.
func jsonKind(k string) string {
	switch k {
	case "struct", "map", "object":
		return "an object"
	case "slice", "array":
		return "a list"
	case "string":
		return "text"
	case "bool":
		return "true or false"
	case "number", "int", "int64", "float64":
		return "a number"
	}
	return k
}

// request turns an AuthZEN evaluation into the evaluator's Request.
func (q *evaluationRequest) request() (evaluator.Request, error) {
	switch {
	case q.Subject == nil || q.Subject.ID == "":
		return evaluator.Request{}, fail(http.StatusBadRequest, codeBadRequest, "subject.id is missing")
	case q.Subject.Type != "user":
		return evaluator.Request{}, fail(http.StatusBadRequest, codeBadRequest, "subject.type must be \"user\" (a person), not %q", q.Subject.Type)
	case q.Action == nil || q.Action.Name == "":
		return evaluator.Request{}, fail(http.StatusBadRequest, codeBadRequest, "action.name is missing")
	case q.Resource == nil || q.Resource.ID == "":
		return evaluator.Request{}, fail(http.StatusBadRequest, codeBadRequest, "resource.id is missing")
	case !slices.Contains(resourceTypes, q.Resource.Type):
		return evaluator.Request{}, fail(http.StatusBadRequest, codeBadRequest, "resource.type must be page, unit, agency or person, not %q", q.Resource.Type)
	}
	r := evaluator.Request{Subject: q.Subject.ID, Action: q.Action.Name, Resource: q.Resource.Type + ":" + q.Resource.ID}
	if q.Context != nil {
		r.AsOf = q.Context.AsOf
	}
	return r, nil
}

func (q *evaluationRequest) atLeast() (Versions, error) {
	if q.Context == nil {
		return Versions{}, nil
	}
	return q.Context.AtLeastVersion.versions()
}

// mayAsk: a service may ask about anyone; a person about themselves; an administrator about
// anyone; a coordinator about the staff of the agencies they coordinate.
func mayAsk(m whoIs, c Caller, subject string) error {
	if c.Service != "" || c.Person == subject {
		return nil
	}
	me, err := m.Standing(c.Person)
	if err != nil {
		return fail(http.StatusForbidden, codeForbidden, "%s is not a person of this snapshot", c.Person)
	}
	if me.Administrator {
		return nil
	}
	if staffOf(m, subject, me.Coordinates) {
		return nil
	}
	if _, err := m.Standing(subject); err != nil && len(me.Coordinates) > 0 {
		return nil // the evaluator will answer that the person is unknown
	}
	return fail(http.StatusForbidden, codeForbidden, "%s may ask only about themselves; administrators ask about anyone and coordinators about the staff of their agency", c.Person)
}

// evaluate answers one evaluation on rd, the state of v.
func evaluate(rd reading, v Versions, c Caller, q *evaluationRequest) (evaluationResponse, error) {
	r, err := q.request()
	if err != nil {
		return evaluationResponse{}, err
	}
	if err := mayAsk(rd, c, r.Subject); err != nil {
		return evaluationResponse{}, err
	}
	d, err := rd.Check(r)
	if err != nil {
		return evaluationResponse{}, err
	}
	return evaluationResponse{Decision: d.Allowed, Context: evaluationContext{Level: d.Level, Reasons: d.Reasons, Version: v.String()}}, nil
}

// one answers a single evaluation.
func (h *handler) one(w http.ResponseWriter, r *http.Request, c Caller, q *evaluationRequest) error {
	atLeast, err := q.atLeast()
	if err != nil {
		return err
	}
	var res evaluationResponse
	if err := h.read(r.Context(), atLeast, func(rd reading, v Versions) (err error) {
		res, err = evaluate(rd, v, c, q)
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (h *handler) evaluation(w http.ResponseWriter, r *http.Request, c Caller) error {
	var q evaluationRequest
	if err := decode(r, h.cfg.MaxBody, &q); err != nil {
		return err
	}
	return h.one(w, r, c, &q)
}

type evaluationsRequest struct {
	evaluationRequest
	Evaluations []evaluationRequest `json:"evaluations"`
	Options     struct {
		Semantic string `json:"evaluations_semantic"`
	} `json:"options"`
}

// evaluations answers each item in request order, every item from one state; the top-level
// subject, action, resource and context are the defaults of every item, and an item's own
// entity replaces its default whole. deny_on_first_deny and permit_on_first_permit stop after
// the first deny or permit (an item in error counts as a deny). A failure of the service
// fails the whole answer.
func (h *handler) evaluations(w http.ResponseWriter, r *http.Request, c Caller) error {
	var q evaluationsRequest
	if err := decode(r, h.cfg.MaxBody, &q); err != nil {
		return err
	}
	semantic := q.Options.Semantic
	if semantic == "" {
		semantic = "execute_all"
	}
	if !slices.Contains([]string{"execute_all", "deny_on_first_deny", "permit_on_first_permit"}, semantic) {
		return fail(http.StatusBadRequest, codeBadRequest, "options.evaluations_semantic must be execute_all, deny_on_first_deny or permit_on_first_permit, not %q", semantic)
	}
	items := q.Evaluations
	if len(items) == 0 { // AuthZEN 1.0 §7.1: no evaluations[] is one evaluation, answered as one
		return h.one(w, r, c, &q.evaluationRequest)
	}
	atLeast, err := q.atLeast()
	if err != nil {
		return err
	}
	for i := range items {
		it := &items[i]
		if it.Subject == nil {
			it.Subject = q.Subject
		}
		if it.Action == nil {
			it.Action = q.Action
		}
		if it.Resource == nil {
			it.Resource = q.Resource
		}
		if it.Context == nil {
			it.Context = q.Context
		}
		more, err := it.atLeast()
		if err != nil {
			return err
		}
		atLeast = atLeast.Newest(more)
	}
	var out []evaluationResponse
	if err := h.read(r.Context(), atLeast, func(rd reading, v Versions) error {
		out = make([]evaluationResponse, 0, len(items))
		for i := range items {
			res, err := evaluate(rd, v, c, &items[i])
			if err != nil && fault(err) {
				return err
			}
			if err != nil {
				he := asHTTPError(err)
				res = evaluationResponse{Context: evaluationContext{Version: v.String(), Error: &itemError{Status: he.status, Code: he.Code, Message: he.Message}}}
			}
			out = append(out, res)
			if (semantic == "deny_on_first_deny" && !res.Decision) || (semantic == "permit_on_first_permit" && res.Decision) {
				break
			}
		}
		return nil
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"evaluations": out})
	return nil
}
