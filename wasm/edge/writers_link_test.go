package edge

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
)

// wire is a Transport in one process that carries only bytes, as a request between Durable
// Objects does: what the sender holds is copied, and an error comes back as its text.
type wire struct {
	w    *Writers
	sent atomic.Int64
}

func (t *wire) Send(_ context.Context, object, step string, body []byte) ([]byte, error) {
	t.sent.Add(1)
	out, err := t.w.Step(object, step, slices.Clone(body))
	if err != nil {
		return nil, errors.New(err.Error())
	}
	return slices.Clone(out), nil
}

// wired makes w's agencies take the claim protocol's steps through a wire.
func wired(w *Writers) *Writers {
	w.OverTransport(&wire{w: w})
	return w
}

// overBothLinks runs test with the agency writers taking the claim protocol's steps in the
// same process (local) and as bytes through a Transport (wire), as Durable Objects take them.
func overBothLinks(t *testing.T, test func(t *testing.T, link func(*Writers) *Writers)) {
	t.Run("local", func(t *testing.T) { test(t, func(w *Writers) *Writers { return w }) })
	t.Run("wire", func(t *testing.T) { test(t, wired) })
}

// Over the wire every step of a batch that claims goes through the Transport: the cut, the
// reserve and the confirm; a batch that claims nothing is admitted; the stops of the claim
// protocol are settled as in one process.
func TestWritersStepsGoOverTheWire(t *testing.T) {
	j := &flaky{Journals: NewMemoryJournals(), after: map[Shard]int{}}
	w := seededWriters(t, j, exampleSnapshot(t))
	tr := &wire{w: w}
	w.OverTransport(tr)
	if a := submitted(t, w, endAtAlbany, ""); a.Status != 200 {
		t.Fatalf("end-dating at Albany: %s", a.Body)
	}
	if tr.sent.Load() < 4 { // pending, cut, reserve, confirm
		t.Fatalf("only %d steps went over the wire", tr.sent.Load())
	}
	// the stop between the directory's step and the agency's, over the wire
	j.after[Directory], j.after[stAnnes] = 1, 0
	if a, err := w.Submit(context.Background(), []byte(hireAtStAnnes), "hire-1"); err == nil {
		t.Fatalf("the batch was answered though St. Anne's could not record it: %s", a.Body)
	}
	if len(w.dir.pending) != 1 {
		t.Fatalf("the claim is not pending: %v", w.dir.pending)
	}
	j.after = map[Shard]int{}
	// Albany meets St. Anne's claim, has St. Anne's settle it over the wire (released: the
	// batch is not in St. Anne's journal), and reinstates the worker
	if a := submitted(t, w, reinstateAlbany, ""); a.Status != 200 {
		t.Fatalf("Albany's reinstatement after St. Anne's claim was released: %s", a.Body)
	}
	if len(w.dir.pending) != 0 {
		t.Fatalf("a claim is still pending: %v", w.dir.pending)
	}
	if a := submitted(t, w, hireAtStAnnes, "hire-1"); outcomeOf(t, a).Code != "active_elsewhere" {
		t.Fatalf("the retry under the same key, once Albany reinstated the worker: %s", a.Body)
	}
	if got := activeIn(t, w, "p-1012"); !slices.Equal(got, []string{"ag-alb"}) {
		t.Fatalf("p-1012 is active in %v", got)
	}
	// a step that names no claim, or an agency that takes no such step, is a failure
	for _, c := range [][3]string{{"directory", "reserve", `{"agency": "ag-alb"}`}, {"agency:ag-alb", "admit", `{}`}, {"directory", "fly", `{}`}, {"directory", "admit", `{"agency":`}, {"directory", "cut", `{}`}} {
		if _, err := w.Step(c[0], c[1], []byte(c[2])); err == nil {
			t.Errorf("the step %s to %s with %s was taken", c[1], c[0], c[2])
		}
	}
}
