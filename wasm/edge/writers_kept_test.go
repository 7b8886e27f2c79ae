package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// The directory's object starts again from what it kept (writers_kept.go): it asks for their
// state only the agencies whose objects moved since it last read them, answers the readers as
// the whole model does, and goes on giving batches their places in the order of the state
// without giving one twice.
func TestDirectoryObjectStartsFromWhatItKept(t *testing.T) {
	snapshot := exampleSnapshot(t)
	ctx := context.Background()
	o, f := seededObjects(t, snapshot)
	f.Fresh = time.Hour // batches are routed by the index read after the seed: they read nothing
	l, err := NewMemoryStore(snapshot, writersClock)
	if err != nil {
		t.Fatal(err)
	}
	b := newBatchMaker(5, snapshot)
	submit := func(n int) {
		for range n {
			batch, key := b.batch()
			raw, _ := json.Marshal(batch)
			want, err := l.Submit(ctx, raw, key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Submit(ctx, raw, key)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != want.Status {
				t.Fatalf("%s: the objects answered %d, the whole model %d: %s", raw, got.Status, want.Status, got.Body)
			}
			if want.Status == 200 {
				b.learn(batch)
			}
		}
	}
	directory := func() *Writers {
		d, err := o.object(Directory.String())
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	versions := func() map[string]int64 {
		_, v, err := l.Directory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v.Agencies
	}
	restart := func(wantAsked int, after string) *Writers {
		o.restart(Directory.String())
		before := o.states.Load()
		d := directory()
		if asked := int(o.states.Load() - before); asked != wantAsked {
			t.Fatalf("%s: the directory's object asked %d agencies' objects for their state as it started, want %d", after, asked, wantAsked)
		}
		f = o.front(t)
		f.Fresh = time.Hour
		// the whole state's document too, and the batches it counts
		want, _, err := l.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := o.whole(t)
		sameState(t, want, got)
		if w, g := gjson.GetBytes(want, "version").Int(), gjson.GetBytes(got, "version").Int(); w != g {
			t.Fatalf("%s: the whole state's document counts %d batches, the whole model's %d", after, g, w)
		}
		if bytes.HasSuffix(want, []byte("\n")) != bytes.HasSuffix(got, []byte("\n")) {
			t.Fatalf("%s: the whole state's document ends otherwise than the whole model's (%q and %q)", after, got[len(got)-2:], want[len(want)-2:])
		}
		return d
	}
	moved := func(from, to map[string]int64) int {
		n := 0
		for a, v := range to {
			if from[a] != v {
				n++
			}
		}
		return n
	}

	sameShardReads(t, l, directory(), "after the seed")
	d := restart(0, "a restart after the seed was read")
	sameShardReads(t, l, d, "after a restart")
	asked := 0
	for range 3 {
		read := versions()
		submit(20)
		n := moved(read, versions())
		asked += n
		d = restart(n, "a restart after batches not read yet")
		sameShardReads(t, l, d, "after batches and a restart")
	}
	if asked == 0 {
		t.Fatal("no agency moved: the test checks nothing of an agency read anew")
	}
	// every agency read at its newest: none is asked, and the places given before are not
	// given again
	d = restart(0, "a restart after every agency was read")
	submit(20)
	sameShardReads(t, l, d, "batches after a restart that asked no agency")
	entries, err := d.After(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := l.After(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, e := range entries {
		if seen[e.Version] {
			t.Fatalf("two batches were given place %d in the order of the state", e.Version)
		}
		seen[e.Version] = true
	}
	if len(entries) != len(want) || len(want) == 0 {
		t.Fatalf("the objects logged %d batches, the whole model %d", len(entries), len(want))
	}
}
