package edge

import (
	"encoding/json"
	"fmt"
)

// The directory's object keeps in its own storage what it needs to start again without asking
// any agency's object (README "The edge"): a Durable Object is stopped when it is idle, and one
// that asked 410 agencies' objects for their states took half a minute to answer its first
// request. It keeps, per agency, what the index last read of it (keptRead) and the newest
// version the agency's object told it of (knownVersion, the recorded step), and the place in
// the order of the state it last gave a batch (nextOrder, keptOrderOf). On start an agency whose kept read
// is of the version last told is held from it; one that moved since (or was never read) is
// asked, as before.

// keptReadOf, knownOf and orderKept are the journals of the directory's object that hold them;
// no agency's shard is named so (an agency id has no "/", as for the seed's staged objects).
func keptReadOf(agency string) Shard { return Shard{Agency: "read/" + agency} }
func knownOf(agency string) Shard    { return Shard{Agency: "known/" + agency} }

var orderKept = Shard{Agency: "order/"}

// keptReadJSON is an agencyRead as it is stored.
type keptReadJSON struct {
	Thin   json.RawMessage `json:"thin"`
	Pages  []string        `json:"pages"`
	Named  []string        `json:"named"`
	People int             `json:"people"`
}

// keepRead stores r, read of agency a's state at version.
func (w *Writers) keepRead(a string, version int64, r agencyRead) error {
	raw, err := json.Marshal(keptReadJSON{Thin: r.thin.thin, Pages: r.thin.pages, Named: r.named, People: r.people})
	if err != nil {
		return err
	}
	j, err := w.journal(keptReadOf(a))
	if err == nil {
		err = j.Record(Record{Version: version, State: raw})
	}
	if err != nil {
		return fmt.Errorf("what the index read of agency %s could not be stored: %w", a, err)
	}
	return nil
}

// keptRead is what the index last read of agency a and the version it was read at (found
// false: none kept).
func (w *Writers) keptRead(a string) (agencyRead, int64, bool, error) {
	j, err := w.journal(keptReadOf(a))
	if err != nil {
		return agencyRead{}, 0, false, err
	}
	raw, v, err := j.State()
	if err != nil || raw == nil {
		return agencyRead{}, 0, false, err
	}
	var k keptReadJSON
	if err := json.Unmarshal(raw, &k); err != nil {
		return agencyRead{}, 0, false, fmt.Errorf("what the index read of agency %s does not read back: %w", a, err)
	}
	return agencyRead{thin: agencyThin{thin: k.Thin, pages: k.Pages}, named: k.Named, people: k.People}, v, true, nil
}

// keepKnown stores that agency a's object holds its version version.
func (w *Writers) keepKnown(a string, version int64) error {
	j, err := w.journal(knownOf(a))
	if err == nil {
		err = j.Record(Record{Version: version, State: json.RawMessage(`{}`)})
	}
	return err
}

// knownVersion is the newest version of agency a's object the directory's object was told of.
func (w *Writers) knownVersion(a string) (int64, error) {
	j, err := w.journal(knownOf(a))
	if err != nil {
		return 0, err
	}
	_, v, err := j.State()
	return v, err
}

// keptHold is agency a as the directory's object kept it, when that is of its newest version:
// what the index read of it, and that version (ok false: the agency's object is asked).
func (w *Writers) keptHold(a string) (agencyRead, int64, bool, error) {
	r, v, found, err := w.keptRead(a)
	if err != nil || !found {
		return agencyRead{}, 0, false, err
	}
	known, err := w.knownVersion(a)
	if err != nil || known > v {
		return agencyRead{}, 0, false, err
	}
	return r, v, true, nil
}

// nextOrder gives the next place in the order of the state and, in the directory's object,
// stores it before it is given, so that a directory started again never gives it twice.
func (d *directoryWriter) nextOrder() (int64, error) {
	n := d.judged.Add(1)
	if d.orders != nil {
		if err := d.orders.Record(Record{Version: n, State: json.RawMessage(`{}`)}); err != nil {
			return 0, fmt.Errorf("the directory could not store its place in the order of the state: %w", err)
		}
	}
	return n, nil
}

// keptOrderOf is the last place in the order of the state the directory's object stored.
func keptOrderOf(j stateJournal) (int64, error) {
	_, v, err := j.State()
	return v, err
}
