package edge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// This file answers the sharded readers' questions to the writers (ShardSource, README "The
// edge"): the directory index and an agency's shard, made from every agency's newest state
// without composing the whole state or loading a model of it, so that the directory's writer
// (one Durable Object in the worker) never holds the whole state's model. An agency's shard is
// written from the parts of the state — the top level, that agency's object, and every other
// agency thin (their staff, units, groups and organization page) — with no model at all
// (evaluator's AgencyShardFrom; a model of the state with the agency whole where the parts
// cannot tell); the index is made from the state with every agency thin, with the pages and
// the names each agency holds read from its object's text. Both answer as the whole state's
// model does (tested by TestShardReadsEqualTheWholeState).

// shardDocsBudget bounds the bytes of the shard documents the writers keep for the readers
// that ask next (each isolate asks for the agencies it answers about, at the same state). It
// keeps the small agencies' shards; the largest (NYC's is 27 MB) is written again by its
// agency's object for each isolate that asks, rather than held in the directory's object.
const shardDocsBudget = 8 << 20

// shardReads is what the Writers last gave the sharded readers, all of the state at: the
// index and the shard documents asked; and what the index reads of each agency, by the state
// it was read from (kept across states: an edit changes one agency).
type shardReads struct {
	at    string // Versions.String() of the state
	index *DirectoryIndex
	docs  map[string][]byte
	bytes int
	held  map[string]agencyReadOf
	// made is the index made last and the key of what it was made from (indexKey), kept
	// across states: a state whose key is the same has the same index
	made    *DirectoryIndex
	madeKey [32]byte
	// keys: each agency's part of indexKey, with the holding it was read of
	keys map[string]agencyKey
}

type agencyReadOf struct {
	of   *published
	read agencyRead
}

// agencyRead is what the directory index reads of one agency's state (agencyHolding): its
// thin form, and the people its pages name, of the people the top level held when it was read
// (people counts them: a person created since may be named too, and it is read again).
type agencyRead struct {
	thin   agencyThin
	named  []string
	people int
}

// readOf reads full, an agency's object, for the index: people are the ids of the top
// level's people.
func readOf(full []byte, people map[string]bool) (agencyRead, error) {
	t, err := thinOf(full)
	if err != nil {
		return agencyRead{}, err
	}
	named := map[string]bool{}
	collectIDs(gjson.Get(inPlace(full), "pages"), named) // in place: the ids kept are cloned below
	r := agencyRead{thin: t, people: len(people)}
	for id := range named {
		if people[id] {
			r.named = append(r.named, strings.Clone(id))
		}
	}
	slices.Sort(r.named)
	return r, nil
}

// peopleOf is the set of the ids of top's people.
func peopleOf(top []byte) map[string]bool {
	people := map[string]bool{}
	gjson.GetBytes(top, "people.#.id").ForEach(func(_, id gjson.Result) bool {
		people[id.String()] = true
		return true
	})
	return people
}

// readState is one state of every shard as its writer holds it: the directory's writer, the
// versions, the batches accepted (the whole document's version) and each agency's state.
type readState struct {
	d      *directoryWriter
	v      Versions
	judged int64
	pubs   map[string]*published
}

func (w *Writers) readState() (readState, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dir == nil {
		return readState{}, ErrNotSeeded
	}
	st := readState{d: w.dir, v: Versions{Directory: w.dir.version.Load(), Agencies: map[string]int64{}},
		judged: w.judged.Load(), pubs: make(map[string]*published, len(w.agencies))}
	for a, aw := range w.agencies {
		p := aw.pub.Load()
		st.pubs[a] = p
		if p.version > 0 {
			st.v.Agencies[a] = p.version
		}
	}
	return st, nil
}

// readsAt is what the readers were given at st's state (emptied when the state moved on); the
// caller holds readsMu.
func (w *Writers) readsAt(st readState) *shardReads {
	r := &w.reads
	if at := st.v.String(); r.at != at {
		r.at, r.index, r.docs, r.bytes = at, nil, map[string][]byte{}, 0
	}
	if r.held == nil {
		r.held = map[string]agencyReadOf{}
	}
	if r.keys == nil {
		r.keys = map[string]agencyKey{}
	}
	return r
}

// readAt is what the index reads of agency a in st, with people the top level's people; the
// caller holds readsMu. The directory's object holds it as its agency's object last gave it
// (recorded), read again from that object when people were created since.
func (w *Writers) readAt(st readState, a string, people map[string]bool) (agencyRead, error) {
	pub := st.pubs[a]
	if pub.read != nil && pub.read.people == len(people) {
		return *pub.read, nil
	}
	if h, ok := w.reads.held[a]; ok && h.of == pub && h.read.people == len(people) {
		return h.read, nil
	}
	full, err := w.stateAt(st, a)
	if err != nil {
		return agencyRead{}, err
	}
	r, err := readOf(full, people)
	if err != nil {
		return agencyRead{}, fmt.Errorf("agency %s's state does not read: %w", a, err)
	}
	if pub.state == nil { // the directory's object: kept with the version it is of
		w.mu.Lock()
		m := w.agencies[a]
		w.mu.Unlock()
		next := &published{version: pub.version, read: &r}
		if m != nil && m.pub.CompareAndSwap(pub, next) {
			st.pubs[a] = next
			if err := w.keepRead(a, pub.version, r); err != nil {
				return agencyRead{}, err
			}
		}
	}
	w.reads.held[a] = agencyReadOf{of: pub, read: r}
	return r, nil
}

// errStateMoved: an agency's object moved on from the state being read; it is read again.
var errStateMoved = errors.New("an agency's writer moved on while the state was read")

// stateAt is agency a's object in st: held by its writer here, or asked of its object (which
// the directory's object does not keep whole).
func (w *Writers) stateAt(st readState, a string) ([]byte, error) {
	pub := st.pubs[a]
	if pub.state != nil || w.objects == nil {
		return pub.state, nil
	}
	state, version, err := w.objectState(a)
	if err != nil {
		return nil, err
	}
	if version != pub.version {
		w.recorded(a, version) // newer than the directory knew: read the state again at it
		return nil, errStateMoved
	}
	return state, nil
}

// thinsAt is what the index reads of every agency of st but except (its thin form).
func (w *Writers) thinsAt(st readState, except string) (map[string]agencyThin, error) {
	st.d.mu.Lock()
	people := peopleOf(st.d.top)
	st.d.mu.Unlock()
	thins := map[string]agencyThin{}
	for a := range st.pubs {
		if a == except {
			continue
		}
		r, err := w.readAt(st, a, people)
		if err != nil {
			return nil, err
		}
		thins[a] = r.thin
	}
	return thins, nil
}

// thinAt is agency a's thin form among thins, read of st; an agency born since the state was
// read has its thin object as all of it. The caller holds st.d.mu.
func thinAt(st readState, thins map[string]agencyThin, a string) agencyThin {
	if t, ok := thins[a]; ok {
		return t
	}
	return st.d.held[a]
}

// writeAt writes st's document with agency whole whole (others thin) and the ids of the
// pages left out in ids_elsewhere.
func (w *Writers) writeAt(st readState, whole string) ([]byte, error) {
	return w.writeListing(st, whole, true)
}

// writeListing is writeAt; without elsewhere the document leaves out the ids of the pages
// the thin agencies leave out (ids_elsewhere), which the index's model reads nothing of.
func (w *Writers) writeListing(st readState, whole string, elsewhere bool) ([]byte, error) {
	var full []byte
	if whole != "" {
		var err error
		if full, err = w.stateAt(st, whole); err != nil {
			return nil, err
		}
	}
	thins, err := w.thinsAt(st, whole)
	if err != nil {
		return nil, err
	}
	st.d.mu.Lock()
	defer st.d.mu.Unlock()
	doc, err := st.d.write(func(a string) ([]byte, []string) {
		if a == whole {
			return full, nil
		}
		t := thinAt(st, thins, a)
		return t.thin, t.pages
	}, elsewhere)
	if err == nil {
		// the whole state's document counts the batches accepted (Whole)
		doc, err = sjson.SetBytes(doc, "version", st.judged)
	}
	return doc, err
}

// shardFromParts writes agency's shard at st from the parts of the state the directory holds
// (evaluator's AgencyShardFrom): the top level, the agency's object and every other agency
// thin, with no model of the state, which for the largest agency would not fit the
// directory's object.
// When keepOver > 0, the agency's object keeps a shard it writes longer than that for the
// reader, and kept is its key (writers_shard_step.go).
func (w *Writers) shardFromParts(st readState, agency string, keepOver int) (out []byte, kept string, err error) {
	if w.objects != nil && st.pubs[agency].state == nil {
		// the agency's object holds its state: it writes the shard (writers_shard_step.go)
		if out, kept, err := w.shardInObject(st, agency, keepOver); !errors.Is(err, errNotHeld) {
			return out, kept, err
		}
	}
	full, err := w.stateAt(st, agency)
	if err != nil {
		return nil, "", err
	}
	thins, err := w.thinsAt(st, agency)
	if err != nil {
		return nil, "", err
	}
	st.d.mu.Lock()
	defer st.d.mu.Unlock()
	top, err := topAt(st)
	if err != nil {
		return nil, "", err
	}
	out, err = evaluator.AgencyShardFrom(top, full, func(yield func([]byte) bool) {
		for _, a := range st.d.order {
			if a != agency && !yield(thinAt(st, thins, a).thin) {
				return
			}
		}
	})
	return out, "", err
}

// topAt is st's top level as the document of the state has it: its agencies left out, and
// the batches accepted as its version (writeAt). The caller holds st.d.mu.
func topAt(st readState) ([]byte, error) {
	top, err := st.d.write(func(string) ([]byte, []string) { return nil, nil }, false)
	if err == nil {
		top, err = sjson.SetBytes(top, "version", st.judged)
	}
	return top, err
}

// AgencyShard is agency's shard document (evaluator's AgencyShard) at the newest state, as the
// whole state's model writes it, and that state's versions.
func (w *Writers) AgencyShard(_ context.Context, agency string) ([]byte, Versions, error) {
	doc, _, v, err := w.agencyShardOrTicket(agency, 0)
	return doc, v, err
}

// DefaultShardCarryMost is the longest shard the directory's object carries on to a reader
// in another instance (AgencyShardOrTicket) unless told otherwise; a longer one its agency's
// object keeps for the reader to take. The small agencies' shards stay carried, and kept for
// the next isolate that asks (shardDocsBudget).
const DefaultShardCarryMost = 2 << 20

// AgencyShardOrTicket is AgencyShard for a reader in another instance: a shard longer than
// carryMost bytes (> 0; 0, as AgencyShard, carries every shard) that the agency's object
// writes is kept there for the reader, and the answer is the ticket it takes it with
// (ShardTicket), in place of the document, so that the directory's object never holds it.
func (w *Writers) AgencyShardOrTicket(_ context.Context, agency string, carryMost int) ([]byte, *ShardTicket, Versions, error) {
	return w.agencyShardOrTicket(agency, carryMost)
}

func (w *Writers) agencyShardOrTicket(agency string, keepOver int) ([]byte, *ShardTicket, Versions, error) {
	for try := 0; ; try++ {
		doc, kept, v, err := w.agencyShard(agency, keepOver)
		if err != errStateMoved || try == 2 {
			if kept != "" {
				return nil, &ShardTicket{Object: Shard{Agency: agency}.String(), Key: kept}, v, err
			}
			return doc, nil, v, err
		}
	}
}

func (w *Writers) agencyShard(agency string, keepOver int) ([]byte, string, Versions, error) {
	st, err := w.readState()
	if err != nil {
		return nil, "", Versions{}, err
	}
	if _, ok := st.pubs[agency]; !ok {
		return nil, "", Versions{}, &evaluator.RequestError{Code: evaluator.CodeUnknownReference, Message: fmt.Sprintf("there is no agency %s in this snapshot", agency)}
	}
	w.readsMu.Lock()
	defer w.readsMu.Unlock()
	r := w.readsAt(st)
	if doc, ok := r.docs[agency]; ok {
		return doc, "", st.v, nil
	}
	out, kept, err := w.shardFromParts(st, agency, keepOver)
	if errors.Is(err, evaluator.ErrNotByParts) {
		out, err = w.shardFromModel(st, agency)
	}
	if err != nil {
		return nil, "", Versions{}, err
	}
	if kept != "" {
		return nil, kept, st.v, nil
	}
	if r.bytes+len(out) <= shardDocsBudget {
		r.docs[agency], r.bytes = out, r.bytes+len(out)
	}
	return out, "", st.v, nil
}

// shardFromModel writes agency's shard at st from a model of the state with that agency whole
// and every other agency thin: where the parts alone cannot tell (evaluator.ErrNotByParts),
// the model says what stops the split.
func (w *Writers) shardFromModel(st readState, agency string) ([]byte, error) {
	doc, err := w.writeAt(st, agency)
	if err != nil {
		return nil, err
	}
	m, err := evaluator.Load(doc)
	if err != nil {
		return nil, fmt.Errorf("the state cut for agency %s does not load: %w", agency, err)
	}
	out, err := m.AgencyShard(agency)
	if err != nil {
		return nil, err
	}
	// the cut's ids_elsewhere are the other agencies' pages, which the shard does not list
	trimmed, err := sjson.DeleteBytes(out, "ids_elsewhere")
	if err != nil {
		return nil, err
	}
	if bytes.HasSuffix(out, []byte("\n")) && !bytes.HasSuffix(trimmed, []byte("\n")) {
		trimmed = append(trimmed, '\n')
	}
	return trimmed, nil
}

// Directory is the directory index at the newest state, as NewDirectory makes it from the
// whole state's model, and that state's versions.
func (w *Writers) Directory(_ context.Context) (*DirectoryIndex, Versions, error) {
	for try := 0; ; try++ {
		d, v, err := w.directory()
		if err != errStateMoved || try == 2 {
			return d, v, err
		}
	}
}

func (w *Writers) directory() (*DirectoryIndex, Versions, error) {
	st, err := w.readState()
	if err != nil {
		return nil, Versions{}, err
	}
	w.readsMu.Lock()
	defer w.readsMu.Unlock()
	r := w.readsAt(st)
	if r.index != nil {
		return r.index, st.v, nil
	}
	st.d.mu.Lock()
	top := st.d.top
	people := peopleOf(top)
	order := slices.Clone(st.d.order)
	held := map[string]agencyThin{}
	for _, a := range order {
		if _, ok := st.pubs[a]; !ok {
			held[a] = st.d.held[a]
		}
	}
	st.d.mu.Unlock()
	var agencies []agencyHolding
	for _, a := range order {
		if t, born := held[a]; born { // born since the state was read: its thin object is all of it
			agencies = append(agencies, agencyHolding{obj: gjson.Parse(inPlace(t.thin))})
			continue
		}
		read, err := w.readAt(st, a, people)
		if err != nil {
			return nil, Versions{}, err
		}
		agencies = append(agencies, agencyHolding{obj: gjson.Parse(inPlace(read.thin.thin)), pages: read.thin.pages, named: read.named})
	}
	// the index made last is this state's when what it is made of did not move (indexKey):
	// making it again loads a model of the state with every agency thin (20 MB at the state
	// profile, beside the directory's own 38)
	key := indexKey(top, order, agencies, r.keys)
	if r.made != nil && r.madeKey == key {
		r.index = r.made
		return r.made, st.v, nil
	}
	d, err := w.makeIndex(st, agencies)
	if err != nil {
		return nil, Versions{}, err
	}
	r.index, r.made, r.madeKey = d, d, key
	return d, st.v, nil
}

// makeIndex makes the directory index of st from a model of the state with every agency thin
// and what the index reads of each agency (agencies).
func (w *Writers) makeIndex(st readState, agencies []agencyHolding) (*DirectoryIndex, error) {
	// without ids_elsewhere (200,000 page ids at the state profile, 3.6 MB of the model): the
	// index reads no page of the model, only those of the agencies' holdings
	doc, err := w.writeListing(st, "", false)
	if err != nil {
		return nil, err
	}
	m, err := evaluator.LoadForReading(doc)
	if err != nil {
		return nil, fmt.Errorf("the directory's state does not load: %w", err)
	}
	return newDirectory(m, gjson.Parse(inPlace(doc)), agencies) // read in place: what it keeps it copies
}
