package evaluator

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/connsec/connsec/tools/gen"
)

// The first pass of compile tells an id taken already from the indexes of the sorts (claim,
// taken, takenAt). This compares its duplicate_id problems with those of the straightforward
// form, a map from every id to the path of what took it, on generated snapshots whose ids are
// made to collide within and across sorts.
func TestClaimEqualsMapOfIDs(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		data, err := gen.Generate(gen.Options{Agencies: 2, Staff: 40, Pages: 120, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		// every element that has an id, in the order compile claims them
		type holder struct {
			obj  map[string]any
			path string
			sort string
		}
		var holders []holder
		list := func(v any) []any { l, _ := v.([]any); return l }
		for i, p := range list(doc["people"]) {
			holders = append(holders, holder{p.(map[string]any), fmt.Sprintf("people[%d].id", i), "people"})
		}
		for ai, a := range list(doc["agencies"]) {
			ag := a.(map[string]any)
			holders = append(holders, holder{ag, fmt.Sprintf("agencies[%d].id", ai), "agencies"})
			for _, sort := range []string{"units", "groups", "pages"} {
				for i, e := range list(ag[sort]) {
					holders = append(holders, holder{e.(map[string]any), fmt.Sprintf("agencies[%d].%s[%d].id", ai, sort, i), sort})
				}
			}
		}
		rng := rand.New(rand.NewSource(seed))
		of := func(sort string) holder { // an element of the sort, at random
			var in []holder
			for _, h := range holders {
				if h.sort == sort {
					in = append(in, h)
				}
			}
			return in[rng.Intn(len(in))]
		}
		sorts := []string{"people", "agencies", "units", "groups", "pages"}
		for _, a := range sorts { // every pair of sorts collides once
			for _, b := range sorts {
				from, to := of(a), of(b)
				to.obj["id"] = from.obj["id"]
			}
		}
		for k := 0; k < 12; k++ { // an element takes the id of another, of any sort
			from, to := holders[rng.Intn(len(holders))], holders[rng.Intn(len(holders))]
			to.obj["id"] = from.obj["id"]
		}
		var want []string
		owner := map[string]string{}
		for _, h := range holders {
			id := h.obj["id"].(string)
			if prev, ok := owner[id]; ok {
				want = append(want, fmt.Sprintf("%s: the id %q is already used at %s", h.path, id, prev))
				continue
			}
			owner[id] = h.path
		}
		if len(want) == 0 {
			t.Fatalf("seed %d: no id collides", seed)
		}
		data, err = json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(data)
		se, ok := err.(*SnapshotError)
		if !ok {
			t.Fatalf("seed %d: Load = %v, want a SnapshotError", seed, err)
		}
		var got []string
		for _, p := range se.Problems {
			if p.Code != CodeDuplicateID {
				continue
			}
			var id, prev string
			if _, err := fmt.Sscanf(p.Message, "the id %q is already used at %s", &id, &prev); err == nil {
				got = append(got, fmt.Sprintf("%s: the id %q is already used at %s", p.Path, id, prev))
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Errorf("seed %d: duplicate ids\n got %q\nwant %q", seed, got, want)
		}
	}
}
