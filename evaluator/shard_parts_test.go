package evaluator_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/connsec/connsec/evaluator"
)

// partsOf is what the directory holds of a state for agency ag's shard: the document's top
// level (no agencies), ag's object, and every other agency's object with its pages left out.
func partsOf(t *testing.T, data []byte, ag string) ([]byte, []byte, [][]byte) {
	t.Helper()
	var mine string
	var others [][]byte
	for _, a := range gjson.GetBytes(data, "agencies").Array() {
		if a.Get("id").Str == ag {
			mine = a.Raw
			continue
		}
		thin, err := sjson.SetRaw(a.Raw, "pages", "[]")
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, []byte(thin))
	}
	top, err := sjson.SetRawBytes(bytes.Clone(data), "agencies", []byte("[]"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasSuffix(data, []byte("\n")) && !bytes.HasSuffix(top, []byte("\n")) {
		top = append(top, '\n')
	}
	return top, []byte(mine), others
}

func shardFromParts(t *testing.T, data []byte, ag string) ([]byte, error) {
	t.Helper()
	top, mine, others := partsOf(t, data, ag)
	return evaluator.AgencyShardFrom(top, mine, func(yield func([]byte) bool) {
		for _, o := range others {
			if !yield(o) {
				return
			}
		}
	})
}

// The shard written from the parts of the state is the whole model's, byte for byte, for every
// agency of the example and of the generated states (people named across agencies, records in
// two agencies, holders of statewide functions).
func TestAgencyShardFromPartsIsTheWholeModels(t *testing.T) {
	example, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
	}{{"example", example}}
	for _, tc := range shardCases(t) {
		_, data := generatedModel(t, tc.opts)
		cases = append(cases, struct {
			name string
			data []byte
		}{tc.name, data})
	}
	compared, cross := 0, 0
	for _, tc := range cases {
		whole := mustLoadSnapshot(t, tc.data)
		for _, ag := range sampledAgencies(tc.data, 0) {
			want, err := whole.AgencyShard(ag)
			if err != nil {
				t.Fatalf("%s: %s: %v", tc.name, ag, err)
			}
			got, err := shardFromParts(t, tc.data, ag)
			if err != nil {
				t.Fatalf("%s: %s: from the parts: %v", tc.name, ag, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: %s: the shard from the parts differs from the whole model's at byte %d:\n%s", tc.name, ag, firstByteDiff(got, want), around(got, want))
			}
			compared++
			cross += int(gjson.GetBytes(got, "records_elsewhere.#").Int())
		}
	}
	if cross == 0 {
		t.Fatal("no shard carries a record held elsewhere: the comparison tests nothing across agencies")
	}
	t.Logf("%d shards compared, %d records elsewhere", compared, cross)
}

// A state whose agency names another agency's unit cannot be split: the parts say so, and the
// whole model says why.
func TestAgencyShardFromPartsLeavesForeignUnitsToTheModel(t *testing.T) {
	_, data := generatedModel(t, shardCases(t)[0].opts)
	ags := gjson.GetBytes(data, "agencies").Array()
	other := ags[1].Get("units.0.id").Str
	bad, err := sjson.SetBytes(bytes.Clone(data), "agencies.0.pages.0.security.-1", map[string]string{"principal": "unit:" + other, "role": "reader"})
	if err != nil {
		t.Fatal(err)
	}
	ag := ags[0].Get("id").Str
	if _, err := shardFromParts(t, bad, ag); !errors.Is(err, evaluator.ErrNotByParts) {
		t.Fatalf("an entry naming %s, a unit of another agency: from the parts %v, want ErrNotByParts", other, err)
	}
	if _, err := mustLoadSnapshot(t, bad).AgencyShard(ag); err == nil {
		t.Fatal("the whole model wrote a shard whose entry names another agency's unit")
	}
}

func firstByteDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func around(got, want []byte) string {
	i := firstByteDiff(got, want)
	lo := max(0, i-120)
	return "from the parts: …" + string(got[lo:min(len(got), i+120)]) + "\nthe whole's:     …" + string(want[lo:min(len(want), i+120)])
}
