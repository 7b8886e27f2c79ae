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

// keeping is a memory journal that remembers its last checkpoint and can be made to fail.
type keeping struct {
	memoryJournal
	checkpoint []byte
	broken     bool
}

func (k *keeping) Record(r Record) error {
	if k.broken {
		return errors.New("the disk is full")
	}
	if r.Checkpoint != nil {
		k.checkpoint = []byte(*r.Checkpoint)
	}
	return k.memoryJournal.Record(r)
}

func exampleLedger(t *testing.T) (*Ledger, *keeping) {
	t.Helper()
	data, err := os.ReadFile("../../fixtures/example/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	j := &keeping{memoryJournal: memoryJournal{answers: map[string]keptAnswer{}}}
	clock := func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) }
	l := NewLedger(nil, j, clock)
	if a, err := l.Seed(context.Background(), data); err != nil || a.Status != 200 {
		t.Fatalf("seed: %v %s", err, a.Body)
	}
	return l, j
}

func move(version int64, unit string) []byte {
	return []byte(fmt.Sprintf(`{"actor": "p-1003", "base_version": %d, "edits": [{"op": "move_staff", "agency": "ag-alb", "person": "p-1012", "unit": %q}]}`, version, unit))
}

// A restart restores the checkpoint and the log after it: the same version, the same document.
func TestRestoreLedgerReplaysAfterTheCheckpoint(t *testing.T) {
	l, j := exampleLedger(t)
	ctx := context.Background()
	for v := int64(0); v < 130; v++ {
		unit := []string{"u-alb-fc1", "u-alb-fc2"}[v%2]
		if a, err := l.Submit(ctx, move(v, unit), fmt.Sprint("k", v)); err != nil || a.Status != 200 {
			t.Fatalf("edit %d: %v %s", v, err, a.Body)
		}
	}
	restored, err := RestoreLedger(j.checkpoint, j, l.now)
	if err != nil {
		t.Fatal(err)
	}
	if restored.Version() != 130 || !bytes.Equal(restored.Snapshot(), l.Snapshot()) {
		t.Fatalf("restored version %d, document equal: %v", restored.Version(), bytes.Equal(restored.Snapshot(), l.Snapshot()))
	}
	if a, _ := restored.Submit(ctx, move(0, "u-alb-fc1"), "k0"); a.Status != 200 || !bytes.Contains(a.Body, []byte(`"version":1`)) {
		t.Fatalf("a key from before the restart: %d %s", a.Status, a.Body)
	}
}

// When the journal cannot record, nothing is answered as made and the model stays.
func TestLedgerDoesNotMoveWithoutTheJournal(t *testing.T) {
	l, j := exampleLedger(t)
	j.broken = true
	if _, err := l.Submit(context.Background(), move(0, "u-alb-fc1"), "k"); err == nil {
		t.Fatal("an edit the journal refused was answered")
	}
	if l.Version() != 0 {
		t.Fatalf("the model moved to version %d without its record", l.Version())
	}
	j.broken = false
	if a, _ := l.Submit(context.Background(), move(0, "u-alb-fc1"), "k"); a.Status != 200 {
		t.Fatalf("the same edit once the journal works: %d %s", a.Status, a.Body)
	}
}
