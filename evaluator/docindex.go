package evaluator

import (
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// docIndex records where each large object and list of a document ends, so that reading steps
// over one with a lookup instead of a scan. gjson's ForEach finds the end of every value it
// hands over by scanning it; a snapshot nests pages in agencies, sections in pages and entries
// in sections, so each byte of an entry was scanned once for every level above it (at the
// largest agency, a quarter of a load). With the index, each is scanned once here, and once
// where it is read.
type docIndex struct {
	doc        string      // the document the offsets count in
	containers []container // the large containers, by their first byte
	next       int         // where the next search starts: the container after the last found
}

// container is where a large object or list starts and ends in the document: the offsets of
// its first and last bytes.
type container struct{ open, close int32 }

// bigContainer is the size from which a container is indexed: a smaller one is scanned again
// when it is stepped over, which costs less than keeping its place (there are many of them).
// At the largest agency 128, 512 and 2,048 bytes load equally fast, and a load allocates 4.1,
// 0.9 and 0.2 MB more than without the index (BenchmarkLoadLargest): a page's own lists are
// left out.
var bigContainer = 512 // a variable so that tests index every container

// indexDocument indexes a document that gjson.Valid accepts (anything else: nil, and reading
// scans as gjson does). Each container is listed as it opens, so the list is in the order of
// first bytes; one found small as it closes is the last listed (everything inside it is
// smaller and was dropped already) and is dropped in turn.
func indexDocument(doc string) *docIndex {
	ix := &docIndex{doc: doc}
	stack := make([]int32, 0, 32) // the places in ix.containers of the containers open
	for i := 0; i < len(doc); i++ {
		switch doc[i] {
		case '"':
			i = stringEnd(doc, i) - 1
		case '{', '[':
			stack = append(stack, int32(len(ix.containers)))
			ix.containers = append(ix.containers, container{open: int32(i), close: -1})
		case '}', ']':
			if len(stack) == 0 {
				return nil
			}
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if c := &ix.containers[k]; i-int(c.open)+1 >= bigContainer {
				c.close = int32(i)
			} else {
				ix.containers = ix.containers[:k]
			}
		}
	}
	if len(stack) != 0 {
		return nil
	}
	return ix
}

// stringEnd is the offset just past the string that starts (with its quote) at s[i]. A quote
// ends it unless an odd number of backslashes stands before it.
func stringEnd(s string, i int) int {
	for i++; ; {
		q := strings.IndexByte(s[i:], '"')
		if q < 0 {
			return len(s)
		}
		i += q
		b := 0
		for b < i && s[i-1-b] == '\\' {
			b++
		}
		i++
		if b%2 == 0 {
			return i
		}
	}
}

// offset is where raw starts in the indexed document; ok is false when raw is not part of it.
func (ix *docIndex) offset(raw string) (int, bool) {
	if len(raw) == 0 || len(ix.doc) == 0 {
		return 0, false
	}
	at := uintptr(unsafe.Pointer(unsafe.StringData(raw))) - uintptr(unsafe.Pointer(unsafe.StringData(ix.doc)))
	if at >= uintptr(len(ix.doc)) || int(at)+len(raw) > len(ix.doc) {
		return 0, false
	}
	return int(at), true
}

// valueEnd is the offset in s just past the value that starts at s[i]; off is where s starts
// in the document.
func (ix *docIndex) valueEnd(s string, i, off int) int {
	switch s[i] {
	case '"':
		return stringEnd(s, i)
	case '{', '[':
		if end, found := ix.closeOf(int32(off + i)); found {
			return int(end) - off + 1
		}
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '"':
				j = stringEnd(s, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(s)
	}
	j := i
	for j < len(s) && s[j] > ' ' && s[j] != ',' && s[j] != ']' && s[j] != '}' {
		j++
	}
	return j
}

// closeOf is where the large container that opens at the offset at closes (found false: no
// large container opens there). Reading asks in the order of the document, mostly, so the
// search starts where the last one ended: in WebAssembly a search of every container for
// each object and list read was a twentieth of a load at the largest agency (node
// --cpu-prof).
func (ix *docIndex) closeOf(at int32) (end int32, found bool) {
	c := ix.containers
	lo, hi := 0, len(c)
	if k := ix.next; k <= len(c) && (k == 0 || c[k-1].open < at) {
		// every container before k opens before at: the answer is at k or after it, and
		// most often at k
		if k == len(c) || c[k].open >= at {
			lo, hi = k, k
		} else {
			lo = k + 1
		}
	}
	for lo < hi { // the first container that opens at or after at
		mid := int(uint(lo+hi) >> 1)
		if c[mid].open < at {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	ix.next = lo
	if lo < len(c) && c[lo].open == at {
		ix.next = lo + 1
		return c[lo].close, true
	}
	return 0, false
}

// each calls fn for each member of the object or element of the list t, as t.ForEach does
// (the same keys and values, the same Index), stepping over large values by the index.
func (ix *docIndex) each(t gjson.Result, fn func(key, value gjson.Result) bool) {
	if ix == nil || t.Type != gjson.JSON {
		t.ForEach(fn)
		return
	}
	s := t.Raw
	off, ok := ix.offset(s)
	if !ok {
		t.ForEach(fn)
		return
	}
	i := 0
	for i < len(s) && s[i] <= ' ' {
		i++
	}
	if i == len(s) || (s[i] != '{' && s[i] != '[') {
		return
	}
	obj := s[i] == '{'
	var key gjson.Result
	if !obj {
		key = gjson.Result{Type: gjson.Number, Num: -1}
	}
	for i++; i < len(s); {
		for i < len(s) && (s[i] <= ' ' || s[i] == ',') {
			i++
		}
		if i == len(s) || s[i] == '}' || s[i] == ']' {
			return
		}
		if obj {
			if s[i] != '"' {
				return
			}
			end := stringEnd(s, i)
			key = gjson.Result{Type: gjson.String, Raw: s[i:end], Index: i + t.Index}
			if strings.IndexByte(key.Raw, '\\') < 0 {
				key.Str = key.Raw[1 : len(key.Raw)-1]
			} else {
				key.Str = gjson.Parse(key.Raw).Str
			}
			for i = end; i < len(s) && (s[i] <= ' ' || s[i] == ':'); i++ {
			}
			if i == len(s) {
				return
			}
		} else {
			key.Num++
		}
		end := ix.valueEnd(s, i, off)
		var value gjson.Result
		if c := s[i]; c == '{' || c == '[' {
			value = gjson.Result{Type: gjson.JSON, Raw: s[i:end]}
		} else if c == '"' && strings.IndexByte(s[i:end], '\\') < 0 {
			value = gjson.Result{Type: gjson.String, Raw: s[i:end], Str: s[i+1 : end-1]}
		} else {
			value = gjson.Parse(s[i:end])
		}
		value.Index = i + t.Index
		if !fn(key, value) {
			return
		}
		i = end
	}
}

// inPlace reads b as a string without copying it; b is not changed while the string is read
// (the loader's document, an edit's segment, the parts of a shard).
func inPlace(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
