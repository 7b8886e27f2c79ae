package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// The writers' answers to the sharded readers (writers_reads.go), made without the whole
// state's model, are the whole model's: after every few batches of a random sequence, the
// directory index (byte for byte in its binary form) and every agency's shard document (byte
// for byte) equal what the whole-model Ledger, given the same batches, gives.
func TestShardReadsEqualTheWholeState(t *testing.T) {
	overBothLinks(t, func(t *testing.T, link func(*Writers) *Writers) {
		snapshot := exampleSnapshot(t)
		for seed := range uint64(3) {
			w := link(seededWriters(t, NewMemoryJournals(), snapshot))
			l, err := NewMemoryStore(snapshot, writersClock)
			if err != nil {
				t.Fatal(err)
			}
			sameShardReads(t, l, w, "after the seed")
			b := newBatchMaker(seed, snapshot)
			for i := range 60 {
				batch, key := b.batch()
				raw, _ := json.Marshal(batch)
				want, err := l.Submit(context.Background(), raw, key)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.Submit(context.Background(), raw, key); err != nil {
					t.Fatal(err)
				}
				if want.Status == 200 {
					b.learn(batch)
				}
				if i%6 == 5 {
					sameShardReads(t, l, w, string(raw))
				}
			}
		}
	})
}

// At the state's scale too (the state profile at 0.02: several agencies, people with records
// in two of them, people named where they have no record).
func TestShardReadsEqualTheWholeStateAtScale(t *testing.T) {
	data := stateProfileAt002(t, 21)
	l, err := NewMemoryStore(data, writersClock)
	if err != nil {
		t.Fatal(err)
	}
	sameShardReads(t, l, seededWriters(t, NewMemoryJournals(), data), "the state profile at 0.02")
}

// sameShardReads fails where w's directory index or an agency's shard differs from l's.
func sameShardReads(t *testing.T, l *Ledger, w *Writers, after string) {
	t.Helper()
	ctx := context.Background()
	want, wv, err := l.Directory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, gv, err := w.Directory(ctx)
	if err != nil {
		t.Fatalf("%s: the writers' directory: %v", after, err)
	}
	if wv.String() != gv.String() {
		t.Fatalf("%s: the directory is at %s, the whole model's at %s", after, gv, wv)
	}
	wb, _ := want.MarshalBinary()
	gb, _ := got.MarshalBinary()
	if !bytes.Equal(wb, gb) {
		t.Fatalf("%s: the directory index differs from the whole model's (%d and %d bytes)", after, len(gb), len(wb))
	}
	for _, a := range want.Agencies {
		ws, _, err := l.AgencyShard(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		gs, v, err := w.AgencyShard(ctx, a)
		if err != nil {
			t.Fatalf("%s: the writers' shard of %s: %v", after, a, err)
		}
		if v.String() != wv.String() {
			t.Fatalf("%s: the shard of %s is at %s, the state at %s", after, a, v, wv)
		}
		if !bytes.Equal(ws, gs) {
			sameState(t, ws, gs)
			t.Fatalf("%s: the shard of %s differs from the whole model's in its bytes", after, a)
		}
	}
	if _, _, err := w.AgencyShard(ctx, "ag-none"); !isCode(err, evaluator.CodeUnknownReference) {
		t.Fatalf("the shard of an agency the state does not hold: %v", err)
	}
}

func isCode(err error, code string) bool {
	re, ok := err.(*evaluator.RequestError)
	return ok && re.Code == code
}

// The directory's object answers the readers so too, while it keeps no agency whole: each
// agency's object holds its state, and gives it when a read needs it (writers_reads.go).
func TestObjectShardReadsEqualTheWholeState(t *testing.T) {
	snapshot := exampleSnapshot(t)
	for seed := range uint64(2) {
		o, f, d, l := seededBeside(t, snapshot)
		sameShardReads(t, l, d, "after the seed")
		b := newBatchMaker(seed, snapshot)
		for i := range 48 {
			batch, key := b.batch()
			raw, _ := json.Marshal(batch)
			want, err := l.Submit(context.Background(), raw, key)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Submit(context.Background(), raw, key); err != nil {
				t.Fatal(err)
			}
			if want.Status == 200 {
				b.learn(batch)
			}
			if i%6 == 5 {
				sameShardReads(t, l, d, string(raw))
			}
		}
		d.mu.Lock()
		for a, aw := range d.agencies {
			if aw.pub.Load().state != nil || aw.state != nil {
				t.Errorf("the directory's object keeps agency %s whole", a)
			}
		}
		d.mu.Unlock()
		// each agency's object wrote its shard (writers_shard_step.go), not the directory's
		if o.shards.Load() == 0 {
			t.Errorf("no agency's object wrote its shard")
		}
	}
}

// stateProfileAt002 is the state profile at 0.02 (410 small agencies), generated with seed.
func stateProfileAt002(t *testing.T, seed int64) []byte {
	t.Helper()
	o, err := gen.Profile("state")
	if err != nil {
		t.Fatal(err)
	}
	o = o.Scale(0.02)
	o.Seed = seed
	data, err := gen.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
