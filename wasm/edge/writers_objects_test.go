package edge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
)

// objects is the writers as Durable Objects run them, in one process: an object per shard,
// made when first named (as idFromName makes it), each over journals of its own, and a
// Transport between them that carries only bytes.
type objects struct {
	mu       sync.Mutex
	journals map[string]*flaky
	live     map[string]*objectEntry
	sent     atomic.Int64
	states   atomic.Int64 // "state" steps: an agency's object asked for its state
	checks   atomic.Int64 // "check" steps: a cut of a seed in parts loaded by an agency's object
	shards   atomic.Int64 // "shard" steps: an agency's object writing its readers' shard
	// parts counts the bodies sent in parts (SendParts); with joined set, the directory's
	// object is given a transport without SendParts, and joins them itself
	parts  atomic.Int64
	joined bool
}

// SendParts sends a body of parts, the staged ones read from the directory's storage, where
// a seed in parts staged them (as the worker's transport reads them from the object's own).
func (o *objects) SendParts(ctx context.Context, object, step string, parts []Part) ([]byte, error) {
	o.parts.Add(1)
	var body []byte
	for _, p := range parts {
		if p.Staged == "" {
			body = append(body, p.Bytes...)
			continue
		}
		state, _, err := o.storage(Directory.String()).Journal(p.StagedShard()).(stateJournal).State()
		if err != nil || state == nil {
			return nil, fmt.Errorf("agency %s is not staged (%v)", p.Staged, err)
		}
		body = append(body, state...)
	}
	return o.Send(ctx, object, step, body)
}

// sendOnly is the objects' Transport without SendParts.
type sendOnly struct{ o *objects }

func (s sendOnly) Send(ctx context.Context, object, step string, body []byte) ([]byte, error) {
	return s.o.Send(ctx, object, step, body)
}

type objectEntry struct {
	once sync.Once
	w    *Writers
	err  error
}

func newObjects() *objects {
	return &objects{journals: map[string]*flaky{}, live: map[string]*objectEntry{}}
}

// storage is the object's journals (kept across restarts).
func (o *objects) storage(name string) *flaky {
	o.mu.Lock()
	defer o.mu.Unlock()
	j := o.journals[name]
	if j == nil {
		j = &flaky{Journals: NewMemoryJournals(), after: map[Shard]int{}}
		o.journals[name] = j
	}
	return j
}

func (o *objects) object(name string) (*Writers, error) {
	o.mu.Lock()
	e := o.live[name]
	if e == nil {
		e = &objectEntry{}
		o.live[name] = e
	}
	o.mu.Unlock()
	e.once.Do(func() {
		j := o.storage(name)
		if name == Directory.String() {
			var t Transport = o
			if o.joined {
				t = sendOnly{o}
			}
			e.w, e.err = RestoreDirectoryObject(j, writersClock, t)
			return
		}
		s, ok := ParseShard(name)
		if !ok || s.Agency == "" {
			e.err = errors.New("no such object: " + name)
			return
		}
		e.w, e.err = RestoreAgencyObject(s.Agency, j, writersClock, o)
	})
	return e.w, e.err
}

// restart drops the object's instance: the next request starts it again from its journals.
func (o *objects) restart(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.live, name)
	if j := o.journals[name]; j != nil {
		j.after = map[Shard]int{}
	}
}

func (o *objects) Send(_ context.Context, object, step string, body []byte) ([]byte, error) {
	o.sent.Add(1)
	switch step {
	case "state":
		o.states.Add(1)
	case "check":
		o.checks.Add(1)
	case "shard":
		o.shards.Add(1)
	}
	w, err := o.object(object)
	if err != nil {
		return nil, errors.New(err.Error())
	}
	out, err := w.Step(object, step, slices.Clone(body))
	if err != nil {
		return nil, errors.New(err.Error())
	}
	return slices.Clone(out), nil
}

// front is the isolates' Store over the objects; its reads come from the directory's object.
func (o *objects) front(t *testing.T) *Front {
	t.Helper()
	d, err := o.object(Directory.String())
	if err != nil {
		t.Fatal(err)
	}
	return &Front{Reader: &Reader{Source: d, Now: time.Now}, Source: d, Transport: o}
}

func seededObjects(t *testing.T, snapshot []byte) (*objects, *Front) {
	t.Helper()
	o := newObjects()
	f := o.front(t)
	if a, err := f.Seed(context.Background(), snapshot); err != nil || a.Status != 200 {
		t.Fatalf("seed: %v %s", err, a.Body)
	}
	return o, f
}

// seededBeside is seededObjects with the directory's object, and the whole model of the same
// snapshot (a Ledger) to compare its reads with.
func seededBeside(t *testing.T, snapshot []byte) (*objects, *Front, *Writers, *Ledger) {
	t.Helper()
	o, f := seededObjects(t, snapshot)
	d, err := o.object(Directory.String())
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewMemoryStore(snapshot, writersClock)
	if err != nil {
		t.Fatal(err)
	}
	return o, f, d, l
}

func (o *objects) whole(t *testing.T) ([]byte, Versions) {
	t.Helper()
	d, err := o.object(Directory.String())
	if err != nil {
		t.Fatal(err)
	}
	doc, v, err := d.Whole()
	if err != nil {
		t.Fatal(err)
	}
	return doc, v
}

// The objects answer as the whole model: the differential of TestWritersAnswerAsTheWholeModel,
// each batch sent by the front to its shard's object. An agency's object names in its token
// the versions of what it read (its own and the directory's), so the tokens are compared on
// the shard acted on; the state and every shard's version at the end are the same.
func TestObjectsAnswerAsTheWholeModel(t *testing.T) {
	snapshot := exampleSnapshot(t)
	ctx := context.Background()
	accepted, refused := 0, map[string]int{}
	for seed := range uint64(2) {
		o, f := seededObjects(t, snapshot)
		sendAlike(t, seed, snapshot, func(raw []byte, key string) (Answer, error) { return f.Submit(ctx, raw, key) },
			func() ([]byte, Versions, error) { doc, v := o.whole(t); return doc, v, nil }, onShard, &accepted, refused)
		log, err := f.Log(ctx, Versions{})
		if err != nil || len(log) == 0 {
			t.Fatalf("seed %d: the log: %v %d", seed, err, len(log))
		}
		for i, e := range log {
			if e.Version != int64(i+1) {
				t.Fatalf("seed %d: entry %d of the log has the place %d", seed, i, e.Version)
			}
		}
	}
	if accepted < 30 || refused["active_elsewhere"] == 0 {
		t.Errorf("only %d accepted; refused: %v", accepted, refused)
	}
}

// onShard compares the tokens of two accepted answers on the shard acted on and the directory,
// which is what an agency's object can name of all the shards' versions (what it read).
func onShard(want, got *outcome) {
	if want.Status == 200 {
		s, _ := ParseShard(want.Shard)
		wv, _ := ParseVersions(want.Version)
		if gv, err := ParseVersions(got.Version); err == nil && gv.Of(s) == wv.Of(s) && gv.Of(Directory) == wv.Of(Directory) {
			want.Version, got.Version = "", ""
		}
	}
}

// An agency a directory batch creates is an object of its own from then on: it records its
// first state before the directory records the batch, takes its batches, and both objects
// start again from their journals holding what the whole model holds.
func TestObjectsCreateAnAgency(t *testing.T) {
	ctx := context.Background()
	l, err := NewMemoryStore(exampleSnapshot(t), writersClock)
	if err != nil {
		t.Fatal(err)
	}
	o, f := seededObjects(t, exampleSnapshot(t))
	accepted := 0
	for _, batch := range []string{
		`{"actor": "p-admin", "edits": [{"op": "create_agency", "agency": {"id": "ag-sar", "name": "Saratoga County DSS"}, "org_page": {"id": "pg-sar-org", "title": "Saratoga County DSS"}}]}`,
		`{"actor": "p-admin", "edits": [{"op": "create_unit", "agency": "ag-sar", "unit": {"id": "u-sar-conv", "name": "Conversion", "temporary": true}}]}`,
		`{"actor": "p-admin", "edits": [{"op": "add_staff", "agency": "ag-sar", "person": "p-sar-1", "name": "Ada Sar", "nt_account": "asar"}]}`,
		`{"actor": "p-admin", "edits": [{"op": "add_staff", "agency": "ag-sar", "person": "p-1012"}]}`,
	} {
		want, _ := l.Submit(ctx, []byte(batch), "")
		got, err := f.Submit(ctx, []byte(batch), "")
		wo, go_ := outcomeOf(t, want), outcomeOf(t, got)
		onShard(&wo, &go_)
		if err != nil || !reflect.DeepEqual(wo, go_) {
			t.Fatalf("%s:\nwhole:   %s\nobjects: %v %s", batch, want.Body, err, got.Body)
		}
		accepted += map[bool]int{true: 1}[want.Status == 200]
	}
	if accepted != 3 { // the agency, its unit and the new person; p-1012 is active at Albany
		t.Fatalf("%d batches were accepted", accepted)
	}
	if st, _, _ := o.storage("agency:ag-sar").Journal(Shard{Agency: "ag-sar"}).(stateJournal).State(); gjson.GetBytes(st, "staff.#").Int() != 1 {
		t.Fatalf("the new agency's object holds %.200s", st)
	}
	o.restart(Directory.String())
	o.restart("agency:ag-sar")
	doc, v := o.whole(t)
	sameState(t, l.Snapshot(), doc)
	if lv, _ := l.Versions(); lv.String() != v.String() {
		t.Fatalf("the versions are %s, the whole model's %s", v, lv)
	}
}

// activeInObjects lists the agencies where person has a record active on the example's day.
func activeInObjects(t *testing.T, o *objects, person string) []string {
	t.Helper()
	d, err := o.object(Directory.String())
	if err != nil {
		t.Fatal(err)
	}
	return activeIn(t, d, person)
}

// Two coordinators of two agencies take on the same person at the same moment through their
// agencies' objects: exactly one wins, the other is refused active_elsewhere.
func TestObjectsTwoAgenciesHireOnePerson(t *testing.T) {
	snapshot := exampleSnapshot(t)
	for i := range 30 {
		o, f := seededObjects(t, snapshot)
		person, batches := "p-race", [2]string{newAtAlbany, newAtStAnnes}
		if i%2 == 1 {
			if a, _ := f.Submit(context.Background(), []byte(endAtAlbany), ""); a.Status != 200 {
				t.Fatalf("end-dating at Albany: %s", a.Body)
			}
			person, batches = "p-1012", [2]string{reinstateAlbany, hireAtStAnnes}
		}
		var answers [2]Answer
		var wg sync.WaitGroup
		for k := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := f.Submit(context.Background(), []byte(batches[k]), "")
				if err != nil {
					t.Error(err)
				}
				answers[k] = a
			}()
		}
		wg.Wait()
		won := 0
		for k, a := range answers {
			switch o := outcomeOf(t, a); {
			case o.Status == 200:
				won++
			case o.Status != 422 || o.Code != "active_elsewhere":
				t.Fatalf("round %d: %s answered %d %s", i, batches[k], a.Status, a.Body)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d won: %s / %s", i, won, answers[0].Body, answers[1].Body)
		}
		if got := activeInObjects(t, o, person); len(got) != 1 {
			t.Fatalf("round %d: %s is active in %v", i, person, got)
		}
	}
}

// The stops of the claim protocol between objects: St. Anne's object stops after the
// directory's object reserved its claim and before it recorded the batch (then both objects
// start again), or after it recorded and before the confirmation. Either way the person is
// active in one agency at most, the claim is settled by whoever meets it, and the retry under
// the same key is answered once.
func TestObjectsStopBetweenTheSteps(t *testing.T) {
	ctx := context.Background()
	for _, recorded := range []bool{false, true} {
		o, f := seededObjects(t, exampleSnapshot(t))
		if a, _ := f.Submit(ctx, []byte(endAtAlbany), ""); a.Status != 200 {
			t.Fatalf("end-dating at Albany: %s", a.Body)
		}
		sta, dir := o.storage(stAnnes.String()), o.storage(Directory.String())
		dir.after[Directory] = 1 // the reserve is stored, the confirmation or release is not
		if !recorded {
			sta.after[stAnnes] = 0
		}
		first, err := f.Submit(ctx, []byte(hireAtStAnnes), "hire-1")
		if recorded != (err == nil && first.Status == 200) {
			t.Fatalf("recorded %v: the hire answered %v %s", recorded, err, first.Body)
		}
		o.restart(stAnnes.String())
		o.restart(Directory.String())
		f = o.front(t)
		if got := activeInObjects(t, o, "p-1012"); len(got) > 1 || recorded != slices.Equal(got, []string{"ag-sta"}) {
			t.Fatalf("recorded %v: after the stop p-1012 is active in %v", recorded, got)
		}
		d, _ := o.object(Directory.String())
		if len(d.dir.pending) != 1 {
			t.Fatalf("recorded %v: the claim is not pending after the restart: %v", recorded, d.dir.pending)
		}
		// Albany meets the claim and has St. Anne's object settle it
		reinstated, _ := f.Submit(ctx, []byte(reinstateAlbany), "")
		if recorded != (outcomeOf(t, reinstated).Code == "active_elsewhere") || (!recorded && reinstated.Status != 200) {
			t.Fatalf("recorded %v: Albany's reinstatement: %s", recorded, reinstated.Body)
		}
		if len(d.dir.pending) != 0 {
			t.Fatalf("recorded %v: a claim is still pending: %v", recorded, d.dir.pending)
		}
		again, err := f.Submit(ctx, []byte(hireAtStAnnes), "hire-1")
		if err != nil {
			t.Fatal(err)
		}
		if recorded && string(again.Body) != string(first.Body) {
			t.Fatalf("the retry: %s, first %s", again.Body, first.Body)
		}
		if !recorded && outcomeOf(t, again).Code != "active_elsewhere" {
			t.Fatalf("the retry once Albany reinstated the worker: %s", again.Body)
		}
		if got := activeInObjects(t, o, "p-1012"); len(got) != 1 {
			t.Fatalf("recorded %v: p-1012 is active in %v", recorded, got)
		}
		doc, v := o.whole(t)
		if n := gjson.GetBytes(doc, "agencies.#").Int(); n != 2 || v.Of(stAnnes) != map[bool]int64{true: 1, false: 0}[recorded] {
			t.Fatalf("recorded %v: the state is %s with %d agencies", recorded, v, n)
		}
	}
}

// An agency's object that did not record its first state at the seed (it stopped) asks the
// directory's object for it at its first batch; a batch sent to an agency's object that acts
// on another agency too goes on to the directory's object, which refuses it as the whole does.
func TestObjectsStartFromTheSeedAndRouteExactly(t *testing.T) {
	ctx := context.Background()
	o := newObjects()
	o.storage(stAnnes.String()).after[stAnnes] = 0
	f := o.front(t)
	if a, err := f.Seed(ctx, exampleSnapshot(t)); err != nil || a.Status != 200 {
		t.Fatalf("seed: %v %s", err, a.Body)
	}
	if st, _, _ := o.storage(stAnnes.String()).Journal(stAnnes).(stateJournal).State(); st != nil {
		t.Fatal("St. Anne's recorded its first state though its journal failed")
	}
	o.restart(stAnnes.String())
	if a, _ := f.Submit(ctx, []byte(hireAtStAnnes), ""); a.Status != 422 || outcomeOf(t, a).Code != "active_elsewhere" {
		t.Fatalf("St. Anne's first batch: %s", a.Body)
	}
	if st, _, _ := o.storage(stAnnes.String()).Journal(stAnnes).(stateJournal).State(); gjson.GetBytes(st, "id").String() != "ag-sta" {
		t.Fatalf("St. Anne's did not record the state it started from: %.80s", st)
	}
	both := []byte(`{"actor": "p-1003", "edits": [{"op": "set_reports_to", "agency": "ag-alb", "person": "p-1012", "managers": []}, {"op": "set_reports_to", "agency": "ag-sta", "person": "p-2003", "managers": []}]}`)
	ask, _ := json.Marshal(submitAsk{Batch: both})
	raw, err := o.Send(ctx, Shard{Agency: "ag-alb"}.String(), "submit", ask)
	var a Answer
	if err == nil {
		err = json.Unmarshal(raw, &a)
	}
	if err != nil || outcomeOf(t, a).Code != "cross_agency" {
		t.Fatalf("a batch of two agencies sent to Albany's object: %v %s", err, raw)
	}
}

// The directory's object composes the whole state of the very bytes each agency's writer
// holds, as the in-process writers do: a state sent between objects is not re-encoded (the
// export is that document, byte for byte).
func TestObjectsWholeIsTheWritersBytes(t *testing.T) {
	ctx := context.Background()
	w, err := NewMemoryWriters(exampleSnapshot(t), writersClock)
	if err != nil {
		t.Fatal(err)
	}
	o, f := seededObjects(t, exampleSnapshot(t))
	batch := []byte(`{"actor": "p-admin", "edits": [{"op": "add_staff", "agency": "ag-sta", "person": "p-bytes-1", "name": "Bea Bytes", "nt_account": "bbytes"}]}`)
	for _, s := range []Store{w, f} {
		if a, err := s.Submit(ctx, batch, "bytes-1"); err != nil || a.Status != 200 {
			t.Fatalf("add_staff: %v %s", err, a.Body)
		}
	}
	want, _, err := w.Whole()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := o.whole(t)
	if string(got) != string(want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("the objects' whole state (%d bytes) is not the writers' (%d bytes); from byte %d:\nobjects: %.120s\nwriters: %.120s", len(got), len(want), i, got[i:], want[i:])
	}
}

// Each object answers its "memory" step with its instance's memory (GET /v1/writers).
func TestObjectsReportTheirMemory(t *testing.T) {
	_, f := seededObjects(t, exampleSnapshot(t))
	for _, s := range []Shard{Directory, {Agency: "ag-sta"}} {
		mem, err := f.WriterMemory(context.Background(), s)
		if err != nil || mem.HeapAlloc == 0 || mem.Sys < mem.HeapAlloc {
			t.Fatalf("%s: %+v %v", s, mem, err)
		}
	}
}

// gatedSource is a ShardSource whose Directory (or, with newest, Newest) waits for a token
// and counts its calls.
type gatedSource struct {
	ShardSource
	newest bool
	calls  atomic.Int64
	gate   chan struct{}
}

func (g *gatedSource) wait(gated bool) {
	if gated {
		g.calls.Add(1)
		<-g.gate
	}
}

func (g *gatedSource) Directory(ctx context.Context) (*DirectoryIndex, Versions, error) {
	g.wait(!g.newest)
	return g.ShardSource.Directory(ctx)
}

func (g *gatedSource) Newest(ctx context.Context) (Versions, bool, error) {
	g.wait(g.newest)
	return g.ShardSource.Newest(ctx)
}

// While one request asks for a newer directory index, the others route on the one kept: an
// isolate never holds a copy of the index per request in flight.
func TestFrontAsksForOneIndexAtATime(t *testing.T) {
	o, f := seededObjects(t, exampleSnapshot(t))
	d, err := o.object(Directory.String())
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedSource{ShardSource: d, gate: make(chan struct{}, 1)}
	f.Source = g
	g.gate <- struct{}{}
	first, err := f.index(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.Fresh = time.Nanosecond // stale at once
	done := make(chan error)
	go func() { _, err := f.index(context.Background()); done <- err }()
	for g.calls.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	defer close(g.gate) // lets any request still waiting go
	for range 20 {
		got := make(chan *DirectoryIndex, 1)
		go func() { idx, _ := f.index(context.Background()); got <- idx }()
		select {
		case idx := <-got:
			if idx != first {
				t.Fatal("while a newer index was asked for, a request did not route on the one kept")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("while a newer index was asked for, a request asked for one too and waited for it")
		}
	}
	g.gate <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := g.calls.Load(); n != 2 {
		t.Fatalf("the directory was asked for its index %d times, want 2", n)
	}
}

// While one request asks the writers for a newer state, the reader's other requests whose
// directory is only older than Fresh answer from the one kept; one whose token the kept state
// does not cover still asks.
func TestShardsAskForOneStateAtATime(t *testing.T) {
	o, _ := seededObjects(t, exampleSnapshot(t))
	d, err := o.object(Directory.String())
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedSource{ShardSource: d, newest: true, gate: make(chan struct{}, 1)}
	s := &Shards{Source: g, Fresh: time.Hour}
	r := evaluator.Request{Subject: "p-1003", Action: "read", Resource: "page:pg-alb-org"}
	ctx := context.Background()
	g.gate <- struct{}{}
	want, _, err := s.Check(ctx, Versions{}, r)
	if err != nil {
		t.Fatal(err)
	}
	s.Fresh = time.Nanosecond // stale at once
	done := make(chan error)
	go func() { _, _, err := s.Check(ctx, Versions{}, r); done <- err }()
	for g.calls.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	defer close(g.gate)
	for range 20 {
		got := make(chan evaluator.Decision, 1)
		go func() { d, _, _ := s.Check(ctx, Versions{}, r); got <- d }()
		select {
		case d := <-got:
			if d.Allowed != want.Allowed {
				t.Fatalf("from the state kept: %v, want %v", d.Allowed, want.Allowed)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("while a newer state was asked for, a request asked too and waited for it")
		}
	}
	if n := g.calls.Load(); n != 2 {
		t.Fatalf("the writers were asked for their newest state %d times, want 2", n)
	}
	// a token ahead of the state kept is never answered from it
	ahead := Versions{Directory: 99}
	go func() { _, _, err := s.Check(ctx, ahead, r); done <- err }()
	for g.calls.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	g.gate <- struct{}{}
	g.gate <- struct{}{}
	for range 2 {
		<-done
	}
}

// TestAgencyStateAnswerReadsAsWired: an agency's object's answer to "state" reads back as it
// was written, its state byte for byte and in place in the bytes sent (no copy of NYC's 27 MB);
// an answer without a state has none, and one that is not JSON is refused.
func TestAgencyStateAnswerReadsAsWired(t *testing.T) {
	state := json.RawMessage("{\"id\": \"ag-x\",\n  \"pages\": [ {\"id\":\"pg\\\"1\"} ] }")
	for _, want := range []agencyStateAnswer{
		{Born: true, Version: 7, Last: 3, State: state},
		{Born: true, Version: 2},
		{},
	} {
		raw, err := want.wire()
		if err != nil {
			t.Fatal(err)
		}
		var got agencyStateAnswer
		if err := got.read(raw); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s read as %+v, want %+v", raw, got, want)
		}
		if got.State != nil && &got.State[0] != &raw[len(raw)-1-len(state)] {
			t.Errorf("the state was copied out of the answer")
		}
	}
	var got agencyStateAnswer
	if err := got.read([]byte(`{"born":true,"state":`)); err == nil {
		t.Errorf("a cut-off answer read as %+v", got)
	}
}
