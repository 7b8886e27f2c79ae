package edge

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/connsec/connsec/evaluator"
)

// The failure cases of the claim protocol (README "The edge"): a process that stops between
// the directory's step and the agency's, and after the agency's before the confirmation.

// flaky is memory journals whose shards fail on demand: a shard given n fails after n more
// records (0: at once; -1 or unset: never).
type flaky struct {
	Journals
	after map[Shard]int
	// stagedReads counts the reads of the agencies' objects a seed in parts staged
	stagedReads atomic.Int64
}

func (f *flaky) Journal(s Shard) Journal {
	return flakyJournal{stateJournal: f.Journals.Journal(s).(stateJournal), shard: s, of: f}
}

type flakyJournal struct {
	stateJournal
	shard Shard
	of    *flaky
}

func (j flakyJournal) State() (json.RawMessage, int64, error) {
	if strings.HasPrefix(j.shard.Agency, "seed/") {
		j.of.stagedReads.Add(1)
	}
	return j.stateJournal.State()
}

func (j flakyJournal) Record(r Record) error {
	n, set := j.of.after[j.shard]
	if set && n == 0 {
		return fmt.Errorf("the process stopped before %s recorded", j.shard)
	}
	if set && n > 0 {
		j.of.after[j.shard] = n - 1
	}
	return j.stateJournal.Record(r)
}

var stAnnes = Shard{Agency: "ag-sta"}

// restart starts writers again from the journals, as a process that stopped would.
func restart(t *testing.T, j *flaky) *Writers {
	t.Helper()
	j.after = map[Shard]int{}
	w, err := RestoreWriters(j, writersClock)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	if len(w.dir.pending) != 0 || len(w.dir.locks) != 0 {
		t.Fatalf("a restart left claims pending: %v", w.dir.pending)
	}
	// the directory's own document (every agency as it holds them) loads
	doc, err := w.dir.compose("", nil, nil)
	if err == nil {
		_, err = evaluator.Load(doc)
	}
	if err != nil {
		t.Fatalf("after the restart the directory's document: %v", err)
	}
	return w
}

// The process stops between the directory's step and the agency's: the claim was reserved,
// St. Anne's journal did not record the batch, and the release did not reach the directory
// either. After a restart the claim is released (the person is active nowhere, and Albany
// may reinstate them); or, without one, the next batch settles it. The retry under the same
// Idempotency-Key is then applied once.
func TestWritersStopBeforeTheAgencyRecords(t *testing.T) {
	for _, restarts := range []bool{true, false} {
		j := &flaky{Journals: NewMemoryJournals(), after: map[Shard]int{}}
		w := seededWriters(t, j, exampleSnapshot(t))
		submitted(t, w, endAtAlbany, "")
		j.after[Directory], j.after[stAnnes] = 1, 0 // the reserve is stored, nothing after it
		if a, err := w.Submit(context.Background(), []byte(hireAtStAnnes), "hire-1"); err == nil {
			t.Fatalf("the batch was answered though St. Anne's could not record it: %s", a.Body)
		}
		if restarts {
			w = restart(t, j)
		} else {
			j.after = map[Shard]int{}
		}
		if got := activeIn(t, w, "p-1012"); len(got) != 0 {
			t.Fatalf("after the stop, p-1012 is active in %v", got)
		}
		first := submitted(t, w, hireAtStAnnes, "hire-1")
		again := submitted(t, w, hireAtStAnnes, "hire-1")
		if first.Status != 200 || string(again.Body) != string(first.Body) || outcomeOf(t, first).ShardVersion != 1.0 {
			t.Fatalf("the retries: %s / %s", first.Body, again.Body)
		}
		if a := submitted(t, w, reinstateAlbany, ""); outcomeOf(t, a).Code != "active_elsewhere" {
			t.Fatalf("Albany reinstates a worker St. Anne's took on: %s", a.Body)
		}
		if got := activeIn(t, w, "p-1012"); !slices.Equal(got, []string{"ag-sta"}) {
			t.Fatalf("p-1012 is active in %v", got)
		}
	}
}

// The process stops after the agency recorded the batch and before the directory confirmed
// the claim (or while it confirmed: the confirmation was not stored). The batch was answered
// (it is durable); the claim stays in force, so the person cannot be taken on elsewhere nor
// their Person ID disabled; a restart (or the next batch that meets the claim) confirms it
// from St. Anne's journal, and the retry under the same key gets the first answer.
func TestWritersStopBeforeTheClaimIsConfirmed(t *testing.T) {
	for _, restarts := range []bool{true, false} {
		j := &flaky{Journals: NewMemoryJournals(), after: map[Shard]int{}}
		w := seededWriters(t, j, exampleSnapshot(t))
		submitted(t, w, endAtAlbany, "")
		j.after[Directory] = 1 // the reserve is stored, the confirmation is not
		first := submitted(t, w, hireAtStAnnes, "hire-1")
		if first.Status != 200 {
			t.Fatalf("the hire: %s", first.Body)
		}
		if len(w.dir.pending) != 1 {
			t.Fatalf("the claim is not pending: %v", w.dir.pending)
		}
		if restarts {
			w = restart(t, j)
		} else {
			j.after = map[Shard]int{}
		}
		if a := submitted(t, w, reinstateAlbany, ""); outcomeOf(t, a).Code != "active_elsewhere" {
			t.Fatalf("Albany reinstates a worker St. Anne's took on: %s", a.Body)
		}
		disable := `{"actor": "p-admin", "edits": [{"op": "set_person_id", "person": "p-1012", "status": "disabled"}]}`
		if a := submitted(t, w, disable, ""); outcomeOf(t, a).Code != "staff_still_active" {
			t.Fatalf("the Person ID of active staff is disabled: %s", a.Body)
		}
		if again := submitted(t, w, hireAtStAnnes, "hire-1"); string(again.Body) != string(first.Body) {
			t.Fatalf("the retry: %s, first %s", again.Body, first.Body)
		}
		if v, _ := w.Versions(); v.String() != "d0~ag-alb.1~ag-sta.1" {
			t.Fatalf("the state is %s", v)
		}
		if got := activeIn(t, w, "p-1012"); !slices.Equal(got, []string{"ag-sta"}) {
			t.Fatalf("p-1012 is active in %v", got)
		}
	}
}
