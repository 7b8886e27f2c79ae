package evaluator

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
)

// entryText gives the words of an entry, shared with the entries before it that read the same.
func (r *reader) entryText(principal string, create []string) *entryText {
	if t := r.words.find(principal, create); t != nil {
		return t
	}
	t := &entryText{principal: principal, create: create}
	t.kind, t.ref = splitPrincipal(principal)
	for _, kn := range create {
		if k := parseKind(kn); k != kindInvalid {
			t.createSet |= setOf(k)
		} else {
			t.badCreate = true
		}
	}
	r.words.add(t)
	return t
}

// textTable interns the entries' words (entryText) by their principal and create list. It
// finds them by a hash of the words, so that it keeps no copy of them: a table keyed by the
// words held 3.5 MB at the largest agency while the document was read, beside the document.
// Words whose hash those of others took first are kept by the words themselves (clash).
type textTable struct {
	seed   maphash.Seed
	byHash map[uint64]*entryText
	clash  map[string]*entryText
	key    []byte // scratch: the words of the entry looked up, written over for each
}

// wordsKey writes the words as one key: the principal, then each right of the create list,
// each after its length, so that no two lists of words write the same key.
func (t *textTable) wordsKey(principal string, create []string) []byte {
	key := append(binary.AppendUvarint(t.key[:0], uint64(len(principal))), principal...)
	for _, k := range create {
		key = append(binary.AppendUvarint(key, uint64(len(k))), k...)
	}
	t.key = key
	return key
}

func (t *textTable) hash(key []byte) uint64 {
	if t.byHash == nil {
		t.seed = maphash.MakeSeed()
		t.byHash = map[uint64]*entryText{}
	}
	return wordsHash(t.seed, key)
}

// wordsHash is the hash of an entry's words (a variable so that tests make every hash clash).
var wordsHash = maphash.Bytes

// sameWords tells whether e reads principal and create (a missing create list reads as an
// empty one).
func sameWords(e *entryText, principal string, create []string) bool {
	return e.principal == principal && slices.Equal(e.create, create)
}

// find is the interned entryText of the words, nil when there is none yet.
func (t *textTable) find(principal string, create []string) *entryText {
	key := t.wordsKey(principal, create)
	e := t.byHash[t.hash(key)]
	if e == nil {
		return nil
	}
	if sameWords(e, principal, create) {
		return e
	}
	return t.clash[string(key)] // a lookup by the bytes copies nothing
}

// add interns e, whose words find has not found.
func (t *textTable) add(e *entryText) {
	key := t.wordsKey(e.principal, e.create)
	h := t.hash(key)
	if t.byHash[h] == nil {
		t.byHash[h] = e
		return
	}
	if t.clash == nil {
		t.clash = map[string]*entryText{}
	}
	t.clash[string(key)] = e
}

// each calls fn for every entryText interned.
func (t *textTable) each(fn func(*entryText)) {
	for _, e := range t.byHash {
		fn(e)
	}
	for _, e := range t.clash {
		fn(e)
	}
}
