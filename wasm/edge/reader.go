package edge

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/connsec/connsec/evaluator"
)

// Source is what a reader asks the writers: the newest versions, the accepted batches after
// a version of the whole state, and the whole state. The Writers (and the whole-model Ledger)
// are one natively; in the worker it is the directory's Shard Durable Object (wasm/worker).
type Source interface {
	// Newest is the version of every shard now; false when nothing has been seeded.
	Newest(ctx context.Context) (Versions, bool, error)
	// After lists the accepted batches of every shard after the whole state's version seq,
	// in the order they were judged.
	After(ctx context.Context, seq int64) ([]LogEntry, error)
	// State is the whole document and the versions it is at (nil before a seed).
	State(ctx context.Context) ([]byte, Versions, error)
}

// Reader is a read model (README "Architecture"): it answers from a model it keeps for a
// moment, and catches up with the writers (replaying their batches, or loading their state)
// when the model is older than Fresh or a request's consistency token names a newer state:
// so whoever sends back the token of their write reads it, on any reader.
type Reader struct {
	Source Source
	Fresh  time.Duration
	Now    func() time.Time
	Loaded func() // called when a whole state was loaded (the worker tunes its collector)

	mu       sync.Mutex
	model    *evaluator.Model
	versions Versions
	checked  time.Time
}

func (r *Reader) Model(ctx context.Context, atLeast Versions) (*evaluator.Model, Versions, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.model != nil && r.versions.Covers(atLeast) && r.Now().Sub(r.checked) < r.Fresh {
		return r.model, r.versions, nil
	}
	newest, seeded, err := r.Source.Newest(ctx)
	if err != nil {
		return nil, Versions{}, err
	}
	if !seeded {
		if r.model == nil {
			return nil, Versions{}, ErrNotSeeded
		}
		newest = r.versions
	}
	if !newest.Covers(atLeast) {
		return nil, Versions{}, VersionAhead(atLeast, newest)
	}
	if r.model == nil || !r.versions.Covers(newest) {
		if err := r.catchUp(ctx, newest); err != nil {
			return nil, Versions{}, err
		}
	}
	r.checked = r.Now()
	return r.model, r.versions, nil
}

// HoldsWhole reports whether the reader has loaded the whole state's model (GET /v1/readers).
func (r *Reader) HoldsWhole() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.model != nil
}

// catchUp replays the batches after the read model's state; a gap or a refusal falls back to
// the writers' whole state.
func (r *Reader) catchUp(ctx context.Context, newest Versions) error {
	if r.model != nil {
		if entries, err := r.Source.After(ctx, r.model.Version()); err == nil {
			m, v := r.model, r.versions
			for _, e := range entries {
				s, ok := ParseShard(e.Shard)
				batch, at := e.Replay()
				applied, err := m.Apply(batch, at)
				if !ok || err != nil || applied.Model.Version() != e.Version || e.ShardVersion != v.Of(s)+1 {
					m = nil
					break
				}
				m, v = applied.Model, v.With(s, e.ShardVersion)
			}
			if m != nil && v.Covers(newest) {
				r.model, r.versions = m, v
				return nil
			}
		}
	}
	doc, v, err := r.Source.State(ctx)
	if err != nil {
		return err
	}
	if doc == nil {
		return ErrNotSeeded
	}
	m, err := evaluator.Load(doc)
	if err != nil {
		return fmt.Errorf("the writers' snapshot does not load: %w", err)
	}
	r.model, r.versions = m, v
	if r.Loaded != nil {
		r.Loaded()
	}
	return nil
}

// Log lists the batches the state since does not hold, in the order they were judged.
func (r *Reader) Log(ctx context.Context, since Versions) ([]LogEntry, error) {
	all, err := r.Source.After(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := []LogEntry{}
	for _, e := range all {
		if s, ok := ParseShard(e.Shard); ok && e.ShardVersion > since.Of(s) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Submit and Seed are never asked of a reader: edits and seeds go to the writers.
func (r *Reader) Submit(context.Context, []byte, string) (Answer, error) {
	return Answer{}, ErrMisrouted
}

func (r *Reader) Seed(context.Context, []byte) (Answer, error) { return Answer{}, ErrMisrouted }

// ErrMisrouted answers an edit or a seed that reached a reader.
var ErrMisrouted = errors.New("edits and seeds are made by the writers; this request reached a reader")

// Newest, After and State make the Ledger the Source of readers.
func (l *Ledger) Newest(context.Context) (Versions, bool, error) {
	v, seeded := l.Versions()
	return v, seeded, nil
}

func (l *Ledger) After(ctx context.Context, seq int64) ([]LogEntry, error) {
	all, err := l.Log(ctx, Versions{})
	return entriesAfter(all, seq), err
}

func (l *Ledger) State(context.Context) ([]byte, Versions, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model == nil {
		return nil, Versions{}, nil
	}
	return l.model.Snapshot(), l.versions, nil
}

// Directory and AgencyShard make the Ledger the ShardSource of sharded readers: the directory
// index of the whole model (made once per state) and one agency's shard document, each with
// the versions of the state they were cut from.
func (l *Ledger) Directory(context.Context) (*DirectoryIndex, Versions, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model == nil {
		return nil, Versions{}, ErrNotSeeded
	}
	if l.dirAt != l.model {
		d, err := NewDirectory(l.model)
		if err != nil {
			return nil, Versions{}, err
		}
		l.dir, l.dirAt = d, l.model
	}
	return l.dir, l.versions, nil
}

func (l *Ledger) AgencyShard(_ context.Context, agency string) ([]byte, Versions, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model == nil {
		return nil, Versions{}, ErrNotSeeded
	}
	doc, err := l.model.AgencyShard(agency)
	return doc, l.versions, err
}
