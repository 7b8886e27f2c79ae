package edge

import (
	"context"
	"net/http"
	"strings"

	"github.com/connsec/connsec/evaluator"
)

// whoIs is what deciding who may ask reads of a state (SPEC §10): a person's standing and the
// agency an id belongs to. The whole model answers it, and so does the directory index.
type whoIs interface {
	Standing(person string) (evaluator.Standing, error)
	AgencyOf(id string) string
}

// reading is one state as the AuthZEN routes read it (SPEC §10): who the caller is, and the
// evaluator's answers. The whole model is one (wholeReading); a view of Shards, every agency
// model it reads cut from one state, is another, and answers as the whole does (RULES.md
// §10.3).
type reading interface {
	whoIs
	Check(r evaluator.Request) (evaluator.Decision, error)
	Who(action, resource, asOf string) ([]evaluator.Access, error)
	What(person, action, asOf string) ([]evaluator.Access, error)
	// Resources lists the ids of one sort on which the subject is allowed the action, in
	// snapshot order.
	Resources(subject, action, sort, asOf string) ([]string, error)
	// Actions lists the actions the subject is allowed on the resource.
	Actions(subject, resource, asOf string) ([]string, error)

	// The coordinator's read routes (SPEC §10; oversight.go): an agency's view, its staff
	// security report, a person's profile, and the lint findings about agencies (nil: all).
	AgencyView(agency string) ([]byte, error)
	Report(agency, asOf string) (*evaluator.Report, error)
	Profile(person, asOf string) (*evaluator.Profile, error)
	Findings(agencies []string) ([]evaluator.Finding, error)
}

// read answers f on one state, the one atLeast names or newer, and that state's versions:
// from Config.Shards when the handler has them, else from the Store's whole model. f may be
// asked again (when a writer moved on while the shards were gathered), so it only computes.
func (h *handler) read(ctx context.Context, atLeast Versions, f func(reading, Versions) error) error {
	if s := h.cfg.Shards; s != nil {
		_, err := s.at(ctx, atLeast, func(w *view) error { return f(w, w.v) })
		return err
	}
	m, v, err := h.cfg.Store.Model(ctx, atLeast)
	if err != nil {
		return err
	}
	return f(wholeReading{m}, v)
}

// wholeReading is the whole model as a reading.
type wholeReading struct{ *evaluator.Model }

// Resources lists the ids of the sort the subject is allowed the action on (AuthZEN search of
// resources, SPEC §10): pages as What lists them, in snapshot order; every unit, agency or
// person asked in snapshot order.
func (m wholeReading) Resources(subject, action, sort, asOf string) ([]string, error) {
	if sort == "page" {
		return pagesOf(m.What(subject, action, asOf))
	}
	out := []string{}
	for _, id := range m.IDs(sort) {
		ok, err := m.Allowed(evaluator.Request{Subject: subject, Action: action, Resource: sort + ":" + id, AsOf: asOf})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// Actions lists the actions the subject is allowed on the resource (actionsOn).
func (m wholeReading) Actions(subject, resource, asOf string) ([]string, error) {
	return actionsOn(m.Check, m.Capabilities(), subject, resource, asOf)
}

// pagesOf lists the pages of what's rows, in their order.
func pagesOf(rows []evaluator.Access, err error) ([]string, error) {
	out := make([]string, 0, len(rows))
	for _, a := range rows {
		out = append(out, a.Page)
	}
	return out, err
}

// actionsOn lists every action the subject is allowed on the resource (AuthZEN search of
// actions, SPEC §10): read, edit, manage_security and the create rights read grants on a
// page; the catalog's capabilities on a unit, agency or person.
func actionsOn(check func(evaluator.Request) (evaluator.Decision, error), caps []string, subject, resource, asOf string) ([]string, error) {
	out := []string{}
	candidates := caps
	if strings.HasPrefix(resource, "page:") {
		candidates = []string{"read", "edit", "manage_security"}
	}
	for _, a := range candidates {
		d, err := check(evaluator.Request{Subject: subject, Action: a, Resource: resource, AsOf: asOf})
		if err != nil {
			return nil, err
		}
		if d.Allowed {
			out = append(out, a)
		}
		if a == "read" {
			for _, k := range d.Create {
				out = append(out, "create:"+k)
			}
		}
	}
	return out, nil
}

// fault is an error of the service rather than of a request (a writer that did not answer, the
// state that moved on): it fails the whole answer, not one item of a batch.
func fault(err error) bool {
	return asHTTPError(err).status >= http.StatusInternalServerError
}
