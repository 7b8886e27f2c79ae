package edge

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// The coordinator API (SPEC §10). Snapshot, log and report are for administrators and
// coordinators, and a coordinator sees what concerns their own agency. Edits and what-ifs are
// made by a person acting as themselves; a service token may do neither.

// person requires a person token.
func person(c Caller, what string) error {
	if c.Service != "" {
		return fail(http.StatusForbidden, codeForbidden, "service:%s may only evaluate and search; %s needs a person's token", c.Service, what)
	}
	return nil
}

// standing is the caller's standing on m; a person the snapshot does not know has none.
func standing(m *evaluator.Model, c Caller) evaluator.Standing {
	st, err := m.Standing(c.Person)
	if err != nil {
		return evaluator.Standing{}
	}
	return st
}

// overseer requires an administrator or a coordinator and returns the caller's standing.
func overseer(m *evaluator.Model, c Caller, what string) (evaluator.Standing, error) {
	if err := person(c, what); err != nil {
		return evaluator.Standing{}, err
	}
	st := standing(m, c)
	if !st.Administrator && len(st.Coordinates) == 0 {
		return st, fail(http.StatusForbidden, codeForbidden, "%s is neither an administrator nor an active coordinator of an agency; %s is for them", c.Person, what)
	}
	return st, nil
}

// model is the store's model of ?at_least_version= or newer.
func (h *handler) model(r *http.Request) (*evaluator.Model, error) {
	var atLeast int64
	if v := r.URL.Query().Get("at_least_version"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fail(http.StatusBadRequest, codeBadRequest, "at_least_version must be a version number")
		}
		atLeast = n
	}
	return h.cfg.Store.Model(r.Context(), atLeast)
}

// snapshot: the whole document for an administrator; a coordinator's own agency (the view of
// ?agency= when they coordinate several). The ETag is the version.
func (h *handler) snapshot(w http.ResponseWriter, r *http.Request, c Caller) error {
	m, err := h.model(r)
	if err != nil {
		return err
	}
	st, err := overseer(m, c, "the snapshot")
	if err != nil {
		return err
	}
	body := m.Snapshot()
	agency := r.URL.Query().Get("agency")
	if !st.Administrator || agency != "" {
		if agency == "" {
			agency = st.Coordinates[0]
		}
		if !st.Administrator && !slices.Contains(st.Coordinates, agency) {
			return fail(http.StatusForbidden, codeForbidden, "%s does not coordinate %s; they coordinate %s", c.Person, agency, strings.Join(st.Coordinates, ", "))
		}
		if body, err = m.AgencyView(agency); err != nil {
			return err
		}
	}
	// The ETag is the version (SPEC §10). A caller's default view is always the same agency,
	// so a tag they hold stands for it; a view asked for by ?agency= is always sent whole.
	etag := `"` + strconv.FormatInt(m.Version(), 10) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Vary", "Authorization")
	if r.URL.Query().Get("agency") == "" && r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	writeBody(w, http.StatusOK, "application/json", body)
	return nil
}

// seed: the seeding administrator (Config.SeedAdmin) sets the first snapshot of an empty
// store, and must be an administrator of it.
func (h *handler) seed(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := person(c, "seeding"); err != nil {
		return err
	}
	if h.cfg.SeedAdmin == "" || c.Person != h.cfg.SeedAdmin {
		return fail(http.StatusForbidden, codeForbidden, "only the seeding administrator named in the service's configuration (CONNSEC_SEED_ADMIN) may load a first snapshot; %s is not", c.Person)
	}
	if m, err := h.cfg.Store.Model(r.Context(), 0); err == nil {
		writeJSON(w, http.StatusConflict, map[string]any{"error": Problem{Code: "seeded", Message: "the service holds a snapshot already; change it with edits"}, "version": m.Version()})
		return nil
	}
	body, err := readJSON(r, maxSeed)
	if err != nil {
		return err
	}
	m, err := evaluator.Load(body)
	if err != nil {
		return err
	}
	if !standing(m, c).Administrator {
		return fail(http.StatusForbidden, codeForbidden, "%s is not an active administrator of the snapshot being seeded", c.Person)
	}
	a, err := h.cfg.Store.Seed(r.Context(), body)
	if err != nil {
		return err
	}
	writeBody(w, a.Status, "application/json", a.Body)
	return nil
}

// actAsCaller sets the batch's actor to the caller: a person edits as themselves. A batch that
// names someone else is refused.
func actAsCaller(batch []byte, c Caller) ([]byte, error) {
	actor := gjson.GetBytes(batch, "actor")
	if actor.Exists() && actor.String() != c.Person {
		return nil, fail(http.StatusForbidden, codeForbidden, "%s may only act as themselves, not as %s", c.Person, actor.String())
	}
	return sjson.SetBytes(batch, "actor", c.Person)
}

// pushable: a batch pushed to the edge has edits, names each top-level field once, and either
// names the version it was made on or comes with an Idempotency-Key — either way a retry
// cannot apply it twice. A keyed batch without base_version applies to the version current
// when the ledger takes it (a script's way; the workbench always sends base_version).
func pushable(batch []byte, keyed bool) error {
	seen := map[string]bool{}
	dup := ""
	gjson.ParseBytes(batch).ForEach(func(k, _ gjson.Result) bool {
		if seen[k.String()] {
			dup = k.String()
			return false
		}
		seen[k.String()] = true
		return true
	})
	switch {
	case dup != "":
		return fail(http.StatusBadRequest, codeBadRequest, "the batch names %q twice", dup)
	case !keyed && !gjson.GetBytes(batch, "base_version").Exists():
		return fail(http.StatusBadRequest, codeBadRequest, "the batch needs base_version (the version of the snapshot the edits were made on; GET /v1/snapshot gives it as the ETag), or an Idempotency-Key header")
	case gjson.GetBytes(batch, "edits.#").Int() == 0:
		return fail(http.StatusBadRequest, codeBadRequest, "the batch has no edits")
	}
	return nil
}

func (h *handler) edits(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := person(c, "editing"); err != nil {
		return err
	}
	batch, err := readJSON(r, h.cfg.MaxBody)
	if err == nil {
		err = pushable(batch, r.Header.Get("Idempotency-Key") != "")
	}
	if err == nil {
		batch, err = actAsCaller(batch, c)
	}
	if err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return fail(http.StatusBadRequest, codeBadRequest, "the Idempotency-Key is longer than 200 characters")
	}
	if key != "" {
		key = c.Person + "/" + key // a key is the caller's own: another caller's cannot collide
	}
	a, err := h.cfg.Store.Submit(r.Context(), batch, key)
	if err != nil {
		return err
	}
	writeBody(w, a.Status, "application/json", a.Body)
	return nil
}

// whatIf answers on the read model of the batch's base_version or newer.
func (h *handler) whatIf(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := person(c, "a what-if"); err != nil {
		return err
	}
	batch, err := readJSON(r, h.cfg.MaxBody)
	if err == nil {
		batch, err = actAsCaller(batch, c)
	}
	if err != nil {
		return err
	}
	m, err := h.cfg.Store.Model(r.Context(), gjson.GetBytes(batch, "base_version").Int())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m.WhatIf(batch))
	return nil
}

// forAgencies is the entry as a coordinator of agencies sees it: only the edits that concern
// one of them (LogEntry.Agencies), or nothing.
func forAgencies(e LogEntry, agencies []string) (evaluator.AuditEntry, bool) {
	var kept []json.RawMessage
	var all []json.RawMessage
	json.Unmarshal(e.Edits, &all)
	for i, edit := range all {
		if i < len(e.Agencies) && slices.ContainsFunc(e.Agencies[i], func(a string) bool { return slices.Contains(agencies, a) }) {
			kept = append(kept, edit)
		}
	}
	if len(kept) == 0 {
		return evaluator.AuditEntry{}, false
	}
	out := e.AuditEntry
	out.Edits, _ = json.Marshal(kept)
	return out, true
}

func (h *handler) log(w http.ResponseWriter, r *http.Request, c Caller) error {
	since := int64(0)
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fail(http.StatusBadRequest, codeBadRequest, "since must be a version number")
		}
		since = n
	}
	m, err := h.model(r)
	if err != nil {
		return err
	}
	st, err := overseer(m, c, "the edit log")
	if err != nil {
		return err
	}
	entries, err := h.cfg.Store.Log(r.Context(), since)
	if err != nil {
		return err
	}
	out := []evaluator.AuditEntry{}
	for _, e := range entries {
		if st.Administrator || e.Actor == c.Person {
			out = append(out, e.AuditEntry)
		} else if seen, ok := forAgencies(e, st.Coordinates); ok {
			out = append(out, seen)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out, "version": m.Version()})
	return nil
}

// notifications: a person's own; a coordinator's also those of their agencies' staff; an
// administrator's all of them.
func (h *handler) notifications(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := person(c, "notifications"); err != nil {
		return err
	}
	m, err := h.model(r)
	if err != nil {
		return err
	}
	st := standing(m, c)
	entries, err := h.cfg.Store.Log(r.Context(), 0)
	if err != nil {
		return err
	}
	out := []evaluator.Notification{}
	for _, e := range entries {
		for _, n := range e.Notifications {
			if st.Administrator || n.Person == c.Person || staffOf(m, n.Person, st.Coordinates) {
				out = append(out, n)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out, "version": m.Version()})
	return nil
}

func staffOf(m *evaluator.Model, person string, agencies []string) bool {
	st, err := m.Standing(person)
	if err != nil {
		return false
	}
	for _, a := range st.StaffOf {
		if slices.Contains(agencies, a) {
			return true
		}
	}
	return false
}

// lint: an administrator sees every finding; a coordinator those about their agencies.
func (h *handler) lint(w http.ResponseWriter, r *http.Request, c Caller) error {
	m, err := h.model(r)
	if err != nil {
		return err
	}
	st, err := overseer(m, c, "lint")
	if err != nil {
		return err
	}
	out := []evaluator.Finding{}
	for _, f := range m.Lint() {
		_, id, _ := strings.Cut(f.Target, ":") // targets are typed: agency:, unit:, person:, page:
		if st.Administrator || slices.Contains(st.Coordinates, m.AgencyOf(id)) || staffOf(m, id, st.Coordinates) {
			out = append(out, f)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"findings": out, "version": m.Version()})
	return nil
}

// report: the staff security report of ?agency= (JSON, or CSV when Accept asks for
// text/csv), for an administrator or a coordinator of that agency.
func (h *handler) report(w http.ResponseWriter, r *http.Request, c Caller) error {
	m, err := h.model(r)
	if err != nil {
		return err
	}
	st, err := overseer(m, c, "the staff security report")
	if err != nil {
		return err
	}
	agency := r.URL.Query().Get("agency")
	if agency == "" && len(st.Coordinates) > 0 {
		agency = st.Coordinates[0]
	}
	if agency == "" {
		return fail(http.StatusBadRequest, codeBadRequest, "name the agency: /v1/report?agency=<id>")
	}
	if !st.Administrator && !slices.Contains(st.Coordinates, agency) {
		return fail(http.StatusForbidden, codeForbidden, "%s does not coordinate %s", c.Person, agency)
	}
	rep, err := m.Report(agency, r.URL.Query().Get("as_of"))
	if err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		w.Header().Set("Content-Disposition", `attachment; filename="staff-security-`+agency+`.csv"`)
		writeBody(w, http.StatusOK, "text/csv; charset=utf-8", rep.CSV())
		return nil
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// profile: a worker's business function profile, for the worker, an administrator, or a
// coordinator of an agency where the worker is staff.
func (h *handler) profile(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := person(c, "a profile"); err != nil {
		return err
	}
	m, err := h.model(r)
	if err != nil {
		return err
	}
	who := r.PathValue("person")
	if err := mayAsk(m, c, who); err != nil {
		return err
	}
	p, err := m.Profile(who, r.URL.Query().Get("as_of"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// me: who the token says the caller is, and their standing on the current version.
func (h *handler) me(w http.ResponseWriter, r *http.Request, c Caller) error {
	m, err := h.model(r)
	if err != nil {
		return err
	}
	out := map[string]any{"subject": c.String(), "version": m.Version()}
	if c.Person != "" {
		if st, err := m.Standing(c.Person); err == nil {
			out["standing"] = st
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
