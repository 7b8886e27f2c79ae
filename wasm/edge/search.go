package edge

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/connsec/connsec/evaluator"
)

// Search (SPEC §10, AuthZEN 1.0 §8): the searched entity carries its type only. A search
// that names an unknown type or id is not an error: nothing matches it, and the answer's
// results are empty. A request missing what the search needs (the searched entity's type,
// the other entities' type and id, the action's name) is 400.
type searchRequest struct {
	Subject  *entity     `json:"subject"`
	Action   *actionName `json:"action"`
	Resource *entity     `json:"resource"`
	Context  *askContext `json:"context"`
	Page     *struct {
		Token string `json:"token"`
		Limit int    `json:"limit"`
	} `json:"page"`
}

type searchPage struct {
	NextToken string `json:"next_token"`
	Count     int    `json:"count"`
	Total     int    `json:"total"`
}

// searchResponse puts page first, as AuthZEN 1.0 §8.3 recommends.
type searchResponse struct {
	Page    searchPage        `json:"page"`
	Results []any             `json:"results"`
	Context map[string]string `json:"context"`
}

// Paging: a token is an opaque position; limit defaults to 50 and is at most 1,000.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

// window picks the page. A page token names the state it was made on (its consistency token)
// and the position; a later page asked of another state is refused, since the list may have
// changed under it.
func (q *searchRequest) window(total int, version string) (from, to int, next string, err error) {
	limit := defaultLimit
	if q.Page != nil && q.Page.Limit != 0 {
		if q.Page.Limit < 0 || q.Page.Limit > maxLimit {
			return 0, 0, "", fail(http.StatusBadRequest, codeBadRequest, "page.limit must be between 1 and %d", maxLimit)
		}
		limit = q.Page.Limit
	}
	if q.Page != nil && q.Page.Token != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(q.Page.Token)
		cut := strings.LastIndexByte(string(raw), ':')
		var n int
		perr := errors.New("no position")
		if cut > 0 {
			n, perr = strconv.Atoi(string(raw[cut+1:]))
		}
		if derr != nil || perr != nil || n < 0 {
			return 0, 0, "", fail(http.StatusBadRequest, codeBadRequest, "page.token is not one this service gave")
		}
		if tv := string(raw[:cut]); tv != version || n > total {
			return 0, 0, "", fail(http.StatusBadRequest, codeSearchChanged, "access changed since the first page (state %s, now %s): start the search again", clip(tv), version)
		}
		from = n
	}
	to = min(from+limit, total)
	if to < total {
		next = base64.RawURLEncoding.EncodeToString([]byte(version + ":" + strconv.Itoa(to)))
	}
	return from, to, next, nil
}

// find lists every match of a search; nil (with no error) when the request names a type or
// id this snapshot does not have.
type find func(rd reading, c Caller, q *searchRequest) ([]any, error)

func (h *handler) search(w http.ResponseWriter, r *http.Request, c Caller, f find) error {
	var q searchRequest
	if err := decode(r, h.cfg.MaxBody, &q); err != nil {
		return err
	}
	var atLeast Versions
	if q.Context != nil {
		var err error
		if atLeast, err = q.Context.AtLeastVersion.versions(); err != nil {
			return err
		}
	}
	var all []any
	var at Versions
	if err := h.read(r.Context(), atLeast, func(rd reading, v Versions) (err error) {
		at = v
		all, err = f(rd, c, &q)
		var re *evaluator.RequestError
		if errors.As(err, &re) && re.Code == evaluator.CodeUnknownReference {
			all, err = nil, nil // an unknown id matches nothing
		}
		return err
	}); err != nil {
		return err
	}
	if all == nil {
		all = []any{}
	}
	from, to, next, err := q.window(len(all), at.String())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, searchResponse{Page: searchPage{NextToken: next, Count: to - from, Total: len(all)},
		Results: all[from:to], Context: map[string]string{"version": at.String()}})
	return nil
}

func asOf(q *searchRequest) string {
	if q.Context == nil {
		return ""
	}
	return q.Context.AsOf
}

// needs checks that an entity the search is about is there with its type (and its id when
// withID), naming what is missing; known says whether its type is one this service has.
func needs(e *entity, name string, withID bool, types ...string) (known bool, err error) {
	switch {
	case e == nil:
		return false, fail(http.StatusBadRequest, codeBadRequest, "%s is missing", name)
	case e.Type == "":
		return false, fail(http.StatusBadRequest, codeBadRequest, "%s.type is missing", name)
	case withID && e.ID == "":
		return false, fail(http.StatusBadRequest, codeBadRequest, "%s.id is missing", name)
	}
	return slices.Contains(types, e.Type), nil
}

// shape checks what a search needs (the subject's and resource's ids when asked, the action
// when asked), naming what is missing, and says whether both types named are ones this
// service has: an unknown type matches nothing.
func (q *searchRequest) shape(subjectID, action, resourceID bool) (known bool, err error) {
	user, err := needs(q.Subject, "subject", subjectID, "user")
	if err != nil {
		return false, err
	}
	if action {
		if err := needsAction(q.Action); err != nil {
			return false, err
		}
	}
	resource, err := needs(q.Resource, "resource", resourceID, resourceTypes...)
	return user && resource, err
}

func needsAction(a *actionName) error {
	if a == nil || a.Name == "" {
		return fail(http.StatusBadRequest, codeBadRequest, "action.name is missing")
	}
	return nil
}

// searchSubject: every person allowed the action on the resource (evaluator.Who).
func (h *handler) searchSubject(w http.ResponseWriter, r *http.Request, c Caller) error {
	return h.search(w, r, c, func(rd reading, c Caller, q *searchRequest) ([]any, error) {
		if known, err := q.shape(false, true, true); err != nil || !known {
			return nil, err
		}
		if err := mayList(rd, c, q.Resource); err != nil {
			return nil, err
		}
		rows, err := rd.Who(q.Action.Name, q.Resource.Type+":"+q.Resource.ID, asOf(q))
		if err != nil {
			return nil, err
		}
		out := make([]any, len(rows))
		for i, a := range rows {
			out[i] = entity{Type: "user", ID: a.Person}
		}
		return out, nil
	})
}

// mayList: who may list everyone allowed on a resource: a service, an administrator, or a
// coordinator of the resource's agency.
func mayList(m whoIs, c Caller, res *entity) error {
	if c.Service != "" {
		return nil
	}
	me, err := m.Standing(c.Person)
	if err == nil && me.Administrator {
		return nil
	}
	agency := m.AgencyOf(res.ID)
	if res.Type == "person" {
		if st, err := m.Standing(res.ID); err == nil && len(st.StaffOf) > 0 {
			agency = st.StaffOf[0]
		}
	}
	if err == nil && agency != "" && slices.Contains(me.Coordinates, agency) {
		return nil
	}
	return fail(http.StatusForbidden, codeForbidden, "%s may not list who has access to %s %s: administrators and the coordinators of its agency may", c.Person, res.Type, res.ID)
}

// searchResource: every resource of the type on which the subject is allowed the action.
func (h *handler) searchResource(w http.ResponseWriter, r *http.Request, c Caller) error {
	return h.search(w, r, c, func(rd reading, c Caller, q *searchRequest) ([]any, error) {
		if known, err := q.shape(true, true, false); err != nil || !known {
			return nil, err
		}
		if err := mayAsk(rd, c, q.Subject.ID); err != nil {
			return nil, err
		}
		ids, err := rd.Resources(q.Subject.ID, q.Action.Name, q.Resource.Type, asOf(q))
		if err != nil {
			return nil, err
		}
		out := make([]any, len(ids))
		for i, id := range ids {
			out[i] = entity{Type: q.Resource.Type, ID: id}
		}
		return out, nil
	})
}

// searchAction: every action the subject is allowed on the resource: read, edit,
// manage_security and create:<kind> on a page; the capabilities of the business functions on
// a unit, agency or person.
func (h *handler) searchAction(w http.ResponseWriter, r *http.Request, c Caller) error {
	return h.search(w, r, c, func(rd reading, c Caller, q *searchRequest) ([]any, error) {
		if known, err := q.shape(true, false, true); err != nil || !known {
			return nil, err
		}
		if err := mayAsk(rd, c, q.Subject.ID); err != nil {
			return nil, err
		}
		names, err := rd.Actions(q.Subject.ID, q.Resource.Type+":"+q.Resource.ID, asOf(q))
		if err != nil {
			return nil, err
		}
		out := make([]any, len(names))
		for i, a := range names {
			out[i] = actionName{Name: a}
		}
		return out, nil
	})
}
