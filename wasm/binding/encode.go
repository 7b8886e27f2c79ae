package binding

import (
	"encoding/json"
	"reflect"
	"unsafe"
)

// unwritable is the reply when an answer cannot be written as JSON.
const unwritable = `{"ok": false, "error": {"code": "invalid_value", "message": "the answer could not be written as JSON"}}`

// encode writes the reply as JSON, the bytes json.Marshal gives, in one block.
func encode(r reply) string {
	w, err := marshalReply(r)
	if err != nil {
		return unwritable
	}
	b := w.join()
	// nothing writes to b after this: a string over it saves a copy as large as the answer,
	// which for a coordinator's what of 40,000 rows is megabytes a module keeps for good
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// encodePieces is encode in pieces, which joined are encode's reply.
func encodePieces(r reply) []string {
	w, err := marshalReply(r)
	if err != nil {
		return []string{unwritable}
	}
	return w.strings()
}

// longList is the length from which a list result is written an element at a time.
const longList = 64

// marshalReply writes the reply as JSON. A result that is a long list is written an element
// at a time into small pieces: json.Marshal grows one buffer by doubling up to the answer's
// size and copies it once more, so a lint of 16,000 findings (4.6 MB) at the largest agency
// passed through 25 MB, and in WebAssembly every such block raises the module's memory for
// good unless the heap has a free run as long.
func marshalReply(r reply) (*pieces, error) {
	w := &pieces{}
	v := reflect.ValueOf(r.Result)
	if !r.OK || r.Error != nil || v.Kind() != reflect.Slice || v.IsNil() || v.Len() < longList || v.Type().Elem().Kind() == reflect.Uint8 {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		w.done = [][]byte{b}
		w.n = len(b)
		return w, nil
	}
	w.write(`{"ok":true,"result":[`)
	for i := range v.Len() {
		if i > 0 {
			w.write(",")
		}
		// by its address, as json.Marshal reaches an element of a list: a MarshalJSON on
		// the pointer is called alike
		b, err := json.Marshal(v.Index(i).Addr().Interface())
		if err != nil {
			return nil, err
		}
		w.write(unsafe.String(unsafe.SliceData(b), len(b)))
	}
	w.write("]}")
	return w, nil
}

// pieces collects bytes in blocks of pieceSize, small enough to fit the free runs a heap has
// after a load.
type pieces struct {
	done [][]byte
	cur  []byte
	n    int
}

const pieceSize = 32 << 10

func (w *pieces) write(s string) {
	w.n += len(s)
	for len(s) > 0 {
		if len(w.cur) == cap(w.cur) {
			if w.cur != nil {
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
