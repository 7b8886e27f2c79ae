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

// Store is where the handler reads models and sends edits (SPEC §10, README "Architecture").
// Every shard has one writer: natively each has its own (Writers); in the worker the Ledger is
// the writer of them all.
type Store interface {
	// Model returns a model of the state atLeast names or newer (the zero Versions: the newest
	// the store has at hand, which a read model may have cached for a moment), with the
	// versions of the state it is.
	Model(ctx context.Context, atLeast Versions) (*evaluator.Model, Versions, error)
	// Submit hands an edit batch to the writer of the shard it acts on. key is the
	// Idempotency-Key ("" for none): a retry with the same key gets the first answer back, and
	// is applied once. A version conflict is not remembered (nothing was judged), so a rebased
	// batch may be pushed again under its key.
	Submit(ctx context.Context, batch []byte, key string) (Answer, error)
	// Log lists the accepted batches the state since does not hold, in the order they were
	// judged.
	Log(ctx context.Context, since Versions) ([]LogEntry, error)
	// Seed sets the first snapshot of an empty store (409 when it has one already).
	Seed(ctx context.Context, snapshot []byte) (Answer, error)
}

// Answer is the writer's answer to a batch, kept as sent so a retry can be given it again.
type Answer struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

// LogEntry is an accepted batch: its audit entry (whose version is the whole state's: the
// order the batches were judged in, SPEC §1), the shard it acted on and the version it gave
// that shard, the notifications it raised, and for each edit the agencies it concerns (what a
// coordinator's view of the log is cut by).
type LogEntry struct {
	evaluator.AuditEntry
	Shard         string                   `json:"shard"`
	ShardVersion  int64                    `json:"shard_version"`
	Notifications []evaluator.Notification `json:"notifications"`
	Agencies      [][]string               `json:"agencies"`
	// Claim names the directory's claim the batch was accepted under (Writers: a batch that
	// changes what other shards read); a restart confirms a claim its shard's journal holds.
	Claim string `json:"claim,omitempty"`
}

// Accepted is the body of a 200 answer to POST /v1/edits: the consistency token of the new
// state (read-your-writes: at_least_version with it reads this batch anywhere), the shard the
// batch acted on and its new version (the base_version of the next batch on it).
type Accepted struct {
	Version       string                   `json:"version"`
	Shard         string                   `json:"shard"`
	ShardVersion  int64                    `json:"shard_version"`
	Summary       string                   `json:"summary"`
	Notifications []evaluator.Notification `json:"notifications"`
}

// Commit is the writer's one step (SPEC §5, §10): judge the batch against the whole model
// and, when it is accepted, return the next model, the log entry to make durable and the
// diff's summary. Every writer commits through here, so they answer alike. The batch's
// base_version has been checked against its shard by then and is not passed on (the whole
// model's version counts every shard's batches). A refused batch returns a nil model and its
// answer: 403 not_authorized or 422.
func Commit(m *evaluator.Model, batch []byte, at time.Time) (*evaluator.Model, *LogEntry, string, *Answer) {
	applied, w := m.ApplyWithDiff(batch, at)
	if applied == nil {
		he := asHTTPError(w.Error)
		a := answerOf(he.status, map[string]any{"error": he.Problem})
		return nil, nil, "", &a
	}
	entry := &LogEntry{AuditEntry: applied.Audit, Notifications: applied.Notifications, Agencies: concerned(m, applied.Model, applied.Audit.Edits)}
	return applied.Model, entry, w.Summary, nil
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

// VersionAhead refuses a request for a state the writers have not reached.
func VersionAhead(want, have Versions) error {
	s, asked, at := have.behind(want)
	return fail(http.StatusBadRequest, codeVersionAhead, "the consistency token names version %d of %s, which does not exist yet (it is at version %d); the newest state is %s", asked, describeShard(s), at, have)
}
