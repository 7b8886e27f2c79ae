package edge

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
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
func standing(m whoIs, c Caller) evaluator.Standing {
	st, err := m.Standing(c.Person)
	if err != nil {
		return evaluator.Standing{}
	}
	return st
}

// overseer requires an administrator or a coordinator and returns the caller's standing.
func overseer(m whoIs, c Caller, what string) (evaluator.Standing, error) {
	if err := person(c, what); err != nil {
		return evaluator.Standing{}, err
	}
	st := standing(m, c)
	if !st.Administrator && len(st.Coordinates) == 0 {
		return st, fail(http.StatusForbidden, codeForbidden, "%s is neither an administrator nor an active coordinator of an agency; %s is for them", c.Person, what)
	}
	return st, nil
}

// model is the store's model of the state ?at_least_version= (or ?at_least=) names, or newer,
// with that state's versions.
func (h *handler) model(r *http.Request) (*evaluator.Model, Versions, error) {
	at, err := atLeastOf(r)
	if err != nil {
		return nil, Versions{}, err
	}
	return h.cfg.Store.Model(r.Context(), at)
}

// oversee answers f on the state ?at_least_version= names or newer, as read answers the
// AuthZEN routes: from the agency shards when the handler has Shards (the coordinator's read
// routes then hold no whole model, SPEC §10.1), else from the Store's whole model.
func (h *handler) oversee(r *http.Request, f func(reading, Versions) error) error {
	at, err := atLeastOf(r)
	if err != nil {
		return err
	}
	return h.read(r.Context(), at, f)
}

// snapshot: the whole document for an administrator (streamed from the writers' pieces by
// export when the handler reads Shards, SPEC §10); a coordinator's own agency (the view of
// ?agency= when they coordinate several). The ETag is the consistency token. A document's
// version counts the batches applied to it (SPEC §10.2): the whole document's, every batch;
// an agency's view, that agency's batches, the base_version of a batch made on it.
//
// An agency's view is read from that agency's shard (ShardView); the whole document is the
// administrator's export, read from the Store.
func (h *handler) snapshot(w http.ResponseWriter, r *http.Request, c Caller) error {
	if r.URL.Query().Get("agency") == "" && h.cfg.Shards != nil { // an administrator's export
		if answered, err := h.export(w, r, c); answered {
			return err
		}
	}
	var body []byte
	var v Versions
	whole := false
	agency := r.URL.Query().Get("agency")
	err := h.oversee(r, func(rd reading, at Versions) error {
		st, err := overseer(rd, c, "the snapshot")
		if err != nil {
			return err
		}
		v = at
		if st.Administrator && agency == "" {
			whole = true
			return nil
		}
		a := agency
		if a == "" {
			a = st.Coordinates[0]
		}
		if !st.Administrator && !slices.Contains(st.Coordinates, a) {
			return fail(http.StatusForbidden, codeForbidden, "%s does not coordinate %s; they coordinate %s", c.Person, a, strings.Join(st.Coordinates, ", "))
		}
		if body, err = rd.AgencyView(a); err == nil {
			body, err = sjson.SetBytes(body, "version", at.Of(Shard{Agency: a}))
		}
		return err
	})
	if err != nil {
		return err
	}
	if whole {
		m, mv, err := h.model(r)
		if err != nil {
			return err
		}
		body, v = m.Snapshot(), mv
	}
	// The ETag is the consistency token (SPEC §10.2). A caller's default view is always the
	// same agency, so a tag they hold stands for it; a view asked for by ?agency= is always
	// sent whole.
	etag := `"` + v.String() + `"`
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
	if _, v, err := h.cfg.Store.Model(r.Context(), Versions{}); err == nil {
		writeJSON(w, http.StatusConflict, map[string]any{"error": Problem{Code: "seeded", Message: "the service holds a snapshot already; change it with edits"}, "version": v.String()})
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == SeedPartsType {
		return h.seedParts(w, r, c)
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

// seedParts takes a seed in parts (seed_parts.go), gzip or not: the writers read it line by
// line; a store that does not takes it whole, up to the whole seed's limit.
func (h *handler) seedParts(w http.ResponseWriter, r *http.Request, c Caller) error {
	body := io.Reader(r.Body)
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			return fail(http.StatusBadRequest, codeBadRequest, "the snapshot is sent as gzip but does not read as gzip: %v", err)
		}
		defer gz.Close()
		body = gz
	default:
		return fail(http.StatusUnsupportedMediaType, codeMediaType, "a snapshot in parts is sent as it is or as gzip, not %q", enc)
	}
	admitted := func(m *evaluator.Model) error {
		if !standing(m, c).Administrator {
			return fail(http.StatusForbidden, codeForbidden, "%s is not an active administrator of the snapshot being seeded", c.Person)
		}
		return nil
	}
	var a Answer
	var err error
	if s, ok := h.cfg.Store.(partsSeeder); ok {
		a, err = s.SeedParts(r.Context(), body, admitted)
	} else {
		a, err = seedJoined(r.Context(), h.cfg.Store, body, admitted)
	}
	if err != nil {
		return err
	}
	writeBody(w, a.Status, "application/json", a.Body)
	return nil
}

// seedJoined seeds store, which takes only whole snapshots, with a seed in parts joined.
func seedJoined(ctx context.Context, store Store, parts io.Reader, admitted func(*evaluator.Model) error) (Answer, error) {
	objs := [][]byte{}
	total := 0
	p, err := readParts(parts, false, func(a string, obj []byte) error {
		if total += len(obj); total > maxSeed {
			return fail(http.StatusRequestEntityTooLarge, codeTooLarge, "this service takes a snapshot of at most %d bytes", maxSeed)
		}
		objs = append(objs, obj)
		return nil
	})
	if err != nil {
		return Answer{}, err
	}
	doc, err := joinParts(p.top, objs)
	if err != nil {
		return Answer{}, err
	}
	m, err := evaluator.Load(doc)
	if err != nil {
		return Answer{}, err
	}
	if err := admitted(m); err != nil {
		return Answer{}, err
	}
	return store.Seed(ctx, doc)
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
// names the version of its shard it was made on or comes with an Idempotency-Key — either
// way a retry cannot apply it twice. A keyed batch without base_version applies to the
// version current when the shard's writer takes it (a script's way; the workbench always
// sends base_version).
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
		return fail(http.StatusBadRequest, codeBadRequest, "the batch needs base_version (the version of the agency the edits were made on: the version of its snapshot from GET /v1/snapshot, or the consistency token of its ETag), or an Idempotency-Key header")
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

// whatIf answers on the read model of the batch's base_version or newer (SPEC §6, §10): the
// what-if of a batch made on an older version of its shard is refused as version_conflict, as
// pushing it would be; its version is the consistency token of the state it was judged on. Over
// Shards a batch of page, security and unit-role edits is judged on its agency's shard
// (whatif.go).
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
	var atLeast Versions
	if t := gjson.GetBytes(batch, "base_version"); t.Type == gjson.String {
		if atLeast, err = ParseVersions(t.Str); err != nil {
			return err
		}
	}
	var out *evaluator.WhatIf
	var v Versions
	for try := 0; ; try++ {
		var newer *Versions
		if out, v, newer, err = h.whatIfAt(r.Context(), atLeast, batch); err != nil {
			return err
		}
		if newer == nil {
			break
		}
		if try == 2 {
			return errMoved
		}
		atLeast = *newer // made on a version this reader has not seen yet
	}
	body, err := json.Marshal(out)
	if err == nil {
		body, err = sjson.SetBytes(body, "version", v.String())
	}
	if err != nil {
		return err
	}
	writeBody(w, http.StatusOK, "application/json", body)
	return nil
}

// whatIfAt judges the what-if on the state atLeast names or newer: from the shard of the
// agency the batch acts on when the handler has Shards and that shard judges it as the whole
// does (view.judges), else on the Store's whole model. newer names the state to judge it on
// instead, when the batch was made on a version of its shard that state has not reached.
func (h *handler) whatIfAt(ctx context.Context, atLeast Versions, batch []byte) (out *evaluator.WhatIf, v Versions, newer *Versions, err error) {
	if s := h.cfg.Shards; s != nil {
		v, err = s.at(ctx, atLeast, func(w *view) error {
			var err error
			out, newer, err = whatIfOn(w, w.v, batch, func(s Shard, named bool) (*evaluator.Model, error) {
				if !named || s.Agency == "" || !w.judges(s.Agency, batch) {
					return nil, errWhole
				}
				return w.writable(s.Agency)
			})
			return err
		})
		if err != errWhole {
			return out, v, newer, err
		}
	}
	m, v, err := h.cfg.Store.Model(ctx, atLeast)
	if err != nil {
		return nil, v, nil, err
	}
	out, newer, err = whatIfOn(m, v, batch, func(Shard, bool) (*evaluator.Model, error) { return m, nil })
	return out, v, newer, err
}

// errWhole: the batch is judged on the whole model.
var errWhole = fail(http.StatusInternalServerError, codeFailed, "the what-if is judged on the whole model")

// whatIfOn judges the what-if on one state (rd names the shard the batch acts on; v is the
// state's versions) with the model judge gives: a batch made on an older version of its shard
// is refused as version_conflict, as pushing it would be (SPEC §10.2), and one made on a
// newer version asks for that state (newer).
func whatIfOn(rd whoIs, v Versions, batch []byte, judge func(s Shard, named bool) (*evaluator.Model, error)) (*evaluator.WhatIf, *Versions, error) {
	s, named, err := shardOf(rd.AgencyOf, batch)
	base, hasBase := int64(0), false
	if err == nil && named {
		base, hasBase, err = baseVersion(batch, s)
	}
	switch {
	case err != nil:
		he := asHTTPError(err)
		return &evaluator.WhatIf{Error: &evaluator.EditError{Code: he.Code, Index: indexOf(he.Problem), Path: he.Path, Message: he.Message}}, nil, nil
	case hasBase && base > v.Of(s):
		newer := v.With(s, base)
		return nil, &newer, nil
	case hasBase && base != v.Of(s):
		return &evaluator.WhatIf{Error: &evaluator.EditError{Code: evaluator.CodeVersionConflict, Index: -1, Path: "base_version",
			Message: conflictMessage(s, base, v)}}, nil, nil
	}
	m, err := judge(s, named)
	if err != nil {
		return nil, nil, err
	}
	judged, _ := sjson.DeleteBytes(batch, "base_version")
	return m.WhatIf(judged), nil, nil
}

func indexOf(p Problem) int {
	if p.Index == nil {
		return -1
	}
	return *p.Index
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

// loggedBatch is a log entry as GET /v1/log shows it: the shard the batch acted on and the
// version it gave that shard.
type loggedBatch struct {
	Shard   string          `json:"shard"`
	Version int64           `json:"version"`
	Actor   string          `json:"actor"`
	Time    string          `json:"time"`
	Edits   json.RawMessage `json:"edits"`
}

// log: the batches applied since the state of ?since= (a consistency token; none or 0: all of
// them), in the order they were judged; ?agency= keeps the edits that concern that agency.
func (h *handler) log(w http.ResponseWriter, r *http.Request, c Caller) error {
	since := Versions{}
	if t := r.URL.Query().Get("since"); t != "" && t != "0" {
		var err error
		if since, err = ParseVersions(t); err != nil {
			return fail(http.StatusBadRequest, codeBadRequest, "since is a consistency token (the version of an earlier answer); the log after it is shown")
		}
	}
	var st evaluator.Standing
	var agencies []string
	var v Versions
	if err := h.oversee(r, func(rd reading, at Versions) (err error) {
		v = at
		st, agencies, err = overseen(rd, c, r.URL.Query().Get("agency"), "the edit log")
		return err
	}); err != nil {
		return err
	}
	entries, err := h.cfg.Store.Log(r.Context(), since)
	if err != nil {
		return err
	}
	out := []loggedBatch{}
	for _, e := range entries {
		seen, ok := e.AuditEntry, true
		if r.URL.Query().Get("agency") != "" || !(st.Administrator || e.Actor == c.Person) {
			seen, ok = forAgencies(e, agencies)
		}
		if ok {
			out = append(out, loggedBatch{Shard: e.Shard, Version: e.ShardVersion, Actor: seen.Actor, Time: seen.Time, Edits: seen.Edits})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out, "version": v.String()})
	return nil
}

// notifications: a person's own; a coordinator's also those of their agencies' staff; an
// administrator's all of them.
func (h *handler) notifications(w http.ResponseWriter, r *http.Request, c Caller) error {
	if err := person(c, "notifications"); err != nil {
		return err
	}
	entries, err := h.cfg.Store.Log(r.Context(), Versions{})
	if err != nil {
		return err
	}
	var out []evaluator.Notification
	var v Versions
	if err := h.oversee(r, func(rd reading, at Versions) error {
		v = at
		st := standing(rd, c)
		out = []evaluator.Notification{}
		for _, e := range entries {
			for _, n := range e.Notifications {
				if st.Administrator || n.Person == c.Person || staffOf(rd, n.Person, st.Coordinates) {
					out = append(out, n)
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out, "version": v.String()})
	return nil
}

func staffOf(m whoIs, person string, agencies []string) bool {
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

// overseen is whom an overseer's route is about: the agency of ?agency= (which a coordinator
// must coordinate), else a coordinator's agencies, or (nil) everything for an administrator.
func overseen(rd whoIs, c Caller, agency, what string) (evaluator.Standing, []string, error) {
	st, err := overseer(rd, c, what)
	switch {
	case err != nil:
		return st, nil, err
	case agency == "" && st.Administrator:
		return st, nil, nil
	case agency == "":
		return st, st.Coordinates, nil
	case !st.Administrator && !slices.Contains(st.Coordinates, agency):
		return st, nil, fail(http.StatusForbidden, codeForbidden, "%s does not coordinate %s; they coordinate %s", c.Person, agency, strings.Join(st.Coordinates, ", "))
	}
	return st, []string{agency}, nil
}

// lint: an administrator sees every finding, a coordinator those about their agencies (SPEC
// §7, §10); ?agency= keeps those about that agency (its own, its units', its pages' and its
// staff's). Over Shards they are composed from the shards that hold them (view.Findings).
func (h *handler) lint(w http.ResponseWriter, r *http.Request, c Caller) error {
	var out []evaluator.Finding
	var v Versions
	if err := h.oversee(r, func(rd reading, at Versions) error {
		_, agencies, err := overseen(rd, c, r.URL.Query().Get("agency"), "lint")
		if err == nil {
			v = at
			out, err = rd.Findings(agencies)
		}
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"findings": out, "version": v.String()})
	return nil
}

// report: the staff security report of ?agency= (JSON, or CSV when Accept asks for
// text/csv), for an administrator or a coordinator of that agency.
func (h *handler) report(w http.ResponseWriter, r *http.Request, c Caller) error {
	agency := r.URL.Query().Get("agency")
	var rep *evaluator.Report
	if err := h.oversee(r, func(rd reading, _ Versions) error {
		st, err := overseer(rd, c, "the staff security report")
		if err != nil {
			return err
		}
		if agency == "" && len(st.Coordinates) > 0 {
			agency = st.Coordinates[0]
		}
		if agency == "" {
			return fail(http.StatusBadRequest, codeBadRequest, "name the agency: /v1/report?agency=<id>")
		}
		if !st.Administrator && !slices.Contains(st.Coordinates, agency) {
			return fail(http.StatusForbidden, codeForbidden, "%s does not coordinate %s", c.Person, agency)
		}
		rep, err = rd.Report(agency, r.URL.Query().Get("as_of"))
		return err
	}); err != nil {
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
	who := r.PathValue("person")
	var p *evaluator.Profile
	if err := h.oversee(r, func(rd reading, _ Versions) (err error) {
		if err = mayAsk(rd, c, who); err == nil {
			p, err = rd.Profile(who, r.URL.Query().Get("as_of"))
		}
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// me: who the token says the caller is, and their standing on the current version.
func (h *handler) me(w http.ResponseWriter, r *http.Request, c Caller) error {
	var out map[string]any
	if err := h.oversee(r, func(rd reading, v Versions) error {
		out = map[string]any{"subject": c.String(), "version": v.String()}
		if c.Person != "" {
			if st, err := rd.Standing(c.Person); err == nil {
				out["standing"] = st
			}
		}
		return nil
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
