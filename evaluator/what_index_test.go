package evaluator

import (
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/connsec/connsec/tools/gen"
)

// whatIndexModels are the example snapshot and generated ones, on which deciding from the
// whatIndex is compared with deciding entry by entry.
func whatIndexModels(t *testing.T) map[string]*Model {
	t.Helper()
	out := map[string]*Model{}
	data, err := os.ReadFile("../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	if out["example"], err = Load(data); err != nil {
		t.Fatal(err)
	}
	for seed := int64(1); seed <= 3; seed++ {
		data, err := gen.Generate(gen.Options{Agencies: 3, Staff: 90, Pages: 500, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Load(data)
		if err != nil {
			t.Fatal(err)
		}
		out["gen"+string(rune('0'+seed))] = m
	}
	return out
}

// TestWhatIndexDecidesAsEntries: for every person, page and page action, on the snapshot's
// day and a later one, the outcome decided from the slots of the whatIndex is the one
// decided entry by entry without a memo.
func TestWhatIndexDecidesAsEntries(t *testing.T) {
	for name, m := range whatIndexModels(t) {
		idx := m.whatIndex()
		if idx == nil {
			t.Fatalf("%s: no whatIndex", name)
		}
		actions := []string{"read", "edit", "manage_security"}
		for k := kind(1); k < kindCount; k++ {
			actions = append(actions, "create:"+k.String())
		}
		for _, day := range []Date{m.snap.AsOf, halfYearOn(t, m.snap.AsOf)} {
			for p := range m.people {
				memo := newPersonMemo(m, int32(p), day)
				memo.slots = newSlotAnswers(idx, int32(p))
				for _, action := range actions {
					q, err := m.resolve(Request{Subject: m.people[p].src.ID, Action: action, Resource: "page:" + m.pages[0].src.ID, AsOf: day.String()})
					if err != nil && q.action != actCreate {
						t.Fatal(err)
					}
					for x := range m.pages {
						q.ref, q.memo = int32(x), nil
						want := m.decide(q, nil)
						q.memo = memo
						if got := m.decide(q, nil); got != want {
							t.Fatalf("%s: %s %s page %s on %s: indexed %+v, entry by entry %+v",
								name, m.people[p].src.ID, action, m.pages[x].src.ID, day, got, want)
						}
					}
				}
			}
		}
	}
}

// TestWhatIsCheckedPageByPage: What, which decides from the whatIndex, answers the rows that
// deciding each page without a memo and wording it gives.
func TestWhatIsCheckedPageByPage(t *testing.T) {
	for name, m := range whatIndexModels(t) {
		for _, action := range []string{"read", "edit", "manage_security", "create:dialog"} {
			for p := range m.people {
				person := m.people[p].src.ID
				got, err := m.What(person, action, "")
				if err != nil {
					if _, ok := err.(*RequestError); ok && action == "create:dialog" {
						continue
					}
					t.Fatal(err)
				}
				q, qerr := m.resolve(Request{Subject: person, Action: action, Resource: "page:" + m.pages[0].src.ID})
				if qerr != nil && q.action != actCreate {
					t.Fatal(qerr)
				}
				want := []Access{}
				w := newRowWords(m)
				for x := range m.pages {
					q.ref = int32(x)
					if q.action == actCreate && (q.create == kindInvalid || !kindRules[m.pages[x].kind].children.has(q.create)) {
						continue
					}
					if o := m.decide(q, nil); o.allowed {
						want = append(want, w.row(q, o, nil))
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: what(%s, %s) differs from deciding page by page: %d rows, want %d", name, person, action, len(got), len(want))
				}
			}
		}
	}
}

// halfYearOn is the 15th of the month six months after d's.
func halfYearOn(t *testing.T, d Date) Date {
	var y, mo, day int
	if _, err := fmt.Sscanf(d.String(), "%d-%d-%d", &y, &mo, &day); err != nil {
		t.Fatal(err)
	}
	if mo += 6; mo > 12 {
		y, mo = y+1, mo-12
	}
	later, ok := parseDate(fmt.Sprintf("%04d-%02d-15", y, mo))
	if !ok {
		t.Fatalf("no day six months after %s", d)
	}
	return later
}
