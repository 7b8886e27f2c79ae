package edge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/connsec/connsec/evaluator"
)

// Journal is the single writer's durable storage: the log of accepted batches, the answers
// kept by Idempotency-Key, and checkpoints of the snapshot. In the worker it is the Ledger
// Durable Object's SQLite storage; natively it is memory.
type Journal interface {
	// Kept returns the answer kept under key and the hash of its batch.
	Kept(key string) (hash string, a Answer, found bool, err error)
	// Record makes one outcome durable, all of it or none: the log entry of an accepted batch,
	// the answer under its key, and a checkpoint.
	Record(r Record) error
	// Entries lists the accepted batches after version since, in order.
	Entries(since int64) ([]LogEntry, error)
}

// Record is one outcome of the writer, as the Journal stores it.
type Record struct {
	Entry      *LogEntry `json:"entry,omitempty"`      // an accepted batch; nil when refused
	Key        string    `json:"key,omitempty"`        // the answer is kept under Key when set
	Hash       string    `json:"hash,omitempty"`       // the hash of the batch the key is bound to
	Answer     *Answer   `json:"answer,omitempty"`     // what was answered
	Version    int64     `json:"version"`              // the version after it
	Checkpoint *string   `json:"checkpoint,omitempty"` // the snapshot to keep as a checkpoint
}

// CheckpointEvery is how many versions pass between checkpoints.
const CheckpointEvery = 100

// Ledger is the single writer (SPEC §10, README "Architecture"): one mutex, one model, one
// Journal. It is the Store of the native server and of the Ledger Durable Object. The model
// moves on only once its Journal has recorded the outcome, so what was answered is what is
// durable.
type Ledger struct {
	mu      sync.Mutex
	model   *evaluator.Model
	journal Journal
	now     func() time.Time
}

// NewLedger is a writer over journal holding model (nil: empty until seeded).
func NewLedger(model *evaluator.Model, journal Journal, now func() time.Time) *Ledger {
	return &Ledger{model: model, journal: journal, now: now}
}

// RestoreLedger loads checkpoint (nil: an empty ledger) and applies again every batch the
// journal logged after it; when there were some, it records a new checkpoint, so the next
// start begins there.
func RestoreLedger(checkpoint []byte, journal Journal, now func() time.Time) (*Ledger, error) {
	if checkpoint == nil {
		return NewLedger(nil, journal, now), nil
	}
	m, err := evaluator.Load(checkpoint)
	if err != nil {
		return nil, fmt.Errorf("the checkpoint does not load: %w", err)
	}
	entries, err := journal.Entries(m.Version())
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		batch, at := e.Replay()
		applied, err := m.Apply(batch, at)
		if err != nil {
			return nil, fmt.Errorf("version %d of the log does not apply again: %w", e.Version, err)
		}
		m = applied.Model
	}
	if len(entries) > 0 {
		text := string(m.Snapshot())
		if err := journal.Record(Record{Version: m.Version(), Checkpoint: &text}); err != nil {
			return nil, err
		}
	}
	return NewLedger(m, journal, now), nil
}

// Replay is the batch and time to apply an accepted batch again, on the version before it.
func (e LogEntry) Replay() ([]byte, time.Time) {
	batch, _ := json.Marshal(map[string]any{"actor": e.Actor, "base_version": e.Version - 1, "edits": e.Edits})
	at, _ := time.Parse(time.RFC3339, e.Time)
	return batch, at
}

// NewMemoryStore is a Ledger over memory holding snapshot (nil: empty until seeded): the native
// server's store and the tests'.
func NewMemoryStore(snapshot []byte, now func() time.Time) (*Ledger, error) {
	var m *evaluator.Model
	if snapshot != nil {
		var err error
		if m, err = evaluator.Load(snapshot); err != nil {
			return nil, err
		}
	}
	return NewLedger(m, &memoryJournal{answers: map[string]keptAnswer{}}, now), nil
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

func (l *Ledger) Model(_ context.Context, atLeast int64) (*evaluator.Model, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model == nil {
		return nil, ErrNotSeeded
	}
	if l.model.Version() < atLeast {
		return nil, VersionAhead(atLeast, l.model.Version())
	}
	return l.model, nil
}

// Submit judges the batch (Commit) and records the outcome before answering. A key already
// answered for this batch gets that answer again; for another batch, idempotency_key_reused.
func (l *Ledger) Submit(_ context.Context, batch []byte, key string) (Answer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hash := BatchHash(batch)
	if key != "" {
		kept, a, found, err := l.journal.Kept(key)
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
	if l.model == nil {
		return Answer{}, ErrNotSeeded
	}
	next, entry, a := Commit(l.model, batch, l.now())
	r := Record{Entry: entry, Version: l.model.Version()}
	if next != nil {
		r.Version = next.Version()
		if r.Version%CheckpointEvery == 0 {
			text := string(next.Snapshot())
			r.Checkpoint = &text
		}
	}
	if remembered(key, a) {
		r.Key, r.Hash, r.Answer = key, hash, &a
	}
	if r.Entry != nil || r.Key != "" {
		if err := l.journal.Record(r); err != nil {
			return Answer{}, fmt.Errorf("the edit could not be stored, so it was not made: %w", err)
		}
	}
	if next != nil {
		l.model = next
	}
	return a, nil
}

func (l *Ledger) Log(_ context.Context, since int64) ([]LogEntry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.journal.Entries(since)
}

// Seed sets the first snapshot of an empty ledger, kept as its first checkpoint.
func (l *Ledger) Seed(_ context.Context, snapshot []byte) (Answer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model != nil {
		return answerOf(http.StatusConflict, map[string]any{"error": Problem{Code: "seeded", Message: "the service holds a snapshot already; change it with edits"}, "version": l.model.Version()}), nil
	}
	m, err := evaluator.Load(snapshot)
	if err != nil {
		return Answer{}, err
	}
	text := string(snapshot)
	if err := l.journal.Record(Record{Version: m.Version(), Checkpoint: &text}); err != nil {
		return Answer{}, fmt.Errorf("the snapshot could not be stored: %w", err)
	}
	l.model = m
	return answerOf(http.StatusOK, map[string]any{"version": m.Version()}), nil
}

// Snapshot is the writer's current document (nil before a seed).
func (l *Ledger) Snapshot() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model == nil {
		return nil
	}
	return l.model.Snapshot()
}

// Version is the writer's current version (-1 before a seed).
func (l *Ledger) Version() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model == nil {
		return -1
	}
	return l.model.Version()
}

// memoryJournal keeps everything in memory (and loses it with the process).
type memoryJournal struct {
	log     []LogEntry
	answers map[string]keptAnswer
}

type keptAnswer struct {
	hash string
	Answer
}

func (j *memoryJournal) Kept(key string) (string, Answer, bool, error) {
	a, found := j.answers[key]
	return a.hash, a.Answer, found, nil
}

func (j *memoryJournal) Record(r Record) error {
	if r.Entry != nil {
		j.log = append(j.log, *r.Entry)
	}
	if r.Key != "" {
		j.answers[r.Key] = keptAnswer{r.Hash, *r.Answer}
	}
	return nil
}

func (j *memoryJournal) Entries(since int64) ([]LogEntry, error) {
	out := []LogEntry{}
	for _, e := range j.log {
		if e.Version > since {
			out = append(out, e)
		}
	}
	return out, nil
}
