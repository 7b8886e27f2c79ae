package evaluator

import (
	"strconv"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// TestRenamePrincipalAsSjson: renaming the principal of a section's entries in one writing
// gives the bytes that setting each entry's principal with sjson gives: entries spaced or
// not, a principal written with an escape, a new name that needs one, the section as the
// whole document or at a path.
func TestRenamePrincipalAsSjson(t *testing.T) {
	docs := []struct{ doc, path string }{
		{`{"id": "pg-1", "security": [{"principal": "unit:u-a", "role": "reader"}, {"principal": "everyone", "role": "editor"}, {"role": "full", "principal": "unit:u-a"}]}`, "security"},
		{`{"id":"pg-1","defaults":{"item":[{"principal":"unit:u-a"},{"principal" : "unit:u-b"},{"principal":"unit:u\u002da"}]}}`, "defaults.item"},
		{`[{"principal": "unit:u-a", "role": "reader"}, {"principal": "unit:u-c"}]`, ""},
		{`  [ {"principal": "unit:u-a"} ]`, ""},
		{`{"security": []}`, "security"},
	}
	for _, d := range docs {
		for _, new := range []string{"unit:u-into", "unit:u-é", `unit:u-"q"`} {
			want := []byte(d.doc)
			sec := gjson.Parse(d.doc)
			if d.path != "" {
				sec = gjson.Get(d.doc, d.path)
			}
			i := 0
			sec.ForEach(func(_, en gjson.Result) bool {
				if en.Get("principal").Str == "unit:u-a" {
					p := strconv.Itoa(i) + ".principal"
					if d.path != "" {
						p = d.path + "." + p
					}
					var err error
					if want, err = sjson.SetBytes(want, p, new); err != nil {
						t.Fatal(err)
					}
				}
				i++
				return true
			})
			got, err := renamePrincipal([]byte(d.doc), d.path, "unit:u-a", new)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("%s at %q to %s:\n got %s\nwant %s", d.doc, d.path, new, got, want)
			}
		}
	}
}
