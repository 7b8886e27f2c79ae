package edge

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
)

var writersClock = func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) }

func exampleSnapshot(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("../../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func seededWriters(t testing.TB, journals Journals, snapshot []byte) *Writers {
	t.Helper()
	w := NewWriters(journals, writersClock)
	if a, err := w.Seed(context.Background(), snapshot); err != nil || a.Status != 200 {
		t.Fatalf("seed: %v %s", err, a.Body)
	}
	return w
}

// outcome is what the differential test compares of two answers: everything a caller acts on
// (the summary counts pages of the shard acted on, so it is left out).
type outcome struct {
	Status        int
	Code, Path    string
	Index         any
	Version       string
	Shard         string
	ShardVersion  any
	Notifications any
}

func outcomeOf(t *testing.T, a Answer) outcome {
	var body map[string]any
	if err := json.Unmarshal(a.Body, &body); err != nil {
		t.Fatalf("an answer that is not JSON: %s", a.Body)
	}
	o := outcome{Status: a.Status, Shard: fmt.Sprint(body["shard"]), ShardVersion: body["shard_version"], Notifications: body["notifications"]}
	if v, ok := body["version"].(string); ok {
		o.Version = v
	}
	if e, ok := body["error"].(map[string]any); ok {
		o.Code, o.Path, o.Index = fmt.Sprint(e["code"]), fmt.Sprint(e["path"]), e["index"]
	}
	return o
}

// sameState: two documents hold the same state (their version fields apart: the whole
// document's counts every batch, the composed one's none).
func sameState(t *testing.T, want, got []byte) {
	t.Helper()
	var a, b map[string]any
	if err := json.Unmarshal(want, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &b); err != nil {
		t.Fatal(err)
	}
	delete(a, "version")
	delete(b, "version")
	if !reflect.DeepEqual(a, b) {
		for k := range a {
			if !reflect.DeepEqual(a[k], b[k]) {
				x, _ := json.Marshal(a[k])
				y, _ := json.Marshal(b[k])
				t.Fatalf("the states differ at %q:\nwhole:   %.600s\nsharded: %.600s", k, x, y)
			}
		}
		t.Fatalf("the states differ in their fields")
	}
}

// batchMaker makes random batches on the example: staff (add_staff of new and existing
// people, end-dating, reinstating, moves), units, pages, security with user: entries naming
// people of any agency, default sections and their propagation, Person IDs, and ids that
// another agency already uses.
type batchMaker struct {
	r        *rand.Rand
	people   []string
	logins   []string
	pages    map[string][]string
	units    map[string][]string
	agencies []string
	coord    map[string]string
	made     map[string][]string // coordinators the batches established
	n        int
}

func newBatchMaker(seed uint64, doc []byte) *batchMaker {
	b := &batchMaker{r: rand.New(rand.NewPCG(seed, 7)), pages: map[string][]string{}, units: map[string][]string{}, coord: map[string]string{}, made: map[string][]string{}}
	gjson.GetBytes(doc, "people").ForEach(func(_, p gjson.Result) bool {
		b.people = append(b.people, p.Get("id").String())
		b.logins = append(b.logins, p.Get("nt_account").String())
		return true
	})
	gjson.GetBytes(doc, "agencies").ForEach(func(_, a gjson.Result) bool {
		id := a.Get("id").String()
		b.agencies = append(b.agencies, id)
		b.coord[id] = a.Get("coordinators.0.person").String()
		a.Get("pages").ForEach(func(_, p gjson.Result) bool { b.pages[id] = append(b.pages[id], p.Get("id").String()); return true })
		a.Get("units").ForEach(func(_, u gjson.Result) bool { b.units[id] = append(b.units[id], u.Get("id").String()); return true })
		return true
	})
	return b
}

func (b *batchMaker) pick(list []string) string { return list[b.r.IntN(len(list))] }

// an id that is new, or one another agency (or a person) holds already
func (b *batchMaker) newID(agency, prefix string) string {
	b.n++
	if b.r.IntN(4) == 0 {
		other := b.pick(b.agencies)
		if other != agency && b.r.IntN(2) == 0 {
			return b.pick(b.pages[other])
		}
		return b.pick(b.people)
	}
	return fmt.Sprintf("%s-%d", prefix, b.n)
}

func (b *batchMaker) edit(agency string) map[string]any {
	person := b.pick(b.people)
	switch b.r.IntN(13) {
	case 12:
		return map[string]any{"op": "establish_coordinator", "agency": agency, "person": person, "role": "backup"}
	case 0, 1:
		return map[string]any{"op": "add_staff", "agency": agency, "person": person}
	case 2:
		b.n++
		login := fmt.Sprintf("new%d", b.n)
		if b.r.IntN(3) == 0 {
			login = b.pick(b.logins)
		}
		return map[string]any{"op": "add_staff", "agency": agency, "person": fmt.Sprintf("p-new-%d", b.n), "name": "New Worker", "nt_account": login}
	case 3:
		return map[string]any{"op": "end_date_staff", "agency": agency, "person": person}
	case 4:
		return map[string]any{"op": "reinstate_staff", "agency": agency, "person": person}
	case 5:
		return map[string]any{"op": "move_staff", "agency": agency, "person": person, "unit": b.pick(b.units[agency])}
	case 6:
		return map[string]any{"op": "create_unit", "agency": agency, "unit": map[string]any{"id": b.newID(agency, "u-new"), "name": "New unit"}}
	case 7:
		return map[string]any{"op": "create_page", "page": map[string]any{"id": b.newID(agency, "pg-new"), "kind": "item", "parent": b.pick(b.pages[agency]), "title": "New item"}}
	case 8:
		return map[string]any{"op": "create_page", "page": map[string]any{"id": b.newID(agency, "pg-prj"), "kind": "project", "parent": b.pages[agency][0], "title": "New project",
			"roles": map[string]any{"sponsor": []string{}, "leader": []string{person}, "member": []string{}, "consultant": []string{}}}}
	case 9:
		return map[string]any{"op": "set_security", "page": b.pick(b.pages[agency]), "entries": []any{
			map[string]any{"principal": "user:" + person, "role": "reader"}, map[string]any{"principal": "org_leader", "role": "full"}}}
	case 10:
		return map[string]any{"op": "set_default_security", "page": b.pages[agency][0], "kind": "project", "entries": []any{
			map[string]any{"principal": "user:" + person, "role": "editor"}, map[string]any{"principal": "project_leader", "role": "full", "create": []string{"item"}}}}
	}
	return map[string]any{"op": "propagate_defaults", "page": b.pages[agency][0], "kind": "project"}
}

func (b *batchMaker) batch() (map[string]any, string) {
	agency := b.pick(b.agencies)
	actor := "p-admin"
	switch b.r.IntN(10) {
	case 0, 1, 2:
		actor = b.coord[agency]
	case 3:
		actor = b.pick(b.coordinators(agency))
	case 4:
		actor = b.pick(b.people)
	}
	var edits []any
	if b.r.IntN(8) == 0 {
		status := []string{"disabled", "active", "deleted"}[b.r.IntN(3)]
		edits = append(edits, map[string]any{"op": "set_person_id", "person": b.pick(b.people), "status": status})
	} else {
		for range 1 + b.r.IntN(2) {
			edits = append(edits, b.edit(agency))
		}
	}
	if b.r.IntN(15) == 0 { // a batch of two shards
		edits = append(edits, b.edit(b.pick(b.agencies)))
	}
	key := ""
	if b.r.IntN(3) == 0 {
		key = fmt.Sprintf("k-%d", b.r.IntN(40))
	}
	return map[string]any{"actor": actor, "edits": edits}, key
}

// coordinators are the coordinators of agency (as the maker made them: it keeps no state).
func (b *batchMaker) coordinators(agency string) []string {
	return append([]string{b.coord[agency]}, b.made[agency]...)
}

// learn takes what an accepted batch created into the maker's lists.
func (b *batchMaker) learn(batch map[string]any) {
	for _, e := range batch["edits"].([]any) {
		e := e.(map[string]any)
		switch e["op"] {
		case "add_staff":
			if id := e["person"].(string); !slices.Contains(b.people, id) {
				b.people, b.logins = append(b.people, id), append(b.logins, e["nt_account"].(string))
			}
		case "establish_coordinator":
			b.made[e["agency"].(string)] = append(b.made[e["agency"].(string)], e["person"].(string))
		case "create_unit":
			b.units[e["agency"].(string)] = append(b.units[e["agency"].(string)], e["unit"].(map[string]any)["id"].(string))
		case "create_page":
			page := e["page"].(map[string]any)
			for a, pages := range b.pages {
				if slices.Contains(pages, page["parent"].(string)) {
					b.pages[a] = append(pages, page["id"].(string))
				}
			}
		}
	}
}

// Random batch sequences through the sharded writers and through the whole-model Ledger get
// the same answers (status, error code, path and index, token, shard version, notifications)
// and leave the same state.
func TestWritersAnswerAsTheWholeModel(t *testing.T) {
	overBothLinks(t, testWritersAnswerAsTheWholeModel)
}

func testWritersAnswerAsTheWholeModel(t *testing.T, link func(*Writers) *Writers) {
	snapshot := exampleSnapshot(t)
	accepted, refused := 0, map[string]int{}
	for seed := range uint64(6) {
		w := link(seededWriters(t, NewMemoryJournals(), snapshot))
		sendAlike(t, seed, snapshot, func(raw []byte, key string) (Answer, error) { return w.Submit(context.Background(), raw, key) },
			func() ([]byte, Versions, error) { return w.Whole() }, func(want, got *outcome) {}, &accepted, refused)
	}
	t.Logf("%d accepted; refused: %v", accepted, refused)
	// the sequences reach the cross-shard rules, and are accepted often enough to matter
	for _, code := range []string{"active_elsewhere", "already_staff", "duplicate_id", "staff_still_active", "not_authorized", "cross_agency", "person_id_inactive"} {
		if refused[code] == 0 {
			t.Errorf("no batch was refused %s: %v", code, refused)
		}
	}
	if accepted < 100 {
		t.Errorf("only %d batches were accepted; refused: %v", accepted, refused)
	}
}

// sendAlike sends one random sequence of 70 batches (seed) to the whole model's Ledger and to
// submit, and fails at the first answer that differs once alike has made what it need not
// compare of the two outcomes equal; then the state and the versions whole gives must be the
// Ledger's. It counts the batches accepted and refused (by code).
func sendAlike(t *testing.T, seed uint64, snapshot []byte, submit func([]byte, string) (Answer, error), whole func() ([]byte, Versions, error), alike func(want, got *outcome), accepted *int, refused map[string]int) {
	t.Helper()
	l, err := NewMemoryStore(snapshot, writersClock)
	if err != nil {
		t.Fatal(err)
	}
	b := newBatchMaker(seed, snapshot)
	for i := range 70 {
		batch, key := b.batch()
		raw, _ := json.Marshal(batch)
		want, err := l.Submit(context.Background(), raw, key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := submit(raw, key)
		if err != nil {
			t.Fatalf("seed %d batch %d: %v", seed, i, err)
		}
		wo, go_ := outcomeOf(t, want), outcomeOf(t, got)
		alike(&wo, &go_)
		if !reflect.DeepEqual(wo, go_) {
			t.Fatalf("seed %d batch %d %s (key %q):\nwhole:   %s\nsharded: %s", seed, i, raw, key, want.Body, got.Body)
		}
		if want.Status == 200 {
			*accepted++
			b.learn(batch)
		} else {
			refused[wo.Code]++
		}
	}
	doc, v, err := whole()
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, l.Snapshot(), doc)
	if lv, _ := l.Versions(); lv.String() != v.String() {
		t.Fatalf("seed %d: the versions are %s, the whole model's %s", seed, v, lv)
	}
}

// activeIn lists the agencies where person has a record active on the example's day.
func activeIn(t *testing.T, w *Writers, person string) []string {
	t.Helper()
	doc, _, err := w.Whole()
	if err != nil {
		t.Fatal(err)
	}
	asOf := gjson.GetBytes(doc, "as_of").String()
	var out []string
	gjson.GetBytes(doc, "agencies").ForEach(func(_, a gjson.Result) bool {
		a.Get("staff").ForEach(func(_, r gjson.Result) bool {
			end := r.Get("end")
			if r.Get("person").String() == person && r.Get("start").String() <= asOf && (end.Type == gjson.Null || end.String() > asOf) {
				out = append(out, a.Get("id").String())
			}
			return true
		})
		return true
	})
	return out
}

func submitted(t *testing.T, w *Writers, batch, key string) Answer {
	t.Helper()
	a, err := w.Submit(context.Background(), []byte(batch), key)
	if err != nil {
		t.Fatalf("%s: %v", batch, err)
	}
	return a
}

const (
	endAtAlbany     = `{"actor": "p-1003", "edits": [{"op": "end_date_staff", "agency": "ag-alb", "person": "p-1012"}]}`
	reinstateAlbany = `{"actor": "p-1003", "edits": [{"op": "reinstate_staff", "agency": "ag-alb", "person": "p-1012"}]}`
	hireAtStAnnes   = `{"actor": "p-2003", "edits": [{"op": "add_staff", "agency": "ag-sta", "person": "p-1012"}]}`
	newAtAlbany     = `{"actor": "p-1003", "edits": [{"op": "add_staff", "agency": "ag-alb", "person": "p-race", "name": "Sam Race", "nt_account": "srace"}]}`
	newAtStAnnes    = `{"actor": "p-2003", "edits": [{"op": "add_staff", "agency": "ag-sta", "person": "p-race", "name": "Sam Race", "nt_account": "srace"}]}`
)

// Two coordinators of two agencies take on the same person at the same moment, 100 times:
// a new person both add (who is created once), and a worker Albany ended whom Albany
// reinstates while St. Anne's adds them. Exactly one wins each time; the other is refused
// active_elsewhere, and the person is active in one agency.
func TestWritersTwoAgenciesHireOnePerson(t *testing.T) {
	overBothLinks(t, testTwoAgenciesHireOnePerson)
}

func testTwoAgenciesHireOnePerson(t *testing.T, link func(*Writers) *Writers) {
	snapshot := exampleSnapshot(t)
	wins := map[string]int{}
	for i := range 100 {
		w := link(seededWriters(t, NewMemoryJournals(), snapshot))
		person, batches := "p-race", [2]string{newAtAlbany, newAtStAnnes}
		if i%2 == 1 {
			if a := submitted(t, w, endAtAlbany, ""); a.Status != 200 {
				t.Fatalf("end-dating at Albany: %s", a.Body)
			}
			person, batches = "p-1012", [2]string{reinstateAlbany, hireAtStAnnes}
		}
		var answers [2]Answer
		start := make(chan struct{})
		done := make(chan int)
		for k := range 2 {
			go func() {
				<-start
				a, err := w.Submit(context.Background(), []byte(batches[k]), "")
				if err != nil {
					t.Error(err)
				}
				answers[k] = a
				done <- k
			}()
		}
		close(start)
		<-done
		<-done
		won := -1
		for k, a := range answers {
			switch o := outcomeOf(t, a); {
			case o.Status == 200 && won < 0:
				won = k
			case o.Status != 422 || o.Code != "active_elsewhere":
				t.Fatalf("round %d: %s answered %d %s", i, batches[k], a.Status, a.Body)
			}
		}
		if won < 0 {
			t.Fatalf("round %d: neither won: %s / %s", i, answers[0].Body, answers[1].Body)
		}
		wins[[]string{"Albany", "St. Anne's"}[won]]++
		if got := activeIn(t, w, person); len(got) != 1 {
			t.Fatalf("round %d: %s is active in %v", i, person, got)
		}
		if doc, _, _ := w.Whole(); gjson.GetBytes(doc, `people.#(id=="p-race")#.id`).String() != map[bool]string{true: `["p-race"]`, false: `[]`}[person == "p-race"] {
			t.Fatalf("round %d: the people are %s", i, gjson.GetBytes(doc, `people.#.id`))
		}
	}
	t.Logf("wins: %v", wins)
}

// Under concurrency the writers' answers are those of one order of the batches: random
// batches sent at once by coordinators of both agencies and by administrators (the
// directory's batches too) are accepted or refused; the log of the accepted ones, in the order
// of their Version, applies again to the seed one by one, each accepted, and gives the state
// the writers hold. So none was lost, applied twice or half applied, and none was judged on a
// state that had moved on.
func TestWritersAtOnceAreSerializable(t *testing.T) {
	snapshot := exampleSnapshot(t)
	ctx := context.Background()
	for seed := range uint64(4) {
		w := seededWriters(t, NewMemoryJournals(), snapshot)
		accepted := make(chan int, 1000)
		done := make(chan struct{})
		for g := range 4 {
			go func() {
				defer func() { done <- struct{}{} }()
				b := newBatchMaker(seed*10+uint64(g), snapshot)
				for range 40 {
					batch, _ := b.batch()
					raw, _ := json.Marshal(batch)
					a, err := w.Submit(ctx, raw, "")
					if err != nil {
						t.Error(err)
						return
					}
					if a.Status == 200 {
						b.learn(batch)
						accepted <- 1
					}
				}
			}()
		}
		for range 4 {
			<-done
		}
		close(accepted)
		n := 0
		for range accepted {
			n++
		}
		log, err := w.Log(ctx, Versions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != n {
			t.Fatalf("seed %d: %d batches were accepted, the log holds %d", seed, n, len(log))
		}
		m, err := evaluator.Load(snapshot)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range log {
			if e.Version != int64(i+1) {
				t.Fatalf("seed %d: entry %d has the place %d", seed, i, e.Version)
			}
			batch, at := e.Replay()
			applied, err := m.Apply(batch, at)
			if err != nil {
				t.Fatalf("seed %d: entry %d (%s, version %d of %s) does not apply in that order: %v", seed, i, batch, e.ShardVersion, e.Shard, err)
			}
			m = applied.Model
		}
		doc, _, err := w.Whole()
		if err != nil {
			t.Fatal(err)
		}
		sameState(t, m.Snapshot(), doc)
		t.Logf("seed %d: %d batches accepted at once", seed, n)
	}
}

// The directory judges a Person ID change on every agency as it is: a coordinator Albany
// has just established may disable the Person ID of a worker Albany ended, as in the whole
// state (the directory holds Albany's coordinators, though that batch claimed no person).
func TestWritersDirectoryHoldsTheNewCoordinator(t *testing.T) {
	l, err := NewMemoryStore(exampleSnapshot(t), writersClock)
	if err != nil {
		t.Fatal(err)
	}
	w := seededWriters(t, NewMemoryJournals(), exampleSnapshot(t))
	for _, batch := range []string{
		endAtAlbany,
		`{"actor": "p-1003", "edits": [{"op": "establish_coordinator", "agency": "ag-alb", "person": "p-1011", "role": "backup"}]}`,
		`{"actor": "p-1011", "edits": [{"op": "set_person_id", "person": "p-1012", "status": "disabled"}]}`,
	} {
		want, _ := l.Submit(context.Background(), []byte(batch), "")
		got := submitted(t, w, batch, "")
		if want.Status != 200 || !reflect.DeepEqual(outcomeOf(t, want), outcomeOf(t, got)) {
			t.Fatalf("%s:\nwhole:   %s\nsharded: %s", batch, want.Body, got.Body)
		}
	}
}

// The ids of ids_elsewhere are written as encoding/json writes them, escapes included.
func TestAppendJSONStringIsJSONs(t *testing.T) {
	for _, s := range []string{"", "pg-alb-org", "a\"b", `back\slash`, "<tag>&", "tab\there", "é-ünï", "\u2028", "\x7f", "ctl\x01"} {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("%q: %s, want %s", s, got[1:], want)
		}
	}
}
