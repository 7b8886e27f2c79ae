package evaluator

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tidwall/gjson"
)

// member is what one step of ForEach hands over.
type member struct{ Key, Value gjson.Result }

// sameWalk: at every container of doc, the index's each hands over the members ForEach does
// (keys and values with their types, text, numbers and Index) and stops where it stops.
func sameWalk(t *testing.T, ix *docIndex, v gjson.Result, path string) {
	t.Helper()
	var want, got []member
	v.ForEach(func(k, e gjson.Result) bool { want = append(want, member{k, e}); return true })
	ix.each(v, func(k, e gjson.Result) bool { got = append(got, member{k, e}); return true })
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("%s: each differs from ForEach (-ForEach +each):\n%s", path, d)
	}
	if len(want) > 1 { // stopping after the first member
		n := 0
		ix.each(v, func(_, _ gjson.Result) bool { n++; return false })
		if n != 1 {
			t.Fatalf("%s: each went on after fn returned false (%d calls)", path, n)
		}
	}
	for i, m := range want {
		if m.Value.Type == gjson.JSON {
			sameWalk(t, ix, m.Value, path+"."+m.Key.String()+"#"+string(rune('0'+i%10)))
		}
	}
}

func walkDocument(t *testing.T, doc string) {
	if !gjson.Valid(doc) {
		return
	}
	ix := indexDocument(doc)
	if ix == nil {
		t.Fatalf("a valid document was not indexed: %q", doc)
	}
	root := gjson.Parse(doc)
	root.Index = len(doc) - len(root.Raw) // as the loader reads it
	sameWalk(t, ix, root, "$")
}

// TestDocIndexWalksAsForEach: over the example snapshot, with the usual threshold and with
// every container indexed, and over documents with escapes, spaces and nesting.
func TestDocIndexWalksAsForEach(t *testing.T) {
	example, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	docs := []string{string(example), docIndexSeeds[0], docIndexSeeds[1], docIndexSeeds[2], docIndexSeeds[3]}
	for _, threshold := range []int{128, 1} {
		defer func(n int) { bigContainer = n }(bigContainer)
		bigContainer = threshold
		for _, d := range docs {
			walkDocument(t, d)
		}
	}
}

var docIndexSeeds = []string{
	`{"a": [1, 2.5e3, -0, true, false, null, "x"], "b\"q": {"c": "d\\\"e", "e\\\\": ["\u00e9", {}]}, "f": []}`,
	` [ {"id" : "pg-1" , "security":[{"principal":"everyone","role":"reader"}]} , [ [ ] ] ,"a\\\\"] `,
	`{"k":{"k":{"k":{"k":[{"k":"v"},{"k":"w"}]}}},"n":12345678901234567890}`,
	`{"dup": 1, "dup": [2], "esc": "\\\\\\"", "u": "\ud83d\ude00"}`,
}

// FuzzDocIndex: for any document gjson accepts, each walks as ForEach, every container
// indexed (so that short inputs reach the index).
func FuzzDocIndex(f *testing.F) {
	for _, s := range docIndexSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		defer func(n int) { bigContainer = n }(bigContainer)
		bigContainer = 1
		walkDocument(t, doc)
	})
}
