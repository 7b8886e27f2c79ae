package edge

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
)

// agencyWriter is the one writer of an agency shard (SPEC §10.1): its mutex orders that
// agency's batches only; its state is the agency object, its version counts the batches
// applied to it, its journal keeps them with their answers and the state they left.
type agencyWriter struct {
	mu      sync.Mutex
	id      string
	w       *Writers
	journal stateJournal
	state   []byte // the agency object
	version int64
	pub     atomic.Pointer[published] // state and version, for readers

	thin       agencyThin       // thinOf(state), once thinKnown
	thinKnown  bool             // (read when first needed)
	cut        *evaluator.Model // the writer's cut of the state (nil: compose it again)
	cutSeq     int64            // the directory's seq the cut was composed at
	cutPeople  int              // how many people the cut holds
	claimCount int64            // claims made, for their ids
	// clean: no claim of this agency is pending in the directory (only its writer settles
	// them, so it knows; false at a start, until the directory says)
	clean bool
	// shardKept: the readers' shard written last, kept for the reader it was written for
	// (writers_shard_step.go)
	shardKept keptShard
}

// published is an agency's state as readers take it. The directory's object keeps of each
// agency's object only its version and what its index reads (read; state nil): the agency's
// object holds the state, and gives it when asked (writers_reads.go).
type published struct {
	state   []byte
	version int64
	read    *agencyRead
}

// submit judges a batch on this agency against the writer's cut and records it (README "The
// edge"): the cut is composed again when something the batch reads changed since; a batch
// that changes what other shards read is reserved in the directory first, and confirmed once
// this journal holds it. A claim refused because another writer got there first (stale or
// busy) makes the writer judge the batch again on a newer cut, so the answer is the one the
// whole state gives in the order the directory saw them.
func (a *agencyWriter) submit(batch []byte, key string) (Answer, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.shardKept.drop() // a shard kept for a reader is let go at a batch, as its state moves on
	if err := a.settle(); err != nil {
		return Answer{}, err
	}
	hash := BatchHash(batch)
	if ans, found, err := kept(a.journal, key, hash); found || err != nil {
		return ans, err
	}
	s := Shard{Agency: a.id}
	judged, refusal, err := judgedBatch(batch, s, a.version, true, a.w.versions)
	if refusal != nil || err != nil {
		return deref(refusal), err
	}
	read := readKeys(judged)
	l := a.w.link
	for attempt := 0; ; attempt++ {
		if attempt == maxJudged {
			return answerOf(http.StatusServiceUnavailable, map[string]any{"error": Problem{Code: codeBusy,
				Message: fmt.Sprintf("agency %s's batch was judged %d times while other agencies changed what it reads; send it again", a.id, maxJudged)}}), nil
		}
		if err := a.refresh(read); err != nil {
			return busyAnswer(err)
		}
		next, entry, summary, refused := Commit(a.cut, judged, a.w.now())
		if refused != nil {
			// a refusal is answered only from a cut nothing the batch reads moved from since
			// (an accepted batch is checked so where the directory admits or reserves it)
			if err := l.fresh(a.id, a.cutSeq, read); err != nil {
				if err := a.judgeAgain(err); err != nil {
					return busyAnswer(err)
				}
				continue
			}
			if remembered(key, *refused) {
				if err := a.journal.Record(Record{Key: key, Hash: hash, Answer: refused, Version: a.version}); err != nil {
					return Answer{}, fmt.Errorf("the answer could not be stored: %w", err)
				}
			}
			return *refused, nil
		}
		full, thin, people, c, err := a.claimFor(next, entry.Edits)
		if err != nil {
			return Answer{}, err
		}
		// the batch's place in the order of the state: where the directory admits it (no
		// claim) or reserves its claim, both after it checked that nothing the batch read moved
		var at place
		if c != nil {
			a.clean = false // until the directory says it did not take the claim, or it is settled
			at, err = l.reserve(c, a.cutSeq, read, thin, people)
			a.clean = errors.Is(err, errStale) || errors.As(err, new(busyError))
		} else {
			at, err = l.admit(a.id, a.cutSeq, read)
		}
		if err != nil {
			if err := a.judgeAgain(err); err != nil {
				return busyAnswer(err)
			}
			continue
		}
		if c != nil {
			entry.Claim = c.ID
		}
		version := a.version + 1
		ans := a.w.accepted(s, entry, at, version, summary)
		r := Record{Entry: entry, Version: version, State: full}
		if remembered(key, ans) {
			r.Key, r.Hash, r.Answer = key, hash, &ans
		}
		if err := a.journal.Record(r); err != nil {
			if c != nil && l.release(c) == nil { // if this fails too, the claim stays pending: settled next time or at a restart
				a.clean = true
			}
			return Answer{}, fmt.Errorf("the edit could not be stored, so it was not made: %w", err)
		}
		a.state, a.version, a.thin, a.cut, a.cutPeople = full, version, thin, next, a.cutPeople+len(people)
		a.pub.Store(&published{state: full, version: version})
		l.recorded(a.id, version)            // a failure leaves the directory's view behind until stateAt meets it
		if c != nil && l.confirm(c) == nil { // the batch is durable; a confirm that fails is made by settle
			a.clean = true
		}
		return ans, nil
	}
}

// judgeAgain readies the writer to judge a batch again after the directory refused its step:
// stale (something it read moved: a new cut) or busy (another agency's claim holds what it
// reads: that agency settles it first). Any other error fails the batch.
func (a *agencyWriter) judgeAgain(err error) error {
	var busy busyError
	switch {
	case errors.Is(err, errStale):
	case errors.As(err, &busy):
		if err := a.w.link.settled(busy.c); err != nil {
			return err
		}
	default:
		return fmt.Errorf("the edit could not be stored, so it was not made: %w", err)
	}
	a.cut = nil
	return nil
}

// maxJudged is how many times a batch is judged again on a newer cut before it is refused as
// busy (each time another writer changed what it read first).
const maxJudged = 20

// busyAnswer words a batch refused after waiting for another agency's claim.
func busyAnswer(err error) (Answer, error) {
	var he *httpError
	if errors.As(err, &he) {
		return answerOf(he.status, map[string]any{"error": he.Problem}), nil
	}
	return Answer{}, err
}

// refresh gives the writer a cut to judge a batch reading keys read on: the cut it holds,
// which the directory checks where it admits or reserves the batch (or before a refusal is
// answered), or, once no other agency's pending claim locks one of read, a new one.
func (a *agencyWriter) refresh(read []string) error {
	l := a.w.link
	if a.cut != nil {
		return nil
	}
	if err := a.w.waitFree(a.id, read); err != nil {
		return err
	}
	doc, seq, err := l.cut(a.id, a.state)
	if err != nil {
		return err
	}
	m, err := evaluator.Load(doc)
	if err != nil {
		return fmt.Errorf("the cut of agency %s does not load: %w", a.id, err)
	}
	a.cut, a.cutSeq, a.cutPeople = m, seq, int(gjson.GetBytes(doc, "people.#").Int())
	return nil
}

// claimFor reads what an accepted batch left: the agency object, its thin form, the people it
// created, and the claim it needs when it changed what other shards read (nil: none).
func (a *agencyWriter) claimFor(next *evaluator.Model, edits []byte) ([]byte, agencyThin, [][]byte, *claim, error) {
	doc := next.Snapshot()
	var full []byte
	gjson.Get(inPlace(doc), "agencies").ForEach(func(_, x gjson.Result) bool {
		if x.Get("id").String() == a.id {
			full = []byte(x.Raw)
			return false
		}
		return true
	})
	if full == nil {
		return nil, agencyThin{}, nil, nil, fmt.Errorf("agency %s is missing from its own cut", a.id)
	}
	thin, err := thinOf(full)
	if err != nil {
		return nil, agencyThin{}, nil, nil, err
	}
	if !a.thinKnown {
		if a.thin, err = thinOf(a.state); err != nil {
			return nil, agencyThin{}, nil, nil, err
		}
		a.thinKnown = true
	}
	keys := changedKeys(a.thin, thin)
	var people [][]byte
	var ids []string
	count := a.cutPeople
	if bytes.Contains(edits, []byte(`"add_staff"`)) { // the one op that creates people
		count = int(gjson.GetBytes(doc, "people.#").Int())
	}
	for i := a.cutPeople; i < count; i++ {
		p := gjson.GetBytes(doc, fmt.Sprintf("people.%d", i))
		people = append(people, []byte(p.Raw))
		ids = append(ids, p.Get("id").String())
		keys = append(keys, p.Get("id").String(), loginKey(p.Get("nt_account").String()))
	}
	if len(keys) == 0 && !bytes.Equal(thin.thin, a.thin.thin) {
		// what only the directory reads changed (coordinators, org roles, the organization
		// page): it is held as the batch leaves it under a claim of the agency's own key
		keys = []string{a.id}
	}
	if len(keys) == 0 {
		return full, thin, nil, nil, nil
	}
	a.claimCount++
	c := &claim{ID: fmt.Sprintf("%s@%d.%d", a.id, a.version+1, time.Now().UnixNano()+a.claimCount), Agency: a.id, Version: a.version + 1, Keys: keys, People: ids}
	return full, thin, people, c, nil
}

// settle resolves this agency's claim a stop or a failure left pending: confirmed when the
// journal holds its batch, released when it does not. The writer's mutex is held (or the
// writers are starting).
func (a *agencyWriter) settle() error {
	if a.clean {
		return nil
	}
	l := a.w.link
	c, err := l.pending(a.id)
	if err != nil {
		return err
	}
	if c == nil {
		a.clean = true
		return nil
	}
	entries, err := a.journal.Entries(c.Version - 1)
	if err != nil {
		return err
	}
	end := l.release
	for _, e := range entries {
		if e.Claim == c.ID {
			end = l.confirm
		}
	}
	if err := end(c); err != nil {
		return err
	}
	a.clean = true
	return nil
}

// waitFree waits until no other agency's pending claim locks one of keys: each such claim is
// settled by its agency's writer (which finishes its batch first), for at most claimWait.
func (w *Writers) waitFree(agency string, keys []string) error {
	deadline := time.Now().Add(claimWait)
	for {
		c, err := w.link.lockOn(agency, keys)
		if c == nil || err != nil {
			return err
		}
		if err := w.link.settled(c); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fail(http.StatusServiceUnavailable, codeBusy, "%s", busyError{c}.Error())
		}
	}
}

// waitSettled has claim c's agency settle it (its writer finishes the batch it is on first).
func (w *Writers) waitSettled(c *claim) error {
	w.mu.Lock()
	aw := w.agencies[c.Agency]
	w.mu.Unlock()
	if aw != nil {
		aw.mu.Lock()
		err := aw.settle()
		aw.mu.Unlock()
		if err == nil {
			return nil
		}
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(claimWait):
		return fail(http.StatusServiceUnavailable, codeBusy, "%s", busyError{c}.Error())
	}
}
