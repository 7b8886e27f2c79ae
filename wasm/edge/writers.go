package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Writers are the writers of the shards, each of its own (SPEC §10.1, README "The edge"): a
// writer per agency, with its own mutex, state (the agency object), version and journal, so
// that batches of different agencies are judged at the same time; and the directory's writer.
// An agency writer judges a batch against its cut of the state — its agency whole, every other
// agency thin (their staff, units, groups and organization page, the ids of their other pages)
// and the directory's top level — which answers every rule of a batch on that agency as the
// whole state does. A batch that changes what other shards read is accepted under a claim in
// the directory (reserve, record, confirm), so the rules across shards hold under concurrency
// and failure: a person is never active in two agencies, a Person ID is never disabled while
// one of their records is active, and no accepted batch is lost, applied twice or half applied.
//
// Writers serve Store, Source and ShardSource (the reads compose the whole state from every
// shard's newest state): they are the native server's store. As objects of their own
// (writers_objects.go), each shard's writer is a Durable Object in the worker (wasm/worker).
type Writers struct {
	journals Journals
	now      func() time.Time
	link     directoryLink // how agency writers take the claim protocol's steps (writers_link.go)
	// objects carries the steps between the objects of the shards when these writers are one of
	// them (writers_objects.go): the directory's (only "") or one agency's (only its id)
	objects Transport
	only    string
	bornMu  sync.Mutex // an agency's object starting its writer

	mu       sync.Mutex
	dir      *directoryWriter // nil until seeded
	agencies map[string]*agencyWriter
	// judged counts the accepted batches in the order of the state (their LogEntry's Version);
	// it moves only under the directory's mutex, where each batch is admitted
	judged atomic.Int64

	wholeMu sync.Mutex
	whole   *evaluator.Model
	wholeAt Versions

	readsMu sync.Mutex
	reads   shardReads // what the sharded readers were last given (writers_reads.go)

	exportMu sync.Mutex
	exports  exportCuts // the states exports read (export.go)
}

// NewMemoryWriters are writers over memory journals holding snapshot (nil: empty until
// seeded).
func NewMemoryWriters(snapshot []byte, now func() time.Time) (*Writers, error) {
	w := NewWriters(NewMemoryJournals(), now)
	if snapshot != nil {
		if _, err := w.Seed(context.Background(), snapshot); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// stateJournal is a Journal that keeps its shard's newest state (Record.State).
type stateJournal interface {
	Journal
	State() (json.RawMessage, int64, error)
}

// NewWriters is writers over journals, empty until seeded.
func NewWriters(journals Journals, now func() time.Time) *Writers {
	w := &Writers{journals: journals, now: now, agencies: map[string]*agencyWriter{}}
	w.link = localLink{w}
	return w
}

func (w *Writers) journal(s Shard) (stateJournal, error) {
	j, ok := w.journals.Journal(s).(stateJournal)
	if !ok {
		return nil, fmt.Errorf("the journal of %s keeps no state", s)
	}
	return j, nil
}

// Seed sets the first snapshot of empty writers, kept as the checkpoint every shard starts
// from at version 0.
func (w *Writers) Seed(_ context.Context, snapshot []byte) (Answer, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dir != nil {
		return answerOf(http.StatusConflict, map[string]any{"error": Problem{Code: "seeded", Message: "the service holds a snapshot already; change it with edits"}, "version": w.versionsLocked().String()}), nil
	}
	// checked as the whole state it is (a reader's load: the same checks, a smaller peak)
	if _, err := evaluator.LoadForReading(snapshot); err != nil {
		return Answer{}, err
	}
	if err := w.journals.SaveCheckpoint(Checkpoint{Versions: Versions{}.String(), Snapshot: string(snapshot)}); err != nil {
		return Answer{}, fmt.Errorf("the snapshot could not be stored: %w", err)
	}
	if err := w.start(snapshot); err != nil {
		return Answer{}, err
	}
	return answerOf(http.StatusOK, map[string]any{"version": Versions{}.String()}), nil
}

// RestoreWriters starts writers from journals: the seed's checkpoint; each agency at the
// state its journal's newest record left; the directory at its journal's newest state; then
// every claim still pending is confirmed when its agency's journal holds its batch and
// released otherwise (README "The edge": the failure cases).
func RestoreWriters(journals Journals, now func() time.Time) (*Writers, error) {
	w := NewWriters(journals, now)
	cp, err := journals.Checkpoint()
	if err != nil || cp == nil {
		return w, err
	}
	if err := w.start([]byte(cp.Snapshot)); err != nil {
		return nil, err
	}
	return w, w.resolvePending()
}

// agencyState is agency a's newest state as its journal holds it: the journal, the agency
// object (nil: none recorded), its version, and the place in the order of the state of its
// last batch. The directory's object asks the agency's object (writers_objects.go).
func (w *Writers) agencyState(a string) (stateJournal, []byte, int64, int64, error) {
	if w.objects != nil {
		st, err := w.askState(a, -1)
		return nil, st.State, st.Version, st.Last, err
	}
	j, err := w.journal(Shard{Agency: a})
	if err != nil {
		return nil, nil, 0, 0, err
	}
	state, v, err := j.State()
	var last int64
	if es, err := j.Entries(0); err == nil && len(es) > 0 {
		last = es[len(es)-1].Version
	}
	return j, state, v, last, err
}

// start reads the seed snapshot and every shard's newest state.
func (w *Writers) start(seed []byte) error {
	top, err := sjson.SetRawBytes(slices.Clone(seed), "agencies", []byte("[]"))
	if err != nil {
		return err
	}
	inParts := gjson.GetBytes(top, seedInParts).Bool() // its agencies thin, each one's object staged
	if inParts {
		if top, err = sjson.DeleteBytes(top, seedInParts); err != nil {
			return err
		}
	}
	full := map[string][]byte{}
	var order []string
	gjson.Get(inPlace(seed), "agencies").ForEach(func(_, a gjson.Result) bool {
		order = append(order, strings.Clone(a.Get("id").String())) // not a piece of the seed
		if !inParts {
			full[order[len(order)-1]] = []byte(a.Raw)
		}
		return true
	})
	dj, err := w.journal(Directory)
	if err != nil {
		return err
	}
	raw, version, err := dj.State()
	if err != nil {
		return err
	}
	var st dirState
	if raw != nil {
		if err := json.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("the directory's state does not read: %w", err)
		}
		// the stored top level lost the seed's final newline (a value inside the stored
		// state), which the whole state's document keeps, as the Ledger's does
		if bytes.HasSuffix(top, []byte("\n")) && !bytes.HasSuffix(st.Top, []byte("\n")) {
			st.Top = append(slices.Clip(st.Top), '\n')
		}
		top, order = st.Top, st.Order
	}
	agencies := map[string]*agencyWriter{}
	thins := map[string]agencyThin{}
	var people map[string]bool // the directory's object keeps what its index reads (recorded)
	if w.objects != nil {
		people = peopleOf(top)
	}
	for _, a := range order {
		if people != nil { // the directory's object: from what it kept, when that is newest
			r, v, ok, err := w.keptHold(a)
			if err != nil {
				return err
			}
			if ok {
				thins[a] = r.thin
				aw := &agencyWriter{id: a, w: w, version: v}
				aw.pub.Store(&published{version: v, read: &r})
				agencies[a] = aw
				continue
			}
		}
		j, state, v, last, err := w.agencyState(a)
		if err != nil {
			return err
		}
		if state == nil && inParts {
			if state, err = w.stagedObject(a); err != nil {
				return err
			}
		}
		if state == nil {
			state = full[a]
		}
		if state == nil {
			return fmt.Errorf("the journals are not whole: agency %s has no state", a)
		}
		delete(full, a)
		if thins[a], err = thinOf(state); err != nil {
			return err
		}
		aw := &agencyWriter{id: a, w: w, journal: j, version: v}
		if people != nil { // the directory's object: its agency's object holds the state
			if err := aw.mirror(state, v, people); err != nil {
				return err
			}
		} else {
			aw.state = state
			aw.pub.Store(&published{state: state, version: v})
		}
		agencies[a] = aw
		w.judged.Store(max(w.judged.Load(), last))
	}
	d := newDirectoryWriter(dj, top, order, thins)
	d.version.Store(version)
	d.judged = &w.judged
	if people != nil {
		if d.orders, err = w.journal(orderKept); err != nil {
			return err
		}
		kept, err := keptOrderOf(d.orders)
		if err != nil {
			return err
		}
		w.judged.Store(max(w.judged.Load(), kept))
	}
	if es, err := dj.Entries(0); err == nil && len(es) > 0 {
		w.judged.Store(max(w.judged.Load(), es[len(es)-1].Version))
	}
	for _, c := range st.Claims {
		// the agency's state lacks the claim's batch unless its journal holds it: then the
		// claim is confirmed, else released back to what the directory holds now
		c.done, c.prev = make(chan struct{}), d.held[c.Agency]
		d.pending[c.Agency] = c
		for _, k := range c.Keys {
			d.locks[k] = c
		}
	}
	w.dir, w.agencies = d, agencies
	return nil
}

// resolvePending settles every claim a stop left pending, from the agencies' journals.
func (w *Writers) resolvePending() error {
	if w.objects != nil {
		return nil // each agency's object settles its own claim, at its next batch or when met
	}
	for _, a := range w.dir.order {
		if err := w.agencies[a].settle(); err != nil {
			return err
		}
	}
	return nil
}

// Submit routes the batch to the writer of the shard it acts on (route.go).
func (w *Writers) Submit(_ context.Context, batch []byte, key string) (Answer, error) {
	if w.only != "" {
		return w.submitHere(batch, key)
	}
	w.mu.Lock()
	d := w.dir
	w.mu.Unlock()
	if d == nil {
		return Answer{}, ErrNotSeeded
	}
	s, named, err := shardOf(d.agencyOf, batch)
	if err != nil {
		he := asHTTPError(err)
		return answerOf(he.status, map[string]any{"error": he.Problem}), nil
	}
	if s.Agency == "" {
		return w.submitDirectory(batch, key, named)
	}
	if w.objects != nil {
		return w.forward(s.Agency, batch, key)
	}
	w.mu.Lock()
	aw := w.agencies[s.Agency]
	w.mu.Unlock()
	return aw.submit(batch, key)
}

// kept answers a retry from a shard's journal (found), or refuses a key reused for another
// batch.
func kept(j Journal, key, hash string) (Answer, bool, error) {
	if key == "" {
		return Answer{}, false, nil
	}
	h, a, found, err := j.Kept(key)
	if err != nil || !found {
		return Answer{}, false, err
	}
	if h != hash {
		return keyReused(), true, nil
	}
	return a, true, nil
}

// judgedBatch is the batch without base_version, once that is checked against shard s at
// version at (conflict: the answer to give instead).
func judgedBatch(batch []byte, s Shard, at int64, named bool, versions func() Versions) ([]byte, *Answer, error) {
	base, hasBase, err := baseVersion(batch, s)
	if err != nil {
		he := asHTTPError(err)
		a := answerOf(he.status, map[string]any{"error": he.Problem})
		return nil, &a, nil
	}
	if named && hasBase && base != at {
		a := conflict(s, base, versions().With(s, at))
		return nil, &a, nil
	}
	judged, err := sjson.DeleteBytes(batch, "base_version")
	return judged, nil, err
}

// accepted words an accepted batch's answer and completes its log entry: at is its place in
// the order of the state (with the directory's version it read), version the shard's new
// version. Its token names the shards' versions as these writers know them (an agency's
// object knows its own and the directory's).
func (w *Writers) accepted(s Shard, entry *LogEntry, at place, version int64, summary string) Answer {
	entry.Version = at.order
	entry.Shard, entry.ShardVersion = s.String(), version
	for i := range entry.Notifications {
		entry.Notifications[i].Version = version
	}
	v := w.versions().With(s, version)
	v.Directory = max(v.Directory, at.directory)
	return answerOf(http.StatusOK, Accepted{Version: v.String(), Shard: s.String(), ShardVersion: version, Summary: summary, Notifications: entry.Notifications})
}

// submitDirectory judges a batch of the directory (or one that names no shard) against the
// directory's document, under its mutex, once no pending claim locks what it names.
func (w *Writers) submitDirectory(batch []byte, key string, named bool) (Answer, error) {
	d := w.dir
	for {
		if err := w.waitFree("", readKeys(batch)); err != nil {
			he := asHTTPError(err)
			return answerOf(he.status, map[string]any{"error": he.Problem}), nil
		}
		d.mu.Lock()
		if d.check("", d.seq, readKeys(batch)) == nil {
			break
		}
		d.mu.Unlock()
	}
	defer d.mu.Unlock()
	hash := BatchHash(batch)
	if a, found, err := kept(d.journal, key, hash); found || err != nil {
		return a, err
	}
	judged, refusal, err := judgedBatch(batch, Directory, d.version.Load(), named, w.versions)
	if refusal != nil || err != nil {
		return deref(refusal), err
	}
	doc, err := d.compose("", nil, nil)
	if err != nil {
		return Answer{}, err
	}
	m, err := evaluator.Load(doc)
	if err != nil {
		return Answer{}, fmt.Errorf("the directory's document does not load: %w", err)
	}
	next, entry, summary, refused := Commit(m, judged, w.now())
	r := Record{Version: d.version.Load()}
	var a Answer
	top, order := d.top, d.order
	var born map[string][]byte
	if refused != nil {
		a = *refused
	} else {
		r.Version = d.version.Load() + 1
		r.Entry = entry
		a = w.accepted(Directory, entry, place{order: w.judged.Add(1)}, r.Version, summary)
		if top, order, born, err = w.directoryAfter(next); err != nil {
			return Answer{}, err
		}
	}
	if remembered(key, a) {
		r.Key, r.Hash, r.Answer = key, hash, &a
	}
	if r.Entry == nil && r.Key == "" {
		return a, nil
	}
	for id, obj := range born {
		if err := w.bear(id, obj); err != nil {
			return Answer{}, err
		}
	}
	if err := d.record(r, top, order); err != nil {
		return Answer{}, fmt.Errorf("the edit could not be stored, so it was not made: %w", err)
	}
	if r.Entry != nil {
		d.version.Store(r.Version)
		d.top, d.order = top, order
		for id, obj := range born {
			t, _ := thinOf(obj)
			d.hold(id, t)
		}
		d.touch("directory", append([]string{anyKey}, readKeys(batch)...))
	}
	return a, nil
}

func deref(a *Answer) Answer {
	if a == nil {
		return Answer{}
	}
	return *a
}

// directoryAfter reads the directory's state from the document a directory batch left: its
// top level, its agency list, and the agencies it created.
func (w *Writers) directoryAfter(next *evaluator.Model) ([]byte, []string, map[string][]byte, error) {
	doc := next.Snapshot()
	d := w.dir
	order := slices.Clone(d.order)
	born := map[string][]byte{}
	gjson.Get(inPlace(doc), "agencies").ForEach(func(_, a gjson.Result) bool {
		id := strings.Clone(a.Get("id").String())
		if _, held := d.held[id]; !held {
			order = append(order, id)
			born[id] = []byte(a.Raw)
		}
		return true
	})
	top, err := sjson.SetRawBytes(doc, "agencies", []byte("[]"))
	if err == nil {
		top, err = sjson.DeleteBytes(top, "ids_elsewhere")
	}
	if err == nil {
		top, err = sjson.SetBytes(top, "version", 0)
	}
	return top, order, born, err
}

// bear starts the writer of an agency a directory batch creates, its state recorded in its
// journal (version 0) before the directory records the batch: an agency the directory does
// not list is never read.
func (w *Writers) bear(id string, obj []byte) error {
	if w.objects != nil {
		return w.bearObject(id, obj)
	}
	j, err := w.journal(Shard{Agency: id})
	if err != nil {
		return err
	}
	if err := j.Record(Record{State: obj}); err != nil {
		return fmt.Errorf("the new agency could not be stored: %w", err)
	}
	aw := &agencyWriter{id: id, w: w, journal: j, state: obj}
	aw.pub.Store(&published{state: obj})
	w.mu.Lock()
	w.agencies[id] = aw
	w.mu.Unlock()
	return nil
}

// versions is the version of every shard as its writer holds it now.
func (w *Writers) versions() Versions {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.versionsLocked()
}

func (w *Writers) versionsLocked() Versions {
	v := Versions{Agencies: map[string]int64{}}
	if w.dir != nil {
		v.Directory = w.dir.version.Load()
	}
	for a, aw := range w.agencies {
		if n := aw.pub.Load().version; n > 0 {
			v.Agencies[a] = n
		}
	}
	return v
}

// Versions is the version of every shard, and false before a seed.
func (w *Writers) Versions() (Versions, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.versionsLocked(), w.dir != nil
}

// Model composes the whole state from every shard's newest state (for readers: the Store
// interface), loaded once per state.
func (w *Writers) Model(_ context.Context, atLeast Versions) (*evaluator.Model, Versions, error) {
	doc, v, err := w.Whole()
	if err != nil {
		return nil, Versions{}, err
	}
	if !v.Covers(atLeast) {
		return nil, Versions{}, VersionAhead(atLeast, v)
	}
	w.wholeMu.Lock()
	defer w.wholeMu.Unlock()
	if w.whole == nil || w.wholeAt.String() != v.String() {
		m, err := evaluator.Load(doc)
		if err != nil {
			return nil, Versions{}, fmt.Errorf("the shards do not compose: %w", err)
		}
		w.whole, w.wholeAt = m, v
	}
	return w.whole, v, nil
}

// Whole is the document of the whole state (every agency whole) and its versions: each
// agency as its writer last recorded it.
func (w *Writers) Whole() ([]byte, Versions, error) {
	w.mu.Lock()
	d := w.dir
	full := map[string][]byte{}
	for a, aw := range w.agencies {
		full[a] = aw.pub.Load().state
	}
	v := w.versionsLocked()
	w.mu.Unlock()
	if d == nil {
		return nil, Versions{}, ErrNotSeeded
	}
	if w.objects != nil {
		// the directory's object keeps no agency whole: each agency's object gives its own
		var mu sync.Mutex
		var errs []error
		atOnce(slices.Collect(maps.Keys(full)), func(a string) {
			state, version, err := w.objectState(a)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			full[a], v = state, v.With(Shard{Agency: a}, version)
		})
		if err := errors.Join(errs...); err != nil {
			return nil, Versions{}, err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	doc, err := d.compose("", nil, full)
	if err == nil {
		// its version counts the batches accepted (as the Ledger's whole document's does), so
		// a reader replays the log after it (Source.After)
		doc, err = sjson.SetBytes(doc, "version", w.judged.Load())
	}
	return doc, v, err
}

// Log lists the accepted batches of every shard that since does not hold, in the order they
// were accepted.
func (w *Writers) Log(_ context.Context, since Versions) ([]LogEntry, error) {
	if w.objects != nil {
		return w.objectsLog(since)
	}
	return journalLog(w.journals, since)
}

// Newest, After and State make the Writers the Source of readers (reader.go), reading the whole
// state composed from every shard's newest state; Directory and AgencyShard make them a
// ShardSource (shards.go) without composing it (writers_reads.go).
func (w *Writers) Newest(context.Context) (Versions, bool, error) {
	v, seeded := w.Versions()
	return v, seeded, nil
}

func (w *Writers) After(ctx context.Context, seq int64) ([]LogEntry, error) {
	all, err := w.Log(ctx, Versions{})
	return entriesAfter(all, seq), err
}

func (w *Writers) State(context.Context) ([]byte, Versions, error) {
	doc, v, err := w.Whole()
	if errors.Is(err, ErrNotSeeded) {
		return nil, Versions{}, nil
	}
	return doc, v, err
}
