package edge

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/tidwall/gjson"
)

// This file is the writers as objects of their own (SPEC §10.1, README "The edge"): a Durable
// Object per agency, named "agency:<id>", and one for the directory, named "directory", each
// a long-lived Go instance running the same writer code over its own journal. An agency's
// object judges its batches on its cut and takes the claim protocol's steps from the
// directory's object through a Transport; the directory's object judges the directory's
// batches, holds the claims, and has an agency's object settle a claim that holds up another
// batch. Front (the worker's isolates) sends each batch to its shard's object. The objects are
// tested here in one process, every step carried as bytes; the worker runs each as a Shard
// Durable Object (wasm/worker), the directory's also serving the readers and the export's pieces.

// RestoreDirectoryObject is the directory's writer as an object of its own: its journals hold
// the seed's checkpoint and the directory's journal; every agency is another object, reached
// through t. On start it asks every agency's object for its state (an agency not started yet
// starts from the seed), so it holds each agency as its journal left it; a claim a stop left
// pending stays until its agency settles it (its next batch, or another writer meeting it).
func RestoreDirectoryObject(journals Journals, now func() time.Time, t Transport) (*Writers, error) {
	w := NewWriters(journals, now)
	w.objects, w.link = t, objectLink{localLink{w}, wireLink{t}}
	cp, err := journals.Checkpoint()
	if err != nil || cp == nil {
		return w, err
	}
	return w, w.start([]byte(cp.Snapshot))
}

// RestoreAgencyObject is agency's writer as an object of its own, over its journal; an agency
// whose journal holds no state yet asks the directory's object for the state it starts from
// (the seed's) at its first step.
func RestoreAgencyObject(agency string, journals Journals, now func() time.Time, t Transport) (*Writers, error) {
	w := NewWriters(journals, now)
	w.objects, w.only, w.link = t, agency, wireLink{t}
	j, err := w.journal(Shard{Agency: agency})
	if err != nil {
		return nil, err
	}
	state, v, err := j.State()
	if err != nil {
		return nil, err
	}
	if state != nil {
		w.adopt(j, state, v)
	}
	return w, nil
}

// objectLink is the directory's object's link: the directory's steps in the same process, and
// an agency's settle through the Transport.
type objectLink struct {
	localLink
	wire wireLink
}

func (l objectLink) settled(c *claim) error { return l.wire.settled(c) }

func (w *Writers) adopt(j stateJournal, state []byte, v int64) *agencyWriter {
	aw := &agencyWriter{id: w.only, w: w, journal: j, state: state, version: v}
	aw.pub.Store(&published{state: state, version: v})
	w.mu.Lock()
	w.agencies[w.only] = aw
	w.mu.Unlock()
	return aw
}

// here is the agency object's writer, started from the state the directory's object gives
// when its journal holds none.
func (w *Writers) here() (*agencyWriter, error) {
	w.bornMu.Lock()
	defer w.bornMu.Unlock()
	if aw := w.started(); aw != nil {
		return aw, nil
	}
	raw, err := w.objects.Send(context.Background(), Directory.String(), "origin", []byte(fmt.Sprintf(`{"agency":%q}`, w.only)))
	if err != nil {
		return nil, fmt.Errorf("agency %s could not get the state it starts from: %w", w.only, err)
	}
	state := gjson.GetBytes(raw, "state")
	if !state.IsObject() {
		return nil, ErrNotSeeded
	}
	return w.begin([]byte(state.Raw))
}

// started is the agency object's writer once it has a state (nil: not yet).
func (w *Writers) started() *agencyWriter {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.agencies[w.only]
}

// begin records the agency's first state and starts its writer on it (bornMu held).
func (w *Writers) begin(obj []byte) (*agencyWriter, error) {
	j, err := w.journal(Shard{Agency: w.only})
	if err != nil {
		return nil, err
	}
	if err := j.Record(Record{State: obj}); err != nil {
		return nil, fmt.Errorf("agency %s could not store the state it starts from: %w", w.only, err)
	}
	return w.adopt(j, obj, 0), nil
}

// submitHere judges a batch in the agency's object. One the front sent here by its directory
// index must name this agency in every edit (by its id, or a page it holds or creates);
// otherwise it goes to the directory's object, which routes it exactly (its index may be a
// moment old).
func (w *Writers) submitHere(batch []byte, key string) (Answer, error) {
	aw, err := w.here()
	if err != nil {
		return Answer{}, err
	}
	if !aw.names(batch) {
		return w.send(Directory.String(), submitAsk{Batch: batch, Key: key})
	}
	return aw.submit(batch, key)
}

// names says whether every edit of batch acts on this agency by what its state holds.
func (a *agencyWriter) names(batch []byte) bool {
	a.mu.Lock()
	state := a.state
	a.mu.Unlock()
	own := map[string]bool{a.id: true}
	gjson.GetBytes(state, "pages.#.id").ForEach(func(_, id gjson.Result) bool {
		own[id.Str] = true
		return true
	})
	agencyOf := func(id string) string {
		if own[id] {
			return a.id
		}
		return ""
	}
	created, all := map[string]string{}, true
	gjson.GetBytes(batch, "edits").ForEach(func(_, edit gjson.Result) bool {
		s, named := editShard(agencyOf, edit, created)
		all = named && s.Agency == a.id
		return all
	})
	return all
}

// submitAsk is a batch one object sends another (the front's isolate, or the directory's
// object that routed it): Routed says the directory's object found its shard.
type submitAsk struct {
	Batch  json.RawMessage `json:"batch"`
	Key    string          `json:"key,omitempty"`
	Routed bool            `json:"routed,omitempty"`
}

// send hands a batch to another object and reads its answer.
func (w *Writers) send(object string, ask submitAsk) (Answer, error) {
	return sendBatch(context.Background(), w.objects, object, ask)
}

func sendBatch(ctx context.Context, t Transport, object string, ask submitAsk) (Answer, error) {
	body, err := json.Marshal(ask)
	if err != nil {
		return Answer{}, err
	}
	raw, err := t.Send(ctx, object, "submit", body)
	if err != nil {
		return Answer{}, fmt.Errorf("the batch did not reach the writer of %s: %w", object, err)
	}
	var a Answer
	if err := json.Unmarshal(raw, &a); err != nil || a.Status == 0 {
		return Answer{}, fmt.Errorf("the answer of the writer of %s does not read", object)
	}
	return a, nil
}

// forward sends a batch the directory's object routed to its agency's object.
func (w *Writers) forward(agency string, batch []byte, key string) (Answer, error) {
	return w.send(Shard{Agency: agency}.String(), submitAsk{Batch: batch, Key: key, Routed: true})
}

// bearObject has the object of an agency a directory batch creates record its first state
// before the directory records the batch (an agency the directory does not list is never read).
func (w *Writers) bearObject(id string, obj []byte) error {
	if _, err := w.objects.Send(context.Background(), Shard{Agency: id}.String(), "born", obj); err != nil {
		return fmt.Errorf("the new agency's writer could not store it: %w", err)
	}
	aw := &agencyWriter{id: id, w: w} // its object holds its state (recorded)
	aw.pub.Store(&published{})
	w.mu.Lock()
	w.agencies[id] = aw
	w.mu.Unlock()
	return nil
}

// agencyStateAnswer is an agency object's newest state: its version, the place in the order of
// the state of its last batch, and its object when newer than what the asker holds.
type agencyStateAnswer struct {
	Born    bool            `json:"born"`
	Version int64           `json:"version"`
	Last    int64           `json:"last"`
	State   json.RawMessage `json:"state,omitempty"`
}

// wire is the answer as it is sent, its state byte for byte as the agency's writer holds it
// (json.Marshal would compact it, and the export is the whole state's bytes).
func (st agencyStateAnswer) wire() ([]byte, error) {
	state := st.State
	st.State = nil
	out, err := json.Marshal(st)
	if err != nil || state == nil {
		return out, err
	}
	return append(append(append(out[:len(out)-1], `,"state":`...), state...), '}'), nil
}

// read reads the answer as wire wrote it, its state in place in raw: json.Unmarshal would copy
// it (NYC's is 27 MB) and check it again, and the directory's object had both copies at once.
func (st *agencyStateAnswer) read(raw []byte) error {
	if !gjson.ValidBytes(raw) {
		return errors.New("the answer is not JSON")
	}
	doc := gjson.Parse(inPlace(raw)) // in place: the state is taken from raw itself
	st.Born, st.Version, st.Last = doc.Get("born").Bool(), doc.Get("version").Int(), doc.Get("last").Int()
	if s := doc.Get("state"); s.Exists() && s.Type != gjson.Null {
		if s.Index <= 0 || s.Index+len(s.Raw) > len(raw) {
			return errors.New("the answer's state is not in it as sent")
		}
		st.State = raw[s.Index : s.Index+len(s.Raw) : s.Index+len(s.Raw)]
	}
	return nil
}

// askState asks agency a's object for its state when newer than version since.
func (w *Writers) askState(a string, since int64) (agencyStateAnswer, error) {
	var st agencyStateAnswer
	raw, err := w.objects.Send(context.Background(), Shard{Agency: a}.String(), "state", fmt.Appendf(nil, `{"since":%d}`, since))
	if err == nil {
		err = st.read(raw)
	}
	if err != nil {
		return st, fmt.Errorf("agency %s's writer did not give its state: %w", a, err)
	}
	return st, nil
}

// objectCalls is how many steps an object sends other objects at once: the platform keeps 6
// connections of one request open at a time (the others wait), and in workerd a directory
// that asked 410 agencies' objects at once stalled.
const objectCalls = 6

// atOnce calls f on every one of list, objectCalls at a time, and returns when all are done.
func atOnce(list []string, f func(string)) {
	next := make(chan string)
	var wg sync.WaitGroup
	for range min(objectCalls, len(list)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := range next {
				f(x)
			}
		}()
	}
	for _, x := range list {
		next <- x
	}
	close(next)
	wg.Wait()
}

// recorded moves what the directory's object holds of agency a to version, which its object's
// journal holds (recorded, told by the agency's writer before it answers, and stateAt, which
// meets a newer one); what its index reads of it is read again when needed. Writers in one
// process read their agencies' versions themselves.
func (w *Writers) recorded(a string, version int64) {
	if w.objects == nil || w.only != "" {
		return
	}
	w.mu.Lock()
	m := w.agencies[a]
	w.mu.Unlock()
	for m != nil {
		at := m.pub.Load()
		if at.version >= version {
			return
		}
		if m.pub.CompareAndSwap(at, &published{version: version}) {
			// kept, so that the directory started again reads the agency anew (writers_kept.go);
			// a version not kept is met again, as a lost message is (stateAt)
			w.keepKnown(a, version)
			return
		}
	}
}

// mirror holds agency a's object at version as the directory's object keeps it: its version
// and what the index reads of it, with people the top level's people.
func (m *agencyWriter) mirror(state []byte, version int64, people map[string]bool) error {
	r, err := readOf(state, people)
	if err != nil {
		return fmt.Errorf("agency %s's state does not read: %w", m.id, err)
	}
	m.pub.Store(&published{version: version, read: &r})
	return m.w.keepRead(m.id, version, r)
}

// objectsLog lists the accepted batches of every shard that since does not hold, asked of each
// agency's object, in the order of the state.
func (w *Writers) objectsLog(since Versions) ([]LogEntry, error) {
	out, err := w.journals.Journal(Directory).Entries(since.Of(Directory))
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	var agencies []string
	for a := range w.agencies {
		agencies = append(agencies, a)
	}
	w.mu.Unlock()
	for _, a := range agencies {
		raw, err := w.objects.Send(context.Background(), Shard{Agency: a}.String(), "entries", fmt.Appendf(nil, `{"since":%d}`, since.Of(Shard{Agency: a})))
		var more []LogEntry
		if err == nil {
			err = json.Unmarshal(raw, &more)
		}
		if err != nil {
			return nil, fmt.Errorf("agency %s's writer did not give its log: %w", a, err)
		}
		out = append(out, more...)
	}
	slices.SortFunc(out, func(a, b LogEntry) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}

// objectStep serves the steps between objects that are not the claim protocol's: in an
// agency's object its state, its log, its birth, a batch and a settle; in the directory's
// object a seed, a batch and the state an agency starts from. handled is false for a claim
// protocol step of the directory (Step serves it).
func (w *Writers) objectStep(step string, body []byte) (out []byte, handled bool, err error) {
	answered := func(a Answer, err error) ([]byte, bool, error) {
		var he *httpError
		if errors.As(err, &he) {
			a, err = answerOf(he.status, map[string]any{"error": he.Problem}), nil
		}
		if err != nil {
			return nil, true, err
		}
		out, err := json.Marshal(a)
		return out, true, err
	}
	if step == "memory" { // this object's instance (Front.WriterMemory), after a collection
		runtime.GC() // so that what is live is what the writer holds now
		out, err := json.Marshal(memoryStats())
		return out, true, err
	}
	if w.only == "" {
		switch step {
		case "seed":
			a, err := w.Seed(context.Background(), body)
			if err == nil && a.Status == 200 {
				w.startAgencies(body)
			}
			return answered(a, err)
		case "submit":
			var ask submitAsk
			if err := json.Unmarshal(body, &ask); err != nil {
				return nil, true, fmt.Errorf("the batch sent does not read: %w", err)
			}
			return answered(w.Submit(context.Background(), ask.Batch, ask.Key))
		case "origin":
			return w.origin(gjson.GetBytes(body, "agency").String())
		}
		return nil, false, nil
	}
	switch step {
	case "submit":
		var ask submitAsk
		if err := json.Unmarshal(body, &ask); err != nil {
			return nil, true, fmt.Errorf("the batch sent does not read: %w", err)
		}
		if !ask.Routed {
			return answered(w.submitHere(ask.Batch, ask.Key))
		}
		aw, err := w.here()
		if err != nil {
			return answered(Answer{}, err)
		}
		return answered(aw.submit(ask.Batch, ask.Key))
	case "check": // a cut of a seed in parts, loaded here (seed_parts.go)
		out, err := checkCut(body)
		return out, true, err
	case "born":
		_, err := w.bornFrom(body)
		return []byte("{}"), true, err
	}
	w.mu.Lock()
	aw := w.agencies[w.only]
	w.mu.Unlock()
	switch step {
	case "shard": // the readers' shard of this agency, from the parts the directory sends
		out, err := shardStep(aw, body)
		return out, true, err
	case "take": // a shard the "shard" step kept for the reader that asked
		out, err := takeStep(aw, body)
		return out, true, err
	case "state":
		st := agencyStateAnswer{}
		if aw != nil {
			at := aw.pub.Load()
			st.Born, st.Version = true, at.version
			if since := gjson.GetBytes(body, "since"); !since.Exists() || at.version > since.Int() {
				st.State = at.state
			}
			if es, err := aw.journal.Entries(max(at.version-1, 0)); err == nil && len(es) > 0 {
				st.Last = es[len(es)-1].Version
			}
		}
		out, err := st.wire()
		return out, true, err
	case "entries":
		if aw == nil {
			return []byte("[]"), true, nil
		}
		es, err := aw.journal.Entries(gjson.GetBytes(body, "since").Int())
		if err != nil {
			return nil, true, err
		}
		out, err := json.Marshal(es)
		return out, true, err
	case "settle":
		if aw == nil {
			return []byte("{}"), true, nil // an agency not started has no claim
		}
		aw.mu.Lock()
		defer aw.mu.Unlock()
		return []byte("{}"), true, aw.settle()
	}
	return nil, true, fmt.Errorf("agency %s's writer takes no %s step", w.only, step)
}

// bornFrom starts the agency's writer from obj, the first state a directory batch or the seed
// gave it; an agency started already keeps its own.
func (w *Writers) bornFrom(obj []byte) (*agencyWriter, error) {
	w.bornMu.Lock()
	defer w.bornMu.Unlock()
	if aw := w.started(); aw != nil {
		return aw, nil
	}
	if !gjson.ValidBytes(obj) || gjson.GetBytes(obj, "id").String() != w.only {
		return nil, fmt.Errorf("the state sent to start agency %s is not that agency", w.only)
	}
	return w.begin(obj)
}

// startAgencies has every agency's object of a seed record its first state. One that does not
// (a stop) asks for it at its first step (origin).
func (w *Writers) startAgencies(seed []byte) {
	objs := map[string]string{} // pieces of the seed, read in place, each copied as it is sent
	var order []string
	gjson.Get(inPlace(seed), "agencies").ForEach(func(_, a gjson.Result) bool {
		id := a.Get("id").String()
		order, objs[id] = append(order, id), a.Raw
		return true
	})
	atOnce(order, func(a string) {
		w.objects.Send(context.Background(), Shard{Agency: a}.String(), "born", []byte(objs[a]))
	})
}

// objectState is agency a's newest state, asked of its object: the seed's when that object has
// not started yet (it starts from it at its first step).
func (w *Writers) objectState(a string) ([]byte, int64, error) {
	got, err := w.askState(a, -1)
	if err != nil || (got.Born && got.State != nil) {
		return got.State, got.Version, err
	}
	state, err := w.seedObject(a)
	if err == nil && state == nil {
		err = fmt.Errorf("agency %s's writer holds no state", a)
	}
	return state, 0, err
}

// origin is the state agency starts from, as the "origin" step answers it: {"state": the
// seed's object}, or {} before a seed (an agency a directory batch created was given its
// first state when it was created).
func (w *Writers) origin(agency string) ([]byte, bool, error) {
	found, err := w.seedObject(agency)
	if err != nil {
		return nil, true, err
	}
	if found == nil {
		return []byte(`{}`), true, nil
	}
	return append(append([]byte(`{"state":`), found...), '}'), true, nil
}

// seedObject is agency's object in the seed: in its checkpoint, or the object staged for it by
// a seed in parts (nil before a seed).
func (w *Writers) seedObject(agency string) ([]byte, error) {
	cp, err := w.journals.Checkpoint()
	if err != nil || cp == nil {
		return nil, err
	}
	if gjson.Get(cp.Snapshot, seedInParts).Bool() {
		return w.stagedObject(agency)
	}
	var found []byte
	gjson.Get(cp.Snapshot, "agencies").ForEach(func(_, a gjson.Result) bool {
		if a.Get("id").String() == agency {
			found = []byte(a.Raw)
			return false
		}
		return true
	})
	if found == nil {
		return nil, fmt.Errorf("the seed holds no agency %s", agency)
	}
	return found, nil
}

// Front is the Store for the worker's isolates once every shard's writer is an object of its
// own (SPEC §10.1): reads come from Reader; an edit batch goes to the object of the shard it
// acts on, found with the directory index (Source.Directory, asked again when older than
// Fresh), and to the directory's object when the index names no shard for it (that object
// routes it exactly: the index may be a moment old); a seed goes to the directory's object.
type Front struct {
	*Reader
	Source    ShardSource
	Transport Transport
	Fresh     time.Duration

	mu     sync.Mutex
	idx    *DirectoryIndex
	at     time.Time
	asking bool // a request is asking for a newer index
}

// Submit sends the batch to its shard's object and answers what its writer answered.
func (f *Front) Submit(ctx context.Context, batch []byte, key string) (Answer, error) {
	object := Directory.String()
	if idx, err := f.index(ctx); err == nil {
		if s, named, err := shardOf(idx.AgencyOf, batch); err == nil && named && s.Agency != "" {
			object = s.String()
		}
	} else if !errors.Is(err, ErrNotSeeded) {
		return Answer{}, err
	}
	return sendBatch(ctx, f.Transport, object, submitAsk{Batch: batch, Key: key})
}

// Seed sends the first snapshot to the directory's object.
func (f *Front) Seed(ctx context.Context, snapshot []byte) (Answer, error) {
	raw, err := f.Transport.Send(ctx, Directory.String(), "seed", snapshot)
	if err != nil {
		return Answer{}, fmt.Errorf("the snapshot did not reach the directory's writer: %w", err)
	}
	var a Answer
	if err := json.Unmarshal(raw, &a); err != nil || a.Status == 0 {
		return Answer{}, errors.New("the answer of the directory's writer to the seed does not read")
	}
	return a, nil
}

// index is the directory index, kept for Fresh. Its mutex is never held while the index is
// asked for: in workerd a request waiting on another request's I/O is cancelled as hung. So
// while one request asks for a newer index, the others route on the one kept, stale as it may
// be: a batch routed to an agency that does not hold what it names is passed on to the
// directory (Submit), so a stale index costs a step, never an answer. Before, each request
// that found the index stale asked for its own: 40 coordinators' edits at once had 40 copies
// of the state profile's 11 MB index in flight, and the isolate took 193 MB.
func (f *Front) index(ctx context.Context) (*DirectoryIndex, error) {
	f.mu.Lock()
	idx, at := f.idx, f.at
	if idx != nil && (time.Since(at) < f.Fresh || f.asking) {
		f.mu.Unlock()
		return idx, nil
	}
	f.asking = true
	f.mu.Unlock()
	fresh, _, err := f.Source.Directory(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asking = false
	if err != nil {
		return nil, err
	}
	f.idx, f.at = fresh, time.Now()
	return fresh, nil
}

// WriterMemory asks the object of shard s for the memory of its instance (its "memory" step).
func (f *Front) WriterMemory(ctx context.Context, s Shard) (MemoryStats, error) {
	var mem MemoryStats
	raw, err := f.Transport.Send(ctx, s.String(), "memory", nil)
	if err == nil {
		err = json.Unmarshal(raw, &mem)
	}
	if err != nil {
		return MemoryStats{}, fmt.Errorf("the writer of %s did not give its memory: %w", s, err)
	}
	return mem, nil
}
