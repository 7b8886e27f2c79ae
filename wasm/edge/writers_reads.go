package edge

import (
	"bytes"
	"context"
	"fmt"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// This file answers the sharded readers' questions to the writers (ShardSource, README "The
// edge"): the directory index and an agency's shard, made from every agency's newest state
// without composing the whole state or loading a model of it, so that the directory's writer
// (one Durable Object in the worker) never holds the whole state's model. An agency's shard is
// cut from the state with that agency whole and every other agency thin — what the agency's
// writer judges against — and the index is made from the state with every agency thin (their
// staff, units, groups and organization page), with the pages and the names each agency holds
// read from its object's text. Both answer as the whole state's model does (tested by
// TestShardReadsEqualTheWholeState).

// shardDocsBudget bounds the bytes of the shard documents the writers keep for the readers
// that ask next (each isolate asks for the agencies it answers about, at the same state).
const shardDocsBudget = 32 << 20

// shardReads is what the Writers last gave the sharded readers, all of the state at: the
// index and the shard documents asked; and each agency's thin form, by the state it was cut
// from (kept across states: an edit changes one agency).
type shardReads struct {
	at    string // Versions.String() of the state
	index *DirectoryIndex
	docs  map[string][]byte
	bytes int
	thins map[string]thinOfState
}

type thinOfState struct {
	of   *published
	thin agencyThin
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
	if err := w.pull(); err != nil {
		return readState{}, err
	}
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
	if r.thins == nil {
		r.thins = map[string]thinOfState{}
	}
	return r
}

// thinAt is agency a's thin form in st; the caller holds readsMu.
func (w *Writers) thinAt(st readState, a string) (agencyThin, error) {
	pub := st.pubs[a]
	if t, ok := w.reads.thins[a]; ok && t.of == pub {
		return t.thin, nil
	}
	t, err := thinOf(pub.state)
	if err != nil {
		return agencyThin{}, fmt.Errorf("agency %s's state does not read: %w", a, err)
	}
	w.reads.thins[a] = thinOfState{of: pub, thin: t}
	return t, nil
}

// writeAt writes st's document with the agency whole given by whole (others thin), and the ids
// of the pages left out in ids_elsewhere; each agency's object whole is handed to each.
func (w *Writers) writeAt(st readState, whole func(a string) bool, each func(obj []byte)) ([]byte, error) {
	var err error
	st.d.mu.Lock()
	defer st.d.mu.Unlock()
	doc, werr := st.d.write(func(a string) ([]byte, []string) {
		pub, ok := st.pubs[a]
		if !ok { // an agency born since the state was read: its thin object is all of it
			if each != nil {
				each(st.d.held[a].thin)
			}
			return st.d.held[a].thin, st.d.held[a].pages
		}
		if each != nil {
			each(pub.state)
		}
		if whole(a) {
			return pub.state, nil
		}
		t, terr := w.thinAt(st, a)
		if terr != nil && err == nil {
			err = terr
		}
		return t.thin, t.pages
	}, true)
	if err == nil {
		err = werr
	}
	if err == nil {
		// the whole state's document counts the batches accepted (Whole)
		doc, err = sjson.SetBytes(doc, "version", st.judged)
	}
	return doc, err
}

// AgencyShard is agency's shard document (evaluator's AgencyShard) at the newest state, as the
// whole state's model writes it, and that state's versions.
func (w *Writers) AgencyShard(_ context.Context, agency string) ([]byte, Versions, error) {
	st, err := w.readState()
	if err != nil {
		return nil, Versions{}, err
	}
	if _, ok := st.pubs[agency]; !ok {
		return nil, Versions{}, &evaluator.RequestError{Code: evaluator.CodeUnknownReference, Message: fmt.Sprintf("there is no agency %s in this snapshot", agency)}
	}
	w.readsMu.Lock()
	defer w.readsMu.Unlock()
	r := w.readsAt(st)
	if doc, ok := r.docs[agency]; ok {
		return doc, st.v, nil
	}
	doc, err := w.writeAt(st, func(a string) bool { return a == agency }, nil)
	if err != nil {
		return nil, Versions{}, err
	}
	m, err := evaluator.Load(doc)
	if err != nil {
		return nil, Versions{}, fmt.Errorf("the state cut for agency %s does not load: %w", agency, err)
	}
	out, err := m.AgencyShard(agency)
	if err != nil {
		return nil, Versions{}, err
	}
	// the cut's ids_elsewhere are the other agencies' pages, which the shard does not list
	if trimmed, err := sjson.DeleteBytes(out, "ids_elsewhere"); err == nil {
		if bytes.HasSuffix(out, []byte("\n")) && !bytes.HasSuffix(trimmed, []byte("\n")) {
			trimmed = append(trimmed, '\n')
		}
		out = trimmed
	}
	if r.bytes+len(out) <= shardDocsBudget {
		r.docs[agency], r.bytes = out, r.bytes+len(out)
	}
	return out, st.v, nil
}

// Directory is the directory index at the newest state, as NewDirectory makes it from the
// whole state's model, and that state's versions.
func (w *Writers) Directory(_ context.Context) (*DirectoryIndex, Versions, error) {
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
	var agencies []gjson.Result
	doc, err := w.writeAt(st, func(string) bool { return false }, func(obj []byte) {
		agencies = append(agencies, gjson.ParseBytes(obj))
	})
	if err != nil {
		return nil, Versions{}, err
	}
	m, err := evaluator.LoadForReading(doc)
	if err != nil {
		return nil, Versions{}, fmt.Errorf("the directory's state does not load: %w", err)
	}
	d, err := newDirectory(m, gjson.ParseBytes(doc), agencies)
	if err != nil {
		return nil, Versions{}, err
	}
	r.index = d
	return d, st.v, nil
}
