package binding

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/connsec/connsec/evaluator"
)

// marshalsAs is a list element whose MarshalJSON is on the pointer, as json.Marshal calls it
// for the elements of a list.
type marshalsAs struct{ n int }

func (m *marshalsAs) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]int{"n": m.n})
}

// A reply whose result is a long list is written an element at a time: the bytes are those
// json.Marshal gives, for lists long and short, empty and nil, in one block and in many pieces.
func TestEncodeAsMarshal(t *testing.T) {
	long := make([]evaluator.Finding, 5000)
	for i := range long {
		long[i] = evaluator.Finding{Code: "code", Target: "page:p" + strings.Repeat("x", i%40), Message: "<b>" + strings.Repeat("é", i%17) + "</b>"}
	}
	own := make([]marshalsAs, 100)
	for i := range own {
		own[i].n = i
	}
	if n := len(encodePieces(ok(long))); n < 4 {
		t.Errorf("a long list in %d pieces", n)
	}
	for name, r := range map[string]reply{
		"long":      ok(long),
		"short":     ok(long[:3]),
		"empty":     ok([]evaluator.Finding{}),
		"nil":       ok([]evaluator.Finding(nil)),
		"bools":     ok(make([]bool, 1000)),
		"bytes":     ok(make([]byte, 1000)),
		"pointer":   ok(own),
		"not alist": ok(map[string]any{"version": 3}),
		"error":     fail(&callError{Code: "invalid_value", Message: "no"}),
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := encode(r); got != string(want) {
			t.Errorf("%s: encode gives %.200s…, json.Marshal %.200s…", name, got, want)
		}
		if got := strings.Join(encodePieces(r), ""); got != string(want) {
			t.Errorf("%s: the pieces join to %.200s…, json.Marshal gives %.200s…", name, got, want)
		}
	}
}

// encodePieces is encodeTo's pieces, which joined must be encode's reply; each is copied, as
// CallPiecesTo asks of emit (the block under it is written again after emit returns).
func encodePieces(r reply) []string {
	var out []string
	encodeTo(r, func(p string) { out = append(out, strings.Clone(p)) }, func() { out = out[:0] })
	return out
}
