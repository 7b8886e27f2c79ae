package edge

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// The administrator's export of the whole state (SPEC §10: GET /v1/snapshot without ?agency,
// "streamed shard by shard: it is never held whole in one place"; README "The edge").
//
// The document is cut into pieces that lie one after the other in it: the head, which is the
// directory's (everything but the agencies' objects, in the document's own key order: the
// bytes before the first agency's object, the bytes between two of them, the bytes after the
// last), and each agency's object, its shard's. Written in order they are the whole
// document byte for byte, as the whole model's Snapshot writes it. A reader writes the head's
// first bytes, then each agency's object as its shard sends it, chunk by chunk, flushing as it
// goes, then the head's last bytes: no reader holds more than the head and one chunk.
//
// Every piece of one export is read at one state, the one the export's consistency token
// names: each piece is asked for at that token, and a writer answers it from that state or
// not at all (ErrExportMoved). So that a writer that moves on mid-export can still answer, a
// writer keeps the document of each state an export reads (exportKeep after its last
// piece, exportStates at most).

// ExportHead is the directory's piece of the export: the document without its agencies'
// objects, and the list of them, each with the bytes that come before it in the document.
type ExportHead struct {
	Open     []byte        // the document up to the agencies' list, its "[" included
	Agencies []ExportPiece // in the document's order
	Close    []byte        // what follows the last agency's object, the list's "]" included
}

// ExportPiece is one agency's place in the export: its id, the bytes between the previous
// object (or the list's "[") and its own (a comma, white space), and its object's length.
type ExportPiece struct {
	Agency string
	Gap    []byte
	Bytes  int64
}

// Length is the export's length in bytes: the head's and every agency object's.
func (h *ExportHead) Length() int64 {
	n := int64(len(h.Open) + len(h.Close))
	for _, p := range h.Agencies {
		n += int64(len(p.Gap)) + p.Bytes
	}
	return n
}

// ErrExportMoved answers a piece asked for at a state its writer no longer keeps: the export
// starts again at the newest state when nothing of it was sent yet, and fails otherwise.
var ErrExportMoved = fail(http.StatusConflict, "state_moved", "the state this export reads has moved on and is no longer kept by its writer; ask for the export again")

// exportKeep is how long a writer keeps the document of a state an export reads after its
// last piece was asked; exportStates is how many such states it keeps at most.
const (
	exportKeep   = time.Minute
	exportStates = 4
)

// exportCut is a document cut into the export's pieces: the head, and where each agency's
// object starts in the document.
type exportCut struct {
	versions string
	doc      []byte
	head     *ExportHead
	starts   []int          // where each agency's object starts in doc, in the head's order
	index    map[string]int // agency → its place in the head's list
	used     time.Time
}

// cutExport cuts a document into the export's pieces. A document without a list of agencies
// is all head.
func cutExport(doc []byte, versions string) (*exportCut, error) {
	c := &exportCut{versions: versions, doc: doc, head: &ExportHead{}, index: map[string]int{}}
	// read in place: a writer's document is never changed, and the results are parts of it
	list := gjson.Get(inPlace(doc), "agencies")
	if !list.IsArray() {
		c.head.Open = doc
		return c, nil
	}
	if list.Index <= 0 || list.Index+len(list.Raw) > len(doc) || string(doc[list.Index:list.Index+len(list.Raw)]) != list.Raw {
		return nil, errors.New("the writer's document does not show where its agencies lie")
	}
	at := list.Index + 1 // after the "["
	c.head.Open = doc[:at]
	var bad error
	list.ForEach(func(_, ag gjson.Result) bool {
		start, end := ag.Index, ag.Index+len(ag.Raw)
		if start < at || end > len(doc) || !ag.IsObject() {
			bad = fmt.Errorf("an agency of the writer's document does not lie where it was read (offset %d)", start)
			return false
		}
		id := strings.Clone(ag.Get("id").String())
		c.head.Agencies = append(c.head.Agencies, ExportPiece{Agency: id, Gap: doc[at:start], Bytes: int64(end - start)})
		c.index[id] = len(c.starts)
		c.starts = append(c.starts, start)
		at = end
		return true
	})
	if bad != nil {
		return nil, bad
	}
	c.head.Close = doc[at:]
	if c.head.Length() != int64(len(doc)) {
		return nil, errors.New("the pieces of the writer's document do not add up to it")
	}
	return c, nil
}

// object is the bytes of agency's object.
func (c *exportCut) object(agency string) ([]byte, bool) {
	i, ok := c.index[agency]
	if !ok {
		return nil, false
	}
	return c.doc[c.starts[i] : c.starts[i]+int(c.head.Agencies[i].Bytes)], true
}

// exportCuts are the states a writer keeps for exports, most recently used first.
type exportCuts struct {
	held []*exportCut
}

// at is the cut of the state versions, kept or made from doc (nil when the writer is no
// longer at that state), keeping it as the most recently used; states unused for exportKeep,
// or past exportStates, are let go.
func (k *exportCuts) at(versions string, doc func() []byte, now time.Time) (*exportCut, error) {
	var found *exportCut
	kept := k.held[:0]
	for _, c := range k.held {
		switch {
		case c.versions == versions:
			found = c
		case now.Sub(c.used) < exportKeep:
			kept = append(kept, c)
		}
	}
	k.held = kept
	if found == nil {
		d := doc()
		if d == nil {
			return nil, ErrExportMoved
		}
		c, err := cutExport(d, versions)
		if err != nil {
			return nil, err
		}
		found = c
	}
	found.used = now
	k.held = append([]*exportCut{found}, k.held[:min(len(k.held), exportStates-1)]...)
	return found, nil
}

// exportCut is the cut of the state at: the current one, or one kept for an export.
func (l *Ledger) exportCut(at Versions) (*exportCut, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.model == nil {
		return nil, ErrNotSeeded
	}
	return l.exports.at(at.String(), func() []byte {
		if l.versions.String() != at.String() {
			return nil
		}
		return l.model.Snapshot()
	}, l.now())
}

// ExportHead and ExportAgency make the Ledger the source of exports (ShardSource): the head
// of the state at, and one agency's object at that state, each answered from that state only.
func (l *Ledger) ExportHead(_ context.Context, at Versions) (*ExportHead, error) {
	return exportHead(l.exportCut(at))
}

func (l *Ledger) ExportAgency(_ context.Context, agency string, at Versions) (io.ReadCloser, error) {
	return exportAgency(l.exportCut(at))(agency, at)
}

// exportHead is the head of a cut.
func exportHead(c *exportCut, err error) (*ExportHead, error) {
	if err != nil {
		return nil, err
	}
	return c.head, nil
}

// exportAgency reads one agency's object of a cut.
func exportAgency(c *exportCut, err error) func(agency string, at Versions) (io.ReadCloser, error) {
	return func(agency string, at Versions) (io.ReadCloser, error) {
		if err != nil {
			return nil, err
		}
		obj, ok := c.object(agency)
		if !ok {
			return nil, fail(http.StatusUnprocessableEntity, "unknown_reference", "there is no agency %s in the state %s", agency, at)
		}
		return io.NopCloser(bytes.NewReader(obj)), nil
	}
}

// exportCut is the cut of the state at of the whole state the Writers compose (as the
// Ledger's: the current state, or one kept for an export).
func (w *Writers) exportCut(at Versions) (*exportCut, error) {
	w.exportMu.Lock()
	defer w.exportMu.Unlock()
	return w.exports.at(at.String(), func() []byte {
		doc, v, err := w.Whole()
		if err != nil || v.String() != at.String() {
			return nil
		}
		return doc
	}, w.now())
}

// ExportHead and ExportAgency make the Writers a source of exports, as the Ledger is.
func (w *Writers) ExportHead(_ context.Context, at Versions) (*ExportHead, error) {
	return exportHead(w.exportCut(at))
}

func (w *Writers) ExportAgency(_ context.Context, agency string, at Versions) (io.ReadCloser, error) {
	return exportAgency(w.exportCut(at))(agency, at)
}

// The head travels from the writer to the readers (the directory's object's GET /export,
// wasm/worker) in a binary form read without trusting it, as the directory index's
// (directory_codec.go):
//
//	"connsec.export/1\n", open, n, then for each agency: id, gap, bytes; then close
//
// A number is an unsigned varint; a text its length, then its bytes.
const exportMagic = "connsec.export/1\n"

// MarshalBinary writes the head in the form above.
func (h *ExportHead) MarshalBinary() ([]byte, error) {
	b := []byte(exportMagic)
	num := func(n uint64) { b = binary.AppendUvarint(b, n) }
	text := func(s []byte) { num(uint64(len(s))); b = append(b, s...) }
	text(h.Open)
	num(uint64(len(h.Agencies)))
	for _, p := range h.Agencies {
		text([]byte(p.Agency))
		text(p.Gap)
		num(uint64(p.Bytes))
	}
	text(h.Close)
	return b, nil
}

// UnmarshalBinary reads the head from the form above; anything that does not fit is an
// error, never a panic.
func (h *ExportHead) UnmarshalBinary(b []byte) error {
	if !bytes.HasPrefix(b, []byte(exportMagic)) {
		return errors.New("the export's head is not in the form connsec.export/1")
	}
	b = b[len(exportMagic):]
	bad := errors.New("the export's head is cut short or malformed")
	num := func() (uint64, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, bad
		}
		b = b[k:]
		return n, nil
	}
	text := func() ([]byte, error) {
		n, err := num()
		if err != nil || n > uint64(len(b)) {
			return nil, bad
		}
		s := b[:n:n]
		b = b[n:]
		return s, nil
	}
	var err error
	out := ExportHead{}
	if out.Open, err = text(); err != nil {
		return err
	}
	n, err := num()
	if err != nil || n > uint64(len(b)) { // every agency takes three bytes at least
		return bad
	}
	for range n {
		id, err := text()
		if err != nil {
			return err
		}
		gap, err := text()
		if err != nil {
			return err
		}
		size, err := num()
		if err != nil || size > 1<<40 {
			return bad
		}
		out.Agencies = append(out.Agencies, ExportPiece{Agency: string(id), Gap: gap, Bytes: int64(size)})
	}
	if out.Close, err = text(); err != nil || len(b) != 0 {
		return bad
	}
	*h = out
	return nil
}
