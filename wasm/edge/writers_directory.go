package edge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// This file is the directory's writer (SPEC §10.1, README "The edge"): the people, the
// administrators, the catalog, the site templates and the agency list, and of every agency
// what the other shards' rules read (its thin object: the agency without its pages but its
// organization page, and the ids of those pages). Agency writers pull it to judge, and reserve
// a claim in it for what their batch changes that others read.

// A claim is the directory's hold on what one agency batch changes that other shards read: the
// keys it changes (people whose records change, ids that appear or go, the logins of people it
// creates; the agency's own id when only what the directory reads changed, its coordinators or
// roles). From its reservation on, the directory holds the agency as the batch leaves it, so
// every other writer judges as if the batch were applied; its keys are locked until the agency
// confirms it (its journal recorded the batch) or releases it (it could not). A restart
// confirms a pending claim whose batch the agency's journal holds, and releases the others.
type claim struct {
	ID      string   `json:"id"`
	Agency  string   `json:"agency"`
	Version int64    `json:"version"` // the agency's version the batch makes
	Order   int64    `json:"order"`   // the batch's place in the order of the state
	Keys    []string `json:"keys"`
	People  []string `json:"people"` // the people the batch creates

	prev agencyThin    // the agency as the directory held it before
	done chan struct{} // closed when the claim is confirmed or released
}

// agencyThin is what the directory holds of one agency.
type agencyThin struct {
	thin  []byte   // the agency object with only its organization page
	pages []string // the ids of its other pages
}

// dirState is the directory's durable state, the State of each record of its journal: the
// document without its agencies, the agency list, and the claims still pending.
type dirState struct {
	Top    json.RawMessage `json:"top"`
	Order  []string        `json:"agencies"`
	Claims []*claim        `json:"claims"`
}

// directoryWriter is the directory's one writer. Its mutex is held only to judge a directory
// batch or to change a claim, never while an agency judges.
type directoryWriter struct {
	mu      sync.Mutex
	journal stateJournal
	version atomic.Int64 // the directory shard's version: directory batches applied
	top     []byte       // the document with "agencies": []
	order   []string
	held    map[string]agencyThin
	owner   map[string]string // page id → its agency

	seq       int64             // counts every change of what the directory holds
	changed   map[string]int64  // key → the seq of its last change
	changedBy map[string]string // key → the agency (or "directory") that changed it last
	locks     map[string]*claim // key → the pending claim that changes it
	pending   map[string]*claim // agency → its pending claim (at most one: its writer waits)
	judged    *atomic.Int64     // Writers.judged, moved under mu
	orders    stateJournal      // the directory's object: where it stores the last place given (nextOrder)
}

// anyKey is read by every agency batch and changed by every directory batch: the catalog,
// the site templates, the administrators and Person IDs are read without being named.
const anyKey = "*"

// errStale: something the batch read changed since the writer's cut; judge it again.
var errStale = errors.New("the directory moved on since the batch was judged")

// busyError: another agency's pending claim holds a key the batch reads.
type busyError struct{ c *claim }

func (b busyError) Error() string {
	return fmt.Sprintf("agency %s is committing a batch that changes what this batch reads; try again in a moment", b.c.Agency)
}

func newDirectoryWriter(journal stateJournal, top []byte, order []string, thins map[string]agencyThin) *directoryWriter {
	d := &directoryWriter{journal: journal, top: top, order: order, held: map[string]agencyThin{}, owner: map[string]string{},
		changed: map[string]int64{}, changedBy: map[string]string{}, locks: map[string]*claim{}, pending: map[string]*claim{}}
	for _, a := range order {
		d.hold(a, thins[a])
	}
	return d
}

// hold sets what the directory holds of agency a, and which pages are a's.
func (d *directoryWriter) hold(a string, t agencyThin) {
	for _, p := range d.held[a].pages {
		delete(d.owner, p)
	}
	d.held[a] = t
	for _, p := range t.pages {
		d.owner[p] = a
	}
	if org := gjson.GetBytes(t.thin, "pages.0.id").String(); org != "" {
		d.owner[org] = a
	}
}

// agencyOf names the agency of an agency or page id, for routing (route.go).
func (d *directoryWriter) agencyOf(id string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.held[id]; ok {
		return id
	}
	return d.owner[id]
}

// thinOf cuts an agency object down to what other shards' rules read: everything but its
// pages, of which it keeps the organization page (an agency has one, SPEC §2); the ids of the
// others are listed, so that they stay taken (SPEC §1).
func thinOf(full []byte) (agencyThin, error) {
	// full is read in place: NYC's object is 23 MB, and gjson.GetBytes copied its pages, and
	// thinOf the object, before anything of it was kept
	var t agencyThin
	org := "[]"
	gjson.Get(inPlace(full), "pages").ForEach(func(_, p gjson.Result) bool {
		if p.Get("kind").String() == "organization" && org == "[]" {
			org = "[" + p.Raw + "]"
		} else if id := p.Get("id").String(); id != "" {
			t.pages = append(t.pages, strings.Clone(id)) // not a piece of the agency's text
		}
		return true
	})
	thin, err := sjson.SetRawBytes(full, "pages", []byte(org)) // a new text: full is not written to
	t.thin = slices.Clip(bytes.Clone(thin))                    // its own bytes, not the whole object's buffer
	return t, err
}

// inPlace is b as a string without a copy, for gjson.Get: gjson.GetBytes copies the value it
// finds, which for an agency's pages or a state's agencies is most of the document. Nothing
// writes to b while what is read of it is in use, and a piece kept past b is copied.
func inPlace(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// compose writes a document of the state: the directory's top level and every agency, agency
// cut given whole (full) and the others thin, with ids_elsewhere listing their other pages.
// cut "" is the directory's own document; whole (no ids_elsewhere) is for readers.
func (d *directoryWriter) compose(cut string, full []byte, whole map[string][]byte) ([]byte, error) {
	if whole != nil {
		return d.write(func(a string) ([]byte, []string) {
			if whole[a] != nil {
				return whole[a], nil
			}
			return d.held[a].thin, nil // an agency born since the writers were read: its thin object is all of it
		}, false)
	}
	return d.write(func(a string) ([]byte, []string) {
		if a == cut {
			return full, nil
		}
		return d.held[a].thin, d.held[a].pages
	}, true)
}

// write writes a document of the state: the directory's top level and, in the directory's
// order, each agency's object as part gives it (none: left out); with elsewhere,
// ids_elsewhere lists the pages part says each object leaves out. The document is written
// once, at its size: the top level takes the two fields empty (as sjson places them), and the
// agencies and the ids go into their places; a cut of the largest agency is tens of MB, which
// copying and growing would take several times over.
func (d *directoryWriter) write(part func(a string) (obj []byte, left []string), elsewhere bool) ([]byte, error) {
	type piece struct {
		obj  []byte
		left []string
	}
	var pieces []piece
	objBytes, idBytes := 2, 2
	for _, a := range d.order {
		obj, left := part(a)
		if obj == nil {
			continue // left out of the document
		}
		pieces = append(pieces, piece{obj, left})
		objBytes += len(obj) + 1
		for _, id := range left {
			idBytes += len(id) + 3
		}
	}
	shell, err := sjson.SetRawBytes(slices.Clone(d.top), "agencies", []byte("[]"))
	if err == nil && elsewhere {
		shell, err = sjson.SetRawBytes(shell, "ids_elsewhere", []byte("[]"))
	}
	if err != nil {
		return nil, fmt.Errorf("the state could not be composed: %w", err)
	}
	// a key added at the end takes the document's final newline away; the whole state's
	// document keeps it, as the Ledger's does (the export is its bytes)
	if bytes.HasSuffix(d.top, []byte("\n")) && !bytes.HasSuffix(shell, []byte("\n")) {
		shell = append(shell, '\n')
	}
	type hole struct {
		at    int
		write func([]byte) []byte
	}
	holes := []hole{{gjson.GetBytes(shell, "agencies").Index, func(out []byte) []byte {
		out = append(out, '[')
		for i, p := range pieces {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, p.obj...)
		}
		return append(out, ']')
	}}}
	if elsewhere {
		holes = append(holes, hole{gjson.GetBytes(shell, "ids_elsewhere").Index, func(out []byte) []byte {
			out = append(out, '[')
			n := 0
			for _, p := range pieces {
				for _, id := range p.left {
					if n > 0 {
						out = append(out, ',')
					}
					out = appendJSONString(out, id)
					n++
				}
			}
			return append(out, ']')
		}})
	}
	slices.SortFunc(holes, func(x, y hole) int { return x.at - y.at })
	doc := make([]byte, 0, len(shell)+objBytes+idBytes)
	from := 0
	for _, h := range holes {
		if h.at <= from || !bytes.HasPrefix(shell[h.at:], []byte("[]")) {
			return nil, errors.New("the state could not be composed: its top level does not read")
		}
		doc = h.write(append(doc, shell[from:h.at]...))
		from = h.at + 2
	}
	return append(doc, shell[from:]...), nil
}

// appendJSONString appends s as encoding/json writes it.
func appendJSONString(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			raw, _ := json.Marshal(s)
			return append(out, raw...)
		}
	}
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"')
}

// cutFor is the document agency a judges against and the directory's seq it was cut at.
func (d *directoryWriter) cutFor(a string, full []byte) ([]byte, int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	doc, err := d.compose(a, full, nil)
	return doc, d.seq, err
}

// check says whether agency a's writer, whose cut is at seq base, may go on with keys: none
// locked by another agency's claim (busyError), none changed since by another (errStale).
func (d *directoryWriter) check(a string, base int64, keys []string) error {
	for _, k := range keys {
		if c := d.locks[k]; c != nil && c.Agency != a {
			return busyError{c}
		}
	}
	for _, k := range keys {
		if d.changed[k] > base && d.changedBy[k] != a {
			return errStale
		}
	}
	return nil
}

// fresh is check under the directory's mutex (a cut that passes it is kept to judge on).
func (d *directoryWriter) fresh(a string, base int64, keys []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.check(a, base, keys)
}

// touch records that by changed keys now.
func (d *directoryWriter) touch(by string, keys []string) {
	d.seq++
	for _, k := range keys {
		d.changed[k], d.changedBy[k] = d.seq, by
	}
}

// reserve takes claim c for agency a's batch, judged on a cut at seq base that read keys
// read: the directory holds a as the batch leaves it (after) and the people it creates
// (people, their documents), and locks c.Keys, durably, before the agency records the batch.
func (d *directoryWriter) reserve(c *claim, base int64, read []string, after agencyThin, people [][]byte) (place, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.check(c.Agency, base, slices.Concat(read, c.Keys)); err != nil {
		return place{}, err
	}
	top := d.top
	for _, p := range people {
		var err error
		if top, err = sjson.SetRawBytes(slices.Clone(top), "people.-1", p); err != nil {
			return place{}, fmt.Errorf("the new person could not be written: %w", err)
		}
	}
	c.prev, c.done = d.held[c.Agency], make(chan struct{})
	prevTop := d.top
	d.top = top
	d.hold(c.Agency, after)
	d.pending[c.Agency] = c
	if err := d.persist(); err != nil {
		d.top = prevTop
		d.hold(c.Agency, c.prev)
		delete(d.pending, c.Agency)
		return place{}, err
	}
	for _, k := range c.Keys {
		d.locks[k] = c
	}
	d.touch(c.Agency, c.Keys)
	n, err := d.nextOrder()
	if err != nil {
		return place{}, err
	}
	c.Order = n
	return place{order: c.Order, directory: d.version.Load()}, nil
}

// admit gives an accepted batch of agency a that claims nothing its place in the order of the
// state, once nothing it read (keys read, on a cut at seq base) moved since: the batch is
// judged as of now.
func (d *directoryWriter) admit(a string, base int64, read []string) (place, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.check(a, base, read); err != nil {
		return place{}, err
	}
	n, err := d.nextOrder()
	if err != nil {
		return place{}, err
	}
	return place{order: n, directory: d.version.Load()}, nil
}

// place is where the directory put an accepted agency batch: its place in the order of the
// state, and the directory's version then — the version of the directory the batch read, since
// a directory batch in between would have made it stale (SPEC §10.2: its token names it).
type place struct{ order, directory int64 }

// confirm: the agency's journal holds c's batch; its keys are free again.
func (d *directoryWriter) confirm(c *claim) error {
	return d.end(c, func() (func(), error) { return func() {}, nil })
}

// release: c's batch was not recorded; the directory holds the agency as before it, without
// the people the batch would have created.
func (d *directoryWriter) release(c *claim) error {
	return d.end(c, func() (func(), error) {
		top, err := withoutPeople(d.top, c.People)
		if err != nil {
			return nil, err
		}
		prevTop, prevHeld := d.top, d.held[c.Agency]
		d.top = top
		d.hold(c.Agency, c.prev)
		d.touch("", c.Keys)
		return func() { d.top = prevTop; d.hold(c.Agency, prevHeld) }, nil
	})
}

// end settles claim c (if still pending): change makes what the directory holds what it is
// after c (and gives what undoes it), which is stored before c's keys are free again.
func (d *directoryWriter) end(c *claim, change func() (undo func(), err error)) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending[c.Agency] != c {
		return nil
	}
	undo, err := change()
	if err != nil {
		return err
	}
	delete(d.pending, c.Agency)
	if err := d.persist(); err != nil {
		undo()
		d.pending[c.Agency] = c
		return err
	}
	d.unlock(c)
	return nil
}

func (d *directoryWriter) unlock(c *claim) {
	for _, k := range c.Keys {
		if d.locks[k] == c {
			delete(d.locks, k)
		}
	}
	close(c.done)
}

// withoutPeople removes the people ids from the people of a document.
func withoutPeople(doc []byte, ids []string) ([]byte, error) {
	for _, id := range ids {
		i := -1
		gjson.GetBytes(doc, "people").ForEach(func(k, p gjson.Result) bool {
			if p.Get("id").String() == id {
				i = int(k.Int())
				return false
			}
			return true
		})
		if i >= 0 {
			var err error
			if doc, err = sjson.DeleteBytes(slices.Clone(doc), fmt.Sprintf("people.%d", i)); err != nil {
				return nil, err
			}
		}
	}
	return doc, nil
}

// persist makes the directory's state durable (its version, top level, agencies and claims).
func (d *directoryWriter) persist() error {
	return d.record(Record{Version: d.version.Load()}, d.top, d.order)
}

func (d *directoryWriter) record(r Record, top []byte, order []string) error {
	claims := []*claim{}
	for _, a := range order {
		if c := d.pending[a]; c != nil {
			claims = append(claims, c)
		}
	}
	agencies, err := json.Marshal(order)
	if err != nil {
		return err
	}
	pending, err := json.Marshal(claims)
	if err != nil {
		return err
	}
	// dirState written out by hand: the top level is a document already, which json.Marshal
	// would read through again on every claim
	st := make([]byte, 0, len(top)+len(agencies)+len(pending)+32)
	st = append(append(append(st, `{"top":`...), top...), `,"agencies":`...)
	st = append(append(append(append(st, agencies...), `,"claims":`...), pending...), '}')
	r.State = st
	if err := d.journal.Record(r); err != nil {
		return fmt.Errorf("the directory could not store its state: %w", err)
	}
	return nil
}

// lockOn is the pending claim of another agency than a that locks one of keys, if any.
func (d *directoryWriter) lockOn(a string, keys []string) *claim {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, k := range keys {
		if c := d.locks[k]; c != nil && c.Agency != a {
			return c
		}
	}
	return nil
}

// claimWait is how long a batch waits for another agency's claim on what it reads.
const claimWait = 5 * time.Second

// codeBusy refuses a batch that waited too long for another agency's claim.
const codeBusy = "busy"

// readKeys are the keys a batch reads from other shards: every id it names (a principal's too:
// "user:p-1" names p-1), the logins of people it would create, its actor, and anyKey.
func readKeys(batch []byte) []string {
	set := map[string]bool{anyKey: true}
	if actor := gjson.GetBytes(batch, "actor").String(); actor != "" {
		set[actor] = true
	}
	var walk func(key string, v gjson.Result)
	walk = func(key string, v gjson.Result) {
		switch {
		case v.IsObject():
			v.ForEach(func(k, x gjson.Result) bool { walk(k.Str, x); return true })
		case v.IsArray():
			v.ForEach(func(_, x gjson.Result) bool { walk(key, x); return true })
		case v.Type == gjson.String && key == "nt_account":
			set[loginKey(v.Str)] = true
		case v.Type == gjson.String:
			set[v.Str] = true
			if _, id, ok := strings.Cut(v.Str, ":"); ok {
				set[id] = true
			}
		}
	}
	walk("", gjson.GetBytes(batch, "edits"))
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// loginKey is the key of an NT login (compared without regard to case, SPEC §1).
func loginKey(nt string) string { return "login:" + strings.ToLower(nt) }

// changedKeys are the keys a batch changed in an agency (before → after): the people whose
// records there changed, the units and groups that changed, appeared or went, the pages that
// appeared or went.
func changedKeys(before, after agencyThin) []string {
	b, a := footprint(before), footprint(after)
	set := map[string]bool{}
	for k, v := range b {
		if a[k] != v {
			set[k] = true
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			set[k] = true
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// footprint maps each key of an agency others read to what they read of it.
func footprint(t agencyThin) map[string]string {
	out := map[string]string{}
	doc := gjson.ParseBytes(t.thin)
	doc.Get("staff").ForEach(func(_, r gjson.Result) bool {
		out[r.Get("person").String()] += r.Raw + "\n"
		return true
	})
	for _, list := range []string{"units", "groups"} {
		doc.Get(list).ForEach(func(_, x gjson.Result) bool {
			out[x.Get("id").String()] = x.Raw
			return true
		})
	}
	for _, p := range t.pages {
		out[p] = "page"
	}
	return out
}
