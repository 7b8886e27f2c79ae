package edge

import (
	"encoding/json"
	"net/http"

	"github.com/connsec/connsec/evaluator"
)

// suggest: POST /v1/suggest {subject, action, resource, as_of?} → {suggestions, version}: for
// a request that is not allowed, the edit batches that would allow it, verified, with who
// may make them and who else they let in (§11 of the rules). A person asks about themselves,
// a coordinator about the staff of their agencies, an administrator about anyone.
func (h *handler) suggest(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := person(c, "a suggestion"); err != nil {
		return err
	}
	body, err := readJSON(r, h.cfg.MaxBody)
	if err != nil {
		return err
	}
	var q evaluator.Request
	if err := json.Unmarshal(body, &q); err != nil || q.Subject == "" || q.Action == "" || q.Resource == "" {
		return fail(http.StatusBadRequest, "invalid_value", "the body is {\"subject\": person id, \"action\", \"resource\": typed as page:…, \"as_of\"?}")
	}
	m, v, err := h.model(r)
	if err != nil {
		return err
	}
	if err := mayAsk(m, c, q.Subject); err != nil {
		return err
	}
	got, err := m.Suggest(q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"suggestions": got, "version": v.String()})
	return nil
}
