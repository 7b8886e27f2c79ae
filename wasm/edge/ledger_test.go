package edge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// breakable is memory journals whose shards can be made to fail.
type breakable struct {
	Journals
	broken map[Shard]bool
}

func (b *breakable) Journal(s Shard) Journal {
	return brokenJournal{Journal: b.Journals.Journal(s), shard: s, of: b}
}

type brokenJournal struct {
	Journal
	shard Shard
	of    *breakable
}

func (j brokenJournal) Record(r Record) error {
	if j.of.broken[j.shard] {
		return errors.New("the disk is full")
	}
	return j.Journal.Record(r)
}

func exampleLedger(t *testing.T) (*Ledger, *breakable) {
	t.Helper()
	data, err := os.ReadFile("../../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	j := &breakable{Journals: NewMemoryJournals(), broken: map[Shard]bool{}}
	clock := func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) }
	l := NewLedger(j, clock)
	if a, err := l.Seed(context.Background(), data); err != nil || a.Status != 200 {
		t.Fatalf("seed: %v %s", err, a.Body)
	}
	return l, j
}

func move(version int64, unit string) []byte {
	return []byte(fmt.Sprintf(`{"actor": "p-1003", "base_version": %d, "edits": [{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": %q}]}`, version, unit))
}

func staReportsTo(version int64) []byte {
	return []byte(fmt.Sprintf(`{"actor": "p-2003", "base_version": %d, "edits": [{"op": "set_reports_to", "agency": "ag-sta", "person": "p-2003", "managers": []}]}`, version))
}

var alb, sta = Shard{Agency: "ag-alb"}, Shard{Agency: "ag-sta"}

// A restart restores the checkpoint and every shard's log after it, merged in the order the
// batches were judged: every shard's version, the same document, the keys of every shard.
func TestRestoreLedgerReplaysEveryShardAfterTheCheckpoint(t *testing.T) {
	l, j := exampleLedger(t)
	ctx := context.Background()
	for v := int64(0); v < 90; v++ {
		unit := []string{"u-alb-fc1", "u-alb-fc2"}[v%2]
		if a, err := l.Submit(ctx, move(v, unit), fmt.Sprint("k", v)); err != nil || a.Status != 200 {
			t.Fatalf("edit %d: %v %s", v, err, a.Body)
		}
		if v < 40 {
			if a, err := l.Submit(ctx, staReportsTo(v), fmt.Sprint("k", v)); err != nil || a.Status != 200 {
				t.Fatalf("St. Anne's edit %d: %v %s", v, err, a.Body)
			}
		}
	}
	if cp, _ := j.Checkpoint(); cp == nil || cp.Versions != "d0~ag-alb.60~ag-sta.40" {
		t.Fatalf("the checkpoint after 100 batches: %+v", cp)
	}
	restored, err := RestoreLedger(j, l.now)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := restored.Versions()
	want, _ := l.Versions()
	if got.String() != "d0~ag-alb.90~ag-sta.40" || got.String() != want.String() || !bytes.Equal(restored.Snapshot(), l.Snapshot()) {
		t.Fatalf("restored %s (want %s), document equal: %v", got, want, bytes.Equal(restored.Snapshot(), l.Snapshot()))
	}
	for _, batch := range [][]byte{move(0, "u-alb-fc1"), staReportsTo(0)} {
		if a, _ := restored.Submit(ctx, batch, "k0"); a.Status != 200 || !bytes.Contains(a.Body, []byte(`"shard_version":1,`)) {
			t.Fatalf("a key from before the restart: %d %s", a.Status, a.Body)
		}
	}
	if a, _ := restored.Submit(ctx, staReportsTo(40), "k-new"); a.Status != 200 || !bytes.Contains(a.Body, []byte(`"version":"d0~ag-alb.90~ag-sta.41"`)) {
		t.Fatalf("the next batch after the restart: %d %s", a.Status, a.Body)
	}
}

// When a shard's journal cannot record, nothing is answered as made and no version moves;
// the other shards go on.
func TestLedgerDoesNotMoveWithoutTheJournal(t *testing.T) {
	l, j := exampleLedger(t)
	j.broken[alb] = true
	if _, err := l.Submit(context.Background(), move(0, "u-alb-fc1"), "k"); err == nil {
		t.Fatal("an edit the journal refused was answered")
	}
	if v, _ := l.Versions(); v.String() != "d0" {
		t.Fatalf("the versions moved to %s without the record", v)
	}
	if a, _ := l.Submit(context.Background(), staReportsTo(0), "k"); a.Status != 200 {
		t.Fatalf("another agency's edit while ag-alb's journal fails: %d %s", a.Status, a.Body)
	}
	j.broken[alb] = false
	if a, _ := l.Submit(context.Background(), move(0, "u-alb-fc1"), "k"); a.Status != 200 {
		t.Fatalf("the same edit once the journal works: %d %s", a.Status, a.Body)
	}
	if v, _ := l.Versions(); v.String() != "d0~ag-alb.1~ag-sta.1" {
		t.Fatalf("versions %s", v)
	}
}

// Idempotency is per shard: a key is looked up in the journal of the shard the batch acts on.
func TestKeysArePerShard(t *testing.T) {
	l, j := exampleLedger(t)
	ctx := context.Background()
	if a, _ := l.Submit(ctx, move(0, "u-alb-fc1"), "p/k"); a.Status != 200 {
		t.Fatalf("%d %s", a.Status, a.Body)
	}
	if _, _, found, _ := j.Journal(alb).Kept("p/k"); !found {
		t.Fatal("the answer is not kept in ag-alb's journal")
	}
	if _, _, found, _ := j.Journal(sta).Kept("p/k"); found {
		t.Fatal("ag-alb's answer is kept in ag-sta's journal")
	}
	if _, _, found, _ := j.Journal(Directory).Kept("p/k"); found {
		t.Fatal("ag-alb's answer is kept in the directory's journal")
	}
}
