package edge

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Journal is the durable storage of one shard's writer: the log of the batches accepted on
// the shard and the answers kept by Idempotency-Key. In the worker it is a Shard Durable
// Object's SQLite storage (wasm/worker/journal_js.go); natively it is memory.
type Journal interface {
	// Kept returns the answer kept under key and the hash of its batch.
	Kept(key string) (hash string, a Answer, found bool, err error)
	// Record makes one outcome durable, all of it or none: the log entry of an accepted batch
	// and the answer under its key.
	Record(r Record) error
	// Entries lists the accepted batches after the shard's version since, in order.
	Entries(since int64) ([]LogEntry, error)
}

// Journals is the storage of every shard: a Journal each, and the checkpoints of the whole
// state the writer composes them into.
type Journals interface {
	Journal(s Shard) Journal
	// Shards lists the shards whose journals hold an entry.
	Shards() ([]Shard, error)
	// Checkpoint is the newest checkpoint (nil: none, an empty ledger).
	Checkpoint() (*Checkpoint, error)
	// SaveCheckpoint keeps c as the newest checkpoint.
	SaveCheckpoint(c Checkpoint) error
}

// Record is one outcome of a shard's writer, as its Journal stores it.
type Record struct {
	Entry   *LogEntry `json:"entry,omitempty"`  // an accepted batch; nil when refused
	Key     string    `json:"key,omitempty"`    // the answer is kept under Key when set
	Hash    string    `json:"hash,omitempty"`   // the hash of the batch the key is bound to
	Answer  *Answer   `json:"answer,omitempty"` // what was answered
	Version int64     `json:"version"`          // the shard's version after it
	// State is the shard's whole state after it, kept by the writers of their own shard
	// (Writers): an agency object, or the directory's document and claims. The Ledger keeps
	// none (nil).
	State json.RawMessage `json:"state,omitempty"`
}

// Checkpoint is the whole state at a moment: its document (whose version counts every batch)
// and the version of each shard then, as a consistency token.
type Checkpoint struct {
	Versions string `json:"versions"`
	Snapshot string `json:"snapshot"`
}

// CheckpointEvery is how many batches (of all shards together) pass between checkpoints.
const CheckpointEvery = 100

// Ledger is the writer of every shard (SPEC §10.1, README "Architecture"): each shard has its
// own journal, version and idempotency, and a batch is routed to the one shard it acts on,
// checked against that shard's version and recorded in that shard's journal. It judges the
// batch against the whole model it composes from all of them, under one mutex: that is what
// keeps the rules that reach across agencies (add_staff, reinstate_staff, set_person_id) as
// they are until shards have writers of their own. The model moves on only once the shard's
// journal has recorded the outcome, so what was answered is what is durable.
type Ledger struct {
	mu       sync.Mutex
	model    *evaluator.Model
	versions Versions
	journals Journals
	now      func() time.Time

	dir   *DirectoryIndex // the directory index of the model, made when a reader first asks
	dirAt *evaluator.Model

	exports exportCuts // the states exports read, kept for them (export.go)
}

// NewLedger is an empty writer over journals, until seeded.
func NewLedger(journals Journals, now func() time.Time) *Ledger {
	return &Ledger{journals: journals, now: now}
}

// RestoreLedger loads the newest checkpoint of journals (none: an empty ledger) and applies
// again every batch the shards' journals logged after it, in the order they were judged
// (their whole-state version); each must make its logged versions. When there were some, it
// saves a new checkpoint, so the next start begins there.
func RestoreLedger(journals Journals, now func() time.Time) (*Ledger, error) {
	cp, err := journals.Checkpoint()
	if err != nil || cp == nil {
		return NewLedger(journals, now), err
	}
	m, err := evaluator.Load([]byte(cp.Snapshot))
	if err != nil {
		return nil, fmt.Errorf("the checkpoint does not load: %w", err)
	}
	versions, err := ParseVersions(cp.Versions)
	if err != nil {
		return nil, fmt.Errorf("the checkpoint's versions do not read: %w", err)
	}
	shards, err := journals.Shards()
	if err != nil {
		return nil, err
	}
	var entries []LogEntry
	for _, s := range shards {
		more, err := journals.Journal(s).Entries(versions.Of(s))
		if err != nil {
			return nil, err
		}
		entries = append(entries, more...)
	}
	slices.SortFunc(entries, func(a, b LogEntry) int { return cmp.Compare(a.Version, b.Version) })
	for _, e := range entries {
		s, _ := ParseShard(e.Shard)
		if e.Version != m.Version()+1 || e.ShardVersion != versions.Of(s)+1 {
			return nil, fmt.Errorf("the journals are not whole: after version %d of the state and %d of %s comes version %d of the state and %d of %s", m.Version(), versions.Of(s), s, e.Version, e.ShardVersion, s)
		}
		batch, at := e.Replay()
		applied, err := m.Apply(batch, at)
		if err != nil {
			return nil, fmt.Errorf("version %d of %s does not apply again: %w", e.ShardVersion, s, err)
		}
		m, versions = applied.Model, versions.With(s, e.ShardVersion)
	}
	if len(entries) > 0 {
		if err := journals.SaveCheckpoint(Checkpoint{Versions: versions.String(), Snapshot: string(m.Snapshot())}); err != nil {
			return nil, err
		}
	}
	return &Ledger{model: m, versions: versions, journals: journals, now: now}, nil
}

// Replay is the batch and time to apply an accepted batch again, on the whole state before it.
func (e LogEntry) Replay() ([]byte, time.Time) {
	batch, _ := json.Marshal(map[string]any{"actor": e.Actor, "base_version": e.Version - 1, "edits": e.Edits})
	at, _ := time.Parse(time.RFC3339, e.Time)
	return batch, at
}

// NewMemoryStore is a Ledger over memory journals holding snapshot (nil: empty until seeded):
// the native server's store and the tests'.
func NewMemoryStore(snapshot []byte, now func() time.Time) (*Ledger, error) {
	l := NewLedger(NewMemoryJournals(), now)
	if snapshot != nil {
		if _, err := l.Seed(context.Background(), snapshot); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// BatchHash is what an Idempotency-Key is bound to: a retry must send the same batch.
func BatchHash(batch []byte) string {
	sum := sha256.Sum256(batch)
	return hex.EncodeToString(sum[:])
}

func keyReused() Answer {
	return answerOf(http.StatusUnprocessableEntity, map[string]any{"error": Problem{Code: codeKeyReused,
		Message: "this Idempotency-Key was used for another batch; send a new key with a new batch"}})
}

func (l *Ledger) Model(_ context.Context, atLeast Versions) (*evaluator.Model, Versions, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model == nil {
		return nil, Versions{}, ErrNotSeeded
	}
	if !l.versions.Covers(atLeast) {
		return nil, Versions{}, VersionAhead(atLeast, l.versions)
	}
	return l.model, l.versions, nil
}

// baseVersion reads the batch's base_version as the version of shard s: a whole number is
// that shard's version; a consistency token names it.
func baseVersion(batch []byte, s Shard) (int64, bool, error) {
	v := gjson.GetBytes(batch, "base_version")
	switch {
	case !v.Exists() || v.Type == gjson.Null:
		return 0, false, nil
	case v.Type == gjson.String:
		t, err := ParseVersions(v.Str)
		return t.Of(s), err == nil, err
	}
	n, err := strconv.ParseInt(v.Raw, 10, 64)
	if v.Type != gjson.Number || err != nil || n < 0 {
		return 0, false, fail(http.StatusUnprocessableEntity, evaluator.CodeInvalidValue, "base_version is the version of the agency (or of the directory) the batch was made on: a whole number, or the consistency token of the snapshot")
	}
	return n, true, nil
}

// conflictMessage words a version conflict on shard s for a coordinator.
func conflictMessage(s Shard, base int64, versions Versions) string {
	return fmt.Sprintf("the batch was made on version %d of %s, but %s is at version %d now: look at the changes since, then make the batch again", base, describeShard(s), describeShard(s), versions.Of(s))
}

// conflict answers a batch made on another version of its shard than the current one.
func conflict(s Shard, base int64, versions Versions) Answer {
	minus := -1
	return answerOf(http.StatusConflict, map[string]any{
		"error": Problem{Code: evaluator.CodeVersionConflict, Path: "base_version", Index: &minus,
			Message: conflictMessage(s, base, versions)},
		"version": versions.String(), "shard": s.String(), "shard_version": versions.Of(s)})
}

// Submit routes the batch to the shard it acts on, checks its base_version against that
// shard, judges it (Commit) and records the outcome in that shard's journal before answering.
// A key already answered for this batch on that shard gets that answer again; for another
// batch, idempotency_key_reused.
func (l *Ledger) Submit(_ context.Context, batch []byte, key string) (Answer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model == nil {
		return Answer{}, ErrNotSeeded
	}
	s, named, err := shardOf(l.model.AgencyOf, batch)
	if err != nil {
		he := asHTTPError(err)
		return answerOf(he.status, map[string]any{"error": he.Problem}), nil
	}
	j := l.journals.Journal(s)
	hash := BatchHash(batch)
	if key != "" {
		kept, a, found, err := j.Kept(key)
		if err != nil {
			return Answer{}, err
		}
		if found && kept != hash {
			return keyReused(), nil
		}
		if found {
			return a, nil
		}
	}
	base, hasBase, err := baseVersion(batch, s)
	if err != nil {
		he := asHTTPError(err)
		return answerOf(he.status, map[string]any{"error": he.Problem}), nil
	}
	if named && hasBase && base != l.versions.Of(s) {
		return conflict(s, base, l.versions), nil
	}
	judged, err := sjson.DeleteBytes(batch, "base_version")
	if err != nil {
		return Answer{}, err
	}
	next, entry, summary, refused := Commit(l.model, judged, l.now())
	versions := l.versions
	r := Record{Version: versions.Of(s)}
	var a Answer
	if refused != nil {
		a = *refused
	} else {
		versions = versions.With(s, versions.Of(s)+1)
		entry.Shard, entry.ShardVersion = s.String(), versions.Of(s)
		for i := range entry.Notifications {
			entry.Notifications[i].Version = entry.ShardVersion
		}
		r.Entry, r.Version = entry, entry.ShardVersion
		a = answerOf(http.StatusOK, Accepted{Version: versions.String(), Shard: s.String(), ShardVersion: entry.ShardVersion, Summary: summary, Notifications: entry.Notifications})
	}
	if remembered(key, a) {
		r.Key, r.Hash, r.Answer = key, hash, &a
	}
	if r.Entry != nil || r.Key != "" {
		if err := j.Record(r); err != nil {
			return Answer{}, fmt.Errorf("the edit could not be stored, so it was not made: %w", err)
		}
	}
	if next != nil {
		l.model, l.versions = next, versions
		if next.Version()%CheckpointEvery == 0 {
			// The batch is durable in its journal already; a checkpoint that fails is tried
			// again after the next CheckpointEvery batches, and a restart replays from the
			// one before.
			l.journals.SaveCheckpoint(Checkpoint{Versions: versions.String(), Snapshot: string(next.Snapshot())})
		}
	}
	return a, nil
}

// Log lists the batches of every shard that since does not hold, in the order they were
// judged.
func (l *Ledger) Log(_ context.Context, since Versions) ([]LogEntry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return journalLog(l.journals, since)
}

// journalLog lists the batches of every shard of journals that since does not hold, in the
// order of their Version (the order they were judged).
func journalLog(journals Journals, since Versions) ([]LogEntry, error) {
	shards, err := journals.Shards()
	if err != nil {
		return nil, err
	}
	out := []LogEntry{}
	for _, s := range shards {
		more, err := journals.Journal(s).Entries(since.Of(s))
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	slices.SortFunc(out, func(a, b LogEntry) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}

// entriesAfter keeps the entries after the whole state's version seq.
func entriesAfter(all []LogEntry, seq int64) []LogEntry {
	out := []LogEntry{}
	for _, e := range all {
		if e.Version > seq {
			out = append(out, e)
		}
	}
	return out
}

// Seed sets the first snapshot of an empty ledger, kept as its first checkpoint: every shard
// starts at version 0.
func (l *Ledger) Seed(_ context.Context, snapshot []byte) (Answer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model != nil {
		return answerOf(http.StatusConflict, map[string]any{"error": Problem{Code: "seeded", Message: "the service holds a snapshot already; change it with edits"}, "version": l.versions.String()}), nil
	}
	m, err := evaluator.Load(snapshot)
	if err != nil {
		return Answer{}, err
	}
	versions := Versions{}
	if err := l.journals.SaveCheckpoint(Checkpoint{Versions: versions.String(), Snapshot: string(snapshot)}); err != nil {
		return Answer{}, fmt.Errorf("the snapshot could not be stored: %w", err)
	}
	l.model, l.versions = m, versions
	return answerOf(http.StatusOK, map[string]any{"version": versions.String()}), nil
}

// Snapshot is the writer's current whole document (nil before a seed).
func (l *Ledger) Snapshot() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model == nil {
		return nil
	}
	return l.model.Snapshot()
}

// Versions is the version of every shard, and false before a seed.
func (l *Ledger) Versions() (Versions, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.versions, l.model != nil
}

// memoryJournal keeps everything in memory (and loses it with the process). It may be read
// while its writer records (Writers.Log).
type memoryJournal struct {
	mu           sync.Mutex
	log          []LogEntry
	answers      map[string]keptAnswer
	state        json.RawMessage
	stateVersion int64
}

type keptAnswer struct {
	hash string
	Answer
}

func (j *memoryJournal) Kept(key string) (string, Answer, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	a, found := j.answers[key]
	return a.hash, a.Answer, found, nil
}

func (j *memoryJournal) Record(r Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if r.Entry != nil {
		j.log = append(j.log, *r.Entry)
	}
	if r.Key != "" {
		j.answers[r.Key] = keptAnswer{r.Hash, *r.Answer}
	}
	if r.State != nil {
		j.state, j.stateVersion = r.State, r.Version
	}
	return nil
}

func (j *memoryJournal) State() (json.RawMessage, int64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.state, j.stateVersion, nil
}

func (j *memoryJournal) Entries(since int64) ([]LogEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []LogEntry{}
	for _, e := range j.log {
		if e.ShardVersion > since {
			out = append(out, e)
		}
	}
	return out, nil
}

// memoryJournals keeps every shard's journal and the checkpoint in memory.
type memoryJournals struct {
	mu         sync.Mutex
	shards     map[Shard]*memoryJournal
	checkpoint *Checkpoint
}

// NewMemoryJournals is the native server's storage (lost with the process).
func NewMemoryJournals() Journals { return &memoryJournals{shards: map[Shard]*memoryJournal{}} }

func (m *memoryJournals) Journal(s Shard) Journal {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.shards[s]
	if j == nil {
		j = &memoryJournal{answers: map[string]keptAnswer{}}
		m.shards[s] = j
	}
	return j
}

func (m *memoryJournals) Shards() ([]Shard, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Shard{}
	for s, j := range m.shards {
		j.mu.Lock()
		logged := len(j.log) > 0
		j.mu.Unlock()
		if logged {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Shard) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

func (m *memoryJournals) Checkpoint() (*Checkpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.checkpoint, nil
}

func (m *memoryJournals) SaveCheckpoint(c Checkpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checkpoint = &c
	return nil
}
