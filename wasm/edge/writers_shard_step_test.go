package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/tidwall/gjson"
)

// An agency's object writes its shard only at the version the directory read the parts at:
// at another it answers its own version and no shard (the directory reads again); before it
// holds a state it says so; an ask that does not read is refused.
func TestShardStepAnswersAtTheVersionAsked(t *testing.T) {
	aw := &agencyWriter{id: "ag-x"}
	head := func(out []byte) shardHead {
		t.Helper()
		line, _, _ := bytes.Cut(out, []byte("\n"))
		var h shardHead
		if err := json.Unmarshal(line, &h); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		return h
	}
	top := []byte(`{"people":[],"agencies":[]}` + "\n")
	ask := func(version int) []byte {
		b, _ := json.Marshal(map[string]int{"version": version, "top": len(top)})
		return append(append(append(b, '\n'), top...), "[]"...)
	}
	aw.pub.Store(&published{version: 0})
	if out, err := shardStep(aw, ask(0)); err != nil || head(out).Held {
		t.Fatalf("an object holding no state: %s %v", out, err)
	}
	aw.pub.Store(&published{state: []byte(`{"id":"ag-x","name":"X","pages":[]}`), version: 3})
	out, err := shardStep(aw, ask(2))
	if h := head(out); err != nil || !h.Held || h.Written || h.Version != 3 {
		t.Fatalf("asked at version 2 of an object at 3: %s %v", out, err)
	}
	out, err = shardStep(aw, ask(3))
	h := head(out)
	_, shard, _ := bytes.Cut(out, []byte("\n"))
	if err != nil || !h.Written || !bytes.Contains(shard, []byte(`"agencies":[{"id":"ag-x"`)) || !bytes.HasSuffix(shard, []byte("\n")) {
		t.Fatalf("asked at its version: %s %v", out, err)
	}
	if _, err := shardStep(aw, []byte("{\"top\":9999}\n{}")); err == nil {
		t.Fatal("an ask without its version and size was taken")
	}
}

// A shard longer than the directory's object carries is kept in its agency's object for the
// reader, which takes it there with the ticket the directory answers (writers_shard_step.go):
// the shard taken is the whole model's, it is taken once, a batch of the agency lets it go,
// and a reader that finds it gone asks again; a short one is carried as before.
func TestLongShardsAreTakenFromTheirAgency(t *testing.T) {
	snapshot := exampleSnapshot(t)
	ctx := context.Background()
	o, f, d, l := seededBeside(t, snapshot)
	index, _, err := l.Directory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range index.Agencies {
		want, wv, err := l.AgencyShard(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		doc, ticket, v, err := d.agencyShardOrTicket(a, 1) // every shard is longer than 1 byte
		if err != nil || doc != nil || ticket == nil || ticket.Object != (Shard{Agency: a}).String() {
			t.Fatalf("the shard of %s with a ticket: %d bytes, %+v, %v", a, len(doc), ticket, err)
		}
		if v.String() != wv.String() {
			t.Fatalf("the ticket of %s is at %s, the state at %s", a, v, wv)
		}
		got, err := o.Send(ctx, ticket.Object, "take", ticket.Take())
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("the shard of %s taken from its object (%v) is not the whole model's: %d and %d bytes", a, err, len(got), len(want))
		}
		if _, err := o.Send(ctx, ticket.Object, "take", ticket.Take()); err == nil {
			t.Fatalf("the shard of %s was taken twice", a)
		}
	}
	// a batch of the agency lets the shard kept go: the reader finds it gone
	a := index.Agencies[0]
	_, ticket, _, err := d.agencyShardOrTicket(a, 1)
	if err != nil || ticket == nil {
		t.Fatalf("a second ticket for %s: %+v %v", a, ticket, err)
	}
	b := newBatchMaker(3, snapshot)
	for tries, accepted := 0, false; !accepted; tries++ {
		if tries == 200 {
			t.Fatalf("no batch of %s was accepted in 200", a)
		}
		batch, key := b.batch()
		raw, _ := json.Marshal(batch)
		ans, err := f.Submit(ctx, raw, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Submit(ctx, raw, key); err != nil { // the whole model follows
			t.Fatal(err)
		}
		accepted = ans.Status == 200 && gjson.GetBytes(ans.Body, "shard").String() == ticket.Object
		if ans.Status == 200 {
			b.learn(batch)
		}
	}
	if _, err := o.Send(ctx, ticket.Object, "take", ticket.Take()); err == nil {
		t.Fatalf("the shard of %s kept before a batch was taken after it", a)
	}
	// the example's shards are short: the directory carries them, as the whole model writes them
	for _, a := range index.Agencies {
		want, _, err := l.AgencyShard(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		doc, ticket, _, err := d.AgencyShardOrTicket(ctx, a, DefaultShardCarryMost)
		if err != nil || ticket != nil || !bytes.Equal(doc, want) {
			t.Fatalf("the short shard of %s: %d bytes (the whole model's %d), a ticket %+v, %v", a, len(doc), len(want), ticket, err)
		}
	}
}
