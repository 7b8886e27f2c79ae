package binding

import (
	"bytes"
	"encoding/json"
	"reflect"
	"unsafe"

	"github.com/connsec/connsec/evaluator"
)

// unwritable is the reply when an answer cannot be written as JSON.
const unwritable = `{"ok": false, "error": {"code": "invalid_value", "message": "the answer could not be written as JSON"}}`

// encode writes the reply as JSON, the bytes json.Marshal gives, in one block.
func encode(r reply) string {
	w := &pieces{}
	if err := marshalReply(r, w); err != nil {
		return unwritable
	}
	b := w.join()
	// nothing writes to b after this: a string over it saves a copy as large as the answer,
	// which for a coordinator's what of 40,000 rows is megabytes a module keeps for good
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// encodeTo is encode handed to emit piece by piece as each block fills, so that a long answer
// is never held whole: once emit has taken a piece (copied it out of the module), the same
// block takes the next one, so that an answer of any length makes one block of garbage, not
// one per piece (in the module, a coordinator's what at the largest agency, 12.5 MB of JSON,
// made the collector mark the heap about once a call, wasm/bench/memory.mjs). An answer that
// cannot be written after some pieces were emitted calls restart, then emits unwritable.
func encodeTo(r reply, emit func(string), restart func()) {
	w := &pieces{emit: emit}
	if err := marshalReply(r, w); err != nil {
		restart()
		emit(unwritable)
		return
	}
	w.flush()
}

// longList is the length from which a list result is written an element at a time.
const longList = 64

// marshalReply writes the reply as JSON. A result that is a long list is written an element
// at a time into small pieces: json.Marshal grows one buffer by doubling up to the answer's
// size and copies it once more, so a lint of 16,000 findings (4.6 MB) at the largest agency
// passed through 25 MB, and in WebAssembly every such block raises the module's memory for
// good unless the heap has a free run as long.
func marshalReply(r reply, w *pieces) error {
	v := reflect.ValueOf(r.Result)
	if !r.OK || r.Error != nil || v.Kind() != reflect.Slice || v.IsNil() || v.Len() < longList || v.Type().Elem().Kind() == reflect.Uint8 {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		w.whole(b)
		return nil
	}
	w.write(`{"ok":true,"result":[`)
	switch rows := r.Result.(type) {
	case []evaluator.Access:
		writeRows(w, rows, appendAccess)
		return nil
	case []evaluator.Finding:
		writeRows(w, rows, appendFinding)
		return nil
	}
	// an Encoder writes each element from a buffer it reuses (json.Marshal makes one per
	// element: 14 MB of garbage for a what of 47,000 rows), with the same bytes
	enc := json.NewEncoder(elementWriter{w})
	for i := range v.Len() {
		if i > 0 {
			w.write(",")
		}
		// by its address, as json.Marshal reaches an element of a list: a MarshalJSON on
		// the pointer is called alike
		if err := enc.Encode(v.Index(i).Addr().Interface()); err != nil {
			return err
		}
	}
	w.write("]}")
	return nil
}

// writeRows writes the elements of a list answer, each by add into one buffer reused, then
// the list's end.
func writeRows[T any](w *pieces, rows []T, add func([]byte, *T) []byte) {
	var b []byte
	for i := range rows {
		b = b[:0]
		if i > 0 {
			b = append(b, ',')
		}
		b = add(b, &rows[i])
		w.write(unsafe.String(unsafe.SliceData(b), len(b)))
	}
	w.write("]}")
}

// elementWriter writes what a json.Encoder gives into pieces, but the newline it ends each
// value with.
type elementWriter struct{ w *pieces }

func (e elementWriter) Write(b []byte) (int, error) {
	n := len(b)
	b = bytes.TrimSuffix(b, []byte("\n"))
	e.w.write(unsafe.String(unsafe.SliceData(b), len(b)))
	return n, nil
}

// pieces collects bytes in blocks of pieceSize, small enough to fit the free runs a heap has
// after a load; with emit, each block is handed to it when full and then written again.
type pieces struct {
	done [][]byte
	cur  []byte
	n    int
	emit func(string)
}

// whole takes b, written in one block, as all there is.
func (w *pieces) whole(b []byte) {
	w.done, w.n = [][]byte{b}, len(b)
}

// flush hands every block not handed yet to emit, in order.
func (w *pieces) flush() {
	for _, p := range w.strings() {
		w.emit(p)
	}
	w.done, w.cur = nil, nil
}

const pieceSize = 32 << 10

func (w *pieces) write(s string) {
	w.n += len(s)
	for len(s) > 0 {
		if len(w.cur) == cap(w.cur) {
			if w.cur != nil && w.emit != nil {
				// emit has copied the piece out when it returns: the block is written again
				w.emit(unsafe.String(unsafe.SliceData(w.cur), len(w.cur)))
				w.cur = w.cur[:0]
				continue
			} else if w.cur != nil {
				w.done = append(w.done, w.cur)
			}
			w.cur = make([]byte, 0, pieceSize)
		}
		k := min(len(s), cap(w.cur)-len(w.cur))
		w.cur = append(w.cur, s[:k]...)
		s = s[k:]
	}
}

// join is every byte written, in one block of their length (the block written, when that is
// all there is).
func (w *pieces) join() []byte {
	if len(w.done) == 1 && w.cur == nil {
		return w.done[0]
	}
	out := make([]byte, 0, w.n)
	for _, b := range w.done {
		out = append(out, b...)
	}
	return append(out, w.cur...)
}

// strings is every block written, in order, as strings over them.
func (w *pieces) strings() []string {
	out := make([]string, 0, len(w.done)+1)
	for _, b := range w.done {
		out = append(out, unsafe.String(unsafe.SliceData(b), len(b)))
	}
	if len(w.cur) > 0 {
		out = append(out, unsafe.String(unsafe.SliceData(w.cur), len(w.cur)))
	}
	return out
}
