package edge

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
)

// Store is where the handler reads models and sends edits. There is one writer (SPEC §10,
// README "Architecture"): in the worker a Durable Object, natively a MemoryStore.
type Store interface {
	// Model returns a model of version atLeast or newer (0: the newest the store has at hand,
	// which a read model may have cached for a moment).
	Model(ctx context.Context, atLeast int64) (*evaluator.Model, error)
	// Submit hands an edit batch to the single writer. key is the Idempotency-Key ("" for
	// none): a retry with the same key gets the first answer back, and is applied once. A
	// version conflict is not remembered (nothing was judged), so a rebased batch may be
	// pushed again under its key.
	Submit(ctx context.Context, batch []byte, key string) (Answer, error)
	// Log lists the accepted batches after version since, in order.
	Log(ctx context.Context, since int64) ([]LogEntry, error)
	// Seed sets the first snapshot of an empty store (409 when it has one already).
	Seed(ctx context.Context, snapshot []byte) (Answer, error)
}

// Answer is the writer's answer to a batch, kept as sent so a retry can be given it again.
type Answer struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

// LogEntry is an accepted batch: its audit entry, the notifications it raised, and for each
// edit the agencies it concerns (what a coordinator's view of the log is cut by).
type LogEntry struct {
	evaluator.AuditEntry
	Notifications []evaluator.Notification `json:"notifications"`
	Agencies      [][]string               `json:"agencies"`
}

// Accepted is the body of a 200 answer to POST /v1/edits.
type Accepted struct {
	Version       int64                    `json:"version"`
	Summary       string                   `json:"summary"`
	Notifications []evaluator.Notification `json:"notifications"`
}

// Commit is the writer's one step (SPEC §5, §10): judge the batch against the current model
// and, when it is accepted, return the next model and the log entry to make durable. Every
// writer (the Durable Object's Go instance, the MemoryStore) commits through here, so they
// answer alike. A refused batch returns a nil model and its answer: 409 version_conflict
// (with the current version), 403 not_authorized, or 422.
func Commit(m *evaluator.Model, batch []byte, at time.Time) (*evaluator.Model, *LogEntry, Answer) {
	applied, w := m.ApplyWithDiff(batch, at)
	if applied == nil {
		he := asHTTPError(w.Error)
		body := map[string]any{"error": he.Problem}
		if he.status == http.StatusConflict {
			body["version"] = m.Version()
		}
		return nil, nil, answerOf(he.status, body)
	}
	notes := applied.Notifications
	entry := &LogEntry{AuditEntry: applied.Audit, Notifications: notes, Agencies: concerned(m, applied.Model, applied.Audit.Edits)}
	return applied.Model, entry, answerOf(http.StatusOK, Accepted{Version: applied.Model.Version(), Summary: w.Summary, Notifications: notes})
}

// concerned lists, for each edit, the agencies it concerns: those any id it names belongs to
// (before or after the batch), and for a person, every agency where they have a record.
func concerned(before, after *evaluator.Model, edits json.RawMessage) [][]string {
	var out [][]string
	gjson.ParseBytes(edits).ForEach(func(_, edit gjson.Result) bool {
		set := map[string]bool{}
		var walk func(v gjson.Result)
		walk = func(v gjson.Result) {
			if v.IsObject() || v.IsArray() {
				v.ForEach(func(_, x gjson.Result) bool { walk(x); return true })
				return
			}
			if v.Type != gjson.String {
				return
			}
			id := strings.TrimPrefix(v.String(), "user:")
			for _, m := range []*evaluator.Model{before, after} {
				if a := m.AgencyOf(id); a != "" {
					set[a] = true
				}
				for _, a := range m.RecordsIn(id) {
					set[a] = true
				}
			}
		}
		walk(edit)
		agencies := make([]string, 0, len(set))
		for a := range set {
			agencies = append(agencies, a)
		}
		sort.Strings(agencies)
		out = append(out, agencies)
		return true
	})
	return out
}

func answerOf(status int, body any) Answer {
	raw, err := json.Marshal(body)
	if err != nil {
		return Answer{Status: http.StatusInternalServerError, Body: json.RawMessage(`{"error":{"code":"failed","message":"the answer could not be written"}}`)}
	}
	return Answer{Status: status, Body: raw}
}

// remembered: an answer is kept for its Idempotency-Key when the batch was judged: accepted
// (200) or refused for what it is (403, 422). A version conflict judged nothing (the batch is
// to be rebased, and may keep its key), nor did a failure of the service.
func remembered(key string, a Answer) bool {
	return key != "" && (a.Status == http.StatusOK || a.Status == http.StatusForbidden || a.Status == http.StatusUnprocessableEntity)
}

// ErrNotSeeded answers any request before the store has a snapshot.
var ErrNotSeeded = fail(http.StatusServiceUnavailable, codeNotSeeded, "no snapshot has been loaded yet: an administrator seeds one with PUT /v1/snapshot")

// VersionAhead refuses a request for a version the writer has not reached.
func VersionAhead(want, have int64) error {
	return fail(http.StatusBadRequest, codeVersionAhead, "version %d does not exist yet; the newest is %d", want, have)
}
