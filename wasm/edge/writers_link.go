package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tidwall/gjson"
)

// This file is the claim protocol's transport (SPEC §10.1, README "The edge"): the steps an
// agency writer asks of the directory (its cut, whether what a batch read is fresh, admit,
// reserve, confirm, release, the agency's pending claim, a lock on what a batch reads) and the
// one it asks of another agency (settle the claim that holds it up). The writers take them
// through a directoryLink: in the same process by calling the directory (localLink), or as
// bytes carried by a Transport to the object that takes them (wireLink, served by Step) — a
// request between Durable Objects in the worker. Both run the same writer code.

// directoryLink is what an agency writer asks of the directory and of other agencies.
type directoryLink interface {
	// cut is the document agency judges against (full: its own object) and the directory's
	// seq it was composed at.
	cut(agency string, full []byte) ([]byte, int64, error)
	// fresh is nil when none of read changed since seq by another writer; errStale or a
	// busyError otherwise.
	fresh(agency string, seq int64, read []string) error
	// admit gives a batch that claims nothing its place in the order of the state.
	admit(agency string, seq int64, read []string) (place, error)
	// reserve takes claim c (setting c.Order) for a batch that leaves the agency as after and
	// creates people.
	reserve(c *claim, seq int64, read []string, after agencyThin, people [][]byte) (place, error)
	confirm(c *claim) error
	release(c *claim) error
	// pending is the agency's claim still pending (nil: none).
	pending(agency string) (*claim, error)
	// lockOn is another agency's pending claim on one of keys (nil: none).
	lockOn(agency string, keys []string) (*claim, error)
	// settled has c's agency settle c (its writer finishes the batch it is on first).
	settled(c *claim) error
	// recorded tells the directory that agency's journal holds its batch of version: the
	// directory's object, which keeps no agency whole, learns the versions so (writers_reads.go).
	recorded(agency string, version int64) error
}

// Transport carries one step of the claim protocol to the object that takes it — "directory",
// or "agency:<id>" for a settle — and brings back its answer (Writers.Step serves it there).
// An error is a step that did not reach its object or failed there: the agency writer
// answers 500 and leaves its claim for whoever settles it next (the failure cases).
type Transport interface {
	Send(ctx context.Context, object, step string, body []byte) ([]byte, error)
}

// OverTransport makes the writers' agencies take every step of the claim protocol through t:
// nothing an agency writer asks of the directory or of another agency is shared memory.
func (w *Writers) OverTransport(t Transport) { w.link = wireLink{t} }

// localLink calls the directory in the same process.
type localLink struct{ w *Writers }

func (l localLink) cut(a string, full []byte) ([]byte, int64, error) { return l.w.dir.cutFor(a, full) }
func (l localLink) fresh(a string, seq int64, read []string) error {
	return l.w.dir.fresh(a, seq, read)
}
func (l localLink) admit(a string, seq int64, read []string) (place, error) {
	return l.w.dir.admit(a, seq, read)
}
func (l localLink) reserve(c *claim, seq int64, read []string, after agencyThin, people [][]byte) (place, error) {
	return l.w.dir.reserve(c, seq, read, after, people)
}
func (l localLink) confirm(c *claim) error { return l.w.dir.confirm(c) }
func (l localLink) release(c *claim) error { return l.w.dir.release(c) }
func (l localLink) pending(a string) (*claim, error) {
	d := l.w.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pending[a], nil
}
func (l localLink) lockOn(a string, keys []string) (*claim, error) {
	return l.w.dir.lockOn(a, keys), nil
}
func (l localLink) settled(c *claim) error { return l.w.waitSettled(c) }

// recorded: in one process the directory reads every agency writer's version itself.
func (l localLink) recorded(string, int64) error { return nil }

// The steps' bodies on the wire.
type (
	stepAsk struct {
		Agency string            `json:"agency"`
		Seq    int64             `json:"seq"`
		Read   []string          `json:"read,omitempty"`
		Keys   []string          `json:"keys,omitempty"`
		Claim  *claim            `json:"claim,omitempty"`
		Thin   json.RawMessage   `json:"thin,omitempty"`  // reserve: the agency's thin object after the batch
		Pages  []string          `json:"pages,omitempty"` // and the ids of its other pages
		People []json.RawMessage `json:"people,omitempty"`
	}
	stepAnswer struct {
		Refused string `json:"refused,omitempty"` // "stale", or "busy" (Claim holds it up)
		Claim   *claim `json:"claim,omitempty"`
		Order   int64  `json:"order,omitempty"`
		// the directory's version where it admitted or reserved a batch
		Directory int64 `json:"directory,omitempty"`
	}
)

// wireLink sends each step through a Transport.
type wireLink struct{ t Transport }

func (l wireLink) send(object, step string, ask stepAsk) (stepAnswer, error) {
	body, err := json.Marshal(ask)
	if err != nil {
		return stepAnswer{}, err
	}
	raw, err := l.t.Send(context.Background(), object, step, body)
	if err != nil {
		return stepAnswer{}, fmt.Errorf("the %s step did not reach %s: %w", step, object, err)
	}
	var a stepAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return stepAnswer{}, fmt.Errorf("the %s step's answer from %s does not read: %w", step, object, err)
	}
	switch a.Refused {
	case "":
		return a, nil
	case "stale":
		return a, errStale
	case "busy":
		if a.Claim != nil {
			return a, busyError{a.Claim}
		}
	}
	return a, fmt.Errorf("the %s step's answer from %s does not read: refused %q", step, object, a.Refused)
}

// cut asks the directory for the rest of agency a's cut: the directory's document holds null
// in a's place, where a's writer puts its own state, so that its state (the largest agency's
// is tens of MB) does not go to the directory and back with every cut.
func (l wireLink) cut(a string, full []byte) ([]byte, int64, error) {
	ask, _ := json.Marshal(map[string]string{"id": a})
	raw, err := l.t.Send(context.Background(), Directory.String(), "cut", ask)
	if err != nil {
		return nil, 0, fmt.Errorf("the cut of agency %s did not come from the directory: %w", a, err)
	}
	// the answer is the seq, a newline, then the document (not read through again here)
	head, rest, ok := bytes.Cut(raw, []byte("\n"))
	seq := gjson.ParseBytes(head)
	if !ok || seq.Type != gjson.Number {
		return nil, 0, fmt.Errorf("the directory's cut of agency %s does not read", a)
	}
	place := -1
	gjson.Get(inPlace(rest), "agencies").ForEach(func(_, x gjson.Result) bool {
		if x.Type == gjson.Null {
			place = x.Index
			return false
		}
		return true
	})
	if place < 0 || !bytes.HasPrefix(rest[place:], []byte("null")) {
		return nil, 0, fmt.Errorf("the directory's cut of agency %s has no place for the agency", a)
	}
	doc := make([]byte, 0, len(rest)-4+len(full))
	doc = append(append(append(doc, rest[:place]...), full...), rest[place+4:]...)
	return doc, seq.Int(), nil
}

func (l wireLink) fresh(a string, seq int64, read []string) error {
	_, err := l.send(Directory.String(), "fresh", stepAsk{Agency: a, Seq: seq, Read: read})
	return err
}

func (l wireLink) admit(a string, seq int64, read []string) (place, error) {
	ans, err := l.send(Directory.String(), "admit", stepAsk{Agency: a, Seq: seq, Read: read})
	return place{order: ans.Order, directory: ans.Directory}, err
}

func (l wireLink) reserve(c *claim, seq int64, read []string, after agencyThin, people [][]byte) (place, error) {
	ask := stepAsk{Agency: c.Agency, Seq: seq, Read: read, Claim: c, Thin: after.thin, Pages: after.pages}
	for _, p := range people {
		ask.People = append(ask.People, p)
	}
	ans, err := l.send(Directory.String(), "reserve", ask)
	if err == nil {
		c.Order = ans.Order
	}
	return place{order: ans.Order, directory: ans.Directory}, err
}

func (l wireLink) recorded(a string, version int64) error {
	_, err := l.send(Directory.String(), "recorded", stepAsk{Agency: a, Seq: version})
	return err
}

func (l wireLink) confirm(c *claim) error {
	_, err := l.send(Directory.String(), "confirm", stepAsk{Agency: c.Agency, Claim: c})
	return err
}

func (l wireLink) release(c *claim) error {
	_, err := l.send(Directory.String(), "release", stepAsk{Agency: c.Agency, Claim: c})
	return err
}

func (l wireLink) pending(a string) (*claim, error) {
	ans, err := l.send(Directory.String(), "pending", stepAsk{Agency: a})
	return ans.Claim, err
}

func (l wireLink) lockOn(a string, keys []string) (*claim, error) {
	ans, err := l.send(Directory.String(), "lock", stepAsk{Agency: a, Keys: keys})
	return ans.Claim, err
}

func (l wireLink) settled(c *claim) error {
	_, err := l.send(Shard{Agency: c.Agency}.String(), "settle", stepAsk{Agency: c.Agency, Claim: c})
	return err
}

// Step serves one step a Transport carried to object ("directory", or "agency:<id>"): of the
// claim protocol (SPEC §10.1), and when the writers are one object of many the steps between
// objects (writers_objects.go: batches, seeds, births, states, logs). It answers the step's
// bytes. A refusal the protocol expects (stale, or busy with the claim that holds the batch
// up) is an answer; an error is a failure, which the sender answers as the service's.
func (w *Writers) Step(object, step string, body []byte) ([]byte, error) {
	if w.objects != nil {
		if out, handled, err := w.objectStep(step, body); handled {
			return out, err
		}
	}
	w.mu.Lock()
	d := w.dir
	w.mu.Unlock()
	if d == nil {
		return nil, ErrNotSeeded
	}
	if step == "cut" {
		var a string
		if a = gjson.GetBytes(body, "id").String(); a == "" {
			return nil, errors.New("the cut asked for names no agency")
		}
		doc, seq, err := d.cutFor(a, []byte("null")) // the agency's writer puts its state in its place
		if err != nil {
			return nil, err
		}
		return append(fmt.Appendf(nil, "%d\n", seq), doc...), nil
	}
	var ask stepAsk
	if err := json.Unmarshal(body, &ask); err != nil {
		return nil, fmt.Errorf("the %s step does not read: %w", step, err)
	}
	ans, err := w.step(d, object, step, ask)
	var busy busyError
	switch {
	case errors.Is(err, errStale):
		ans, err = stepAnswer{Refused: "stale"}, nil
	case errors.As(err, &busy):
		ans, err = stepAnswer{Refused: "busy", Claim: busy.c}, nil
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(ans)
}

func (w *Writers) step(d *directoryWriter, object, step string, ask stepAsk) (stepAnswer, error) {
	if s, _ := ParseShard(object); s.Agency != "" {
		if step != "settle" {
			return stepAnswer{}, fmt.Errorf("an agency takes no %s step", step)
		}
		w.mu.Lock()
		aw := w.agencies[s.Agency]
		w.mu.Unlock()
		if aw == nil {
			return stepAnswer{}, fmt.Errorf("there is no agency %s to settle a claim", s.Agency)
		}
		aw.mu.Lock()
		defer aw.mu.Unlock()
		return stepAnswer{}, aw.settle()
	}
	switch step {
	case "fresh":
		return stepAnswer{}, d.fresh(ask.Agency, ask.Seq, ask.Read)
	case "admit":
		at, err := d.admit(ask.Agency, ask.Seq, ask.Read)
		return stepAnswer{Order: at.order, Directory: at.directory}, err
	case "reserve":
		if ask.Claim == nil || ask.Claim.Agency != ask.Agency {
			return stepAnswer{}, errors.New("the reserve step names no claim of its agency")
		}
		people := make([][]byte, len(ask.People))
		for i, p := range ask.People {
			people[i] = p
		}
		at, err := d.reserve(ask.Claim, ask.Seq, ask.Read, agencyThin{thin: ask.Thin, pages: ask.Pages}, people)
		return stepAnswer{Order: at.order, Directory: at.directory}, err
	case "confirm", "release":
		c := d.claimOf(ask.Claim)
		if c == nil {
			return stepAnswer{}, nil // settled already
		}
		if step == "confirm" {
			return stepAnswer{}, d.confirm(c)
		}
		return stepAnswer{}, d.release(c)
	case "recorded": // Seq is the agency's version its journal holds
		w.recorded(ask.Agency, ask.Seq)
		return stepAnswer{}, nil
	case "pending":
		d.mu.Lock()
		defer d.mu.Unlock()
		return stepAnswer{Claim: d.pending[ask.Agency]}, nil
	case "lock":
		return stepAnswer{Claim: d.lockOn(ask.Agency, ask.Keys)}, nil
	}
	return stepAnswer{}, fmt.Errorf("the directory takes no %s step", step)
}

// claimOf is the pending claim the directory holds for a claim named on the wire (nil: none
// pending under that id, settled already).
func (d *directoryWriter) claimOf(named *claim) *claim {
	if named == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.pending[named.Agency]; c != nil && c.ID == named.ID {
		return c
	}
	return nil
}
