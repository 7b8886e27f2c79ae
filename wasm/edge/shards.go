package edge

import (
	"container/list"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/connsec/connsec/evaluator"
)

// ShardSource is what a sharded reader asks the writers: the newest versions, the directory
// index, and one agency's shard document (AgencyShard), each with the versions of the state
// it was cut from; and for the administrator's export (SPEC §10, export.go) the pieces of
// the whole document at one state. The Ledger is one.
type ShardSource interface {
	Newest(ctx context.Context) (Versions, bool, error)
	Directory(ctx context.Context) (*DirectoryIndex, Versions, error)
	AgencyShard(ctx context.Context, agency string) ([]byte, Versions, error)
	// ExportHead is the directory's piece of the export at the state at: the document
	// without its agencies' objects. ErrExportMoved when the writer is no longer at that
	// state and does not keep it.
	ExportHead(ctx context.Context, at Versions) (*ExportHead, error)
	// ExportAgency is the agency's object in the document at the state at, to be read in
	// chunks; ErrExportMoved when that state is no longer kept.
	ExportAgency(ctx context.Context, agency string, at Versions) (io.ReadCloser, error)
}

// Shards is a read model of agency shards (README "The edge"): it keeps the directory index
// and, within a memory budget, the read models (LoadForReading) of the agencies it was asked
// about, evicting the least recently used. Each request is answered by the shards that can
// answer it exactly as the whole snapshot does (RULES.md §10.3), all of them at one state:
// the state of the directory it holds, at least as new as the request's consistency token.
type Shards struct {
	Source ShardSource
	Fresh  time.Duration    // how long the state is used before the writers are asked again
	Now    func() time.Time // nil: time.Now
	Budget int64            // bytes of agency models kept; 0: DefaultShardBudget
	// Factor estimates a model's bytes from its document's length; 0: DefaultShardFactor.
	Factor float64
	// Loaded is called after a model was loaded and the budget kept (the worker tunes its
	// collector to what is live); nil: nothing.
	Loaded func()

	mu      sync.Mutex
	dir     *DirectoryIndex
	state   Versions // the state of dir: every model an answer reads is cut from it
	checked time.Time
	asking  int                      // requests asking the writers for a newer state
	models  map[string]*list.Element // agency → its *agencyModel in lru
	lru     list.List                // front: the most recently used
	used    int64
	loads   int64
	evicted int64
}

// DefaultShardBudget is the memory kept for agency models when Budget is 0.
const DefaultShardBudget = 64 << 20

// DefaultShardFactor is a model's heap per byte of its shard document, measured with
// TestShardModelSizeFactor: every agency of the state profile at 0.02, loaded for reading,
// took 7.9 bytes per document byte (a shard's catalog and people compile into indexes larger
// than their text).
const DefaultShardFactor = 8.0

type agencyModel struct {
	agency string
	m      *evaluator.Model
	v      Versions  // the state its document was cut from
	doc    int       // the document's bytes
	from   string    // how the document came (ShardFrom), when the source says
	size   int64     // estimated heap bytes
	used   time.Time // when an answer last read it
}

// ShardFrom is a ShardSource in another instance than the writers that says how the shard
// it gave last for an agency came: "agency" when taken from the agency's own object, which
// keeps a long one for the reader (edge.ShardTicket), "directory" when the directory's object
// carried it on. /v1/readers reports it with each model.
type ShardFrom interface {
	ShardFrom(agency string) string
}

// errMoved: a writer moved on while a request gathered its shards; it starts again.
var errMoved = fail(http.StatusServiceUnavailable, codeFailed, "the state moved on three times while this request was answered; ask again")

// view is one request's state: the directory and the models it read, all of one state.
type view struct {
	s   *Shards
	ctx context.Context
	dir *DirectoryIndex
	v   Versions
}

// at answers f on a view of the state atLeast names or newer, starting again (three times at
// most) when a writer moved on while f gathered its shards.
func (s *Shards) at(ctx context.Context, atLeast Versions, f func(*view) error) (Versions, error) {
	for try := 0; try < 3; try++ {
		w, err := s.begin(ctx, atLeast, try > 0)
		if err != nil {
			return Versions{}, err
		}
		if err := f(w); err != errMoved {
			return w.v, err
		}
	}
	return Versions{}, errMoved
}

func (s *Shards) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// begin makes sure the directory is of the newest state when it is older than Fresh, or
// does not cover atLeast, or (again) a model was cut from another state.
//
// The writers are asked without the mutex held: in workerd a request that waits on another
// request's fetch is cancelled as hung, so two requests may ask at once, and the newer
// directory is kept. A directory that is only older than Fresh is used while another request
// asks for a newer one (so that requests in flight do not each fetch an index of their own);
// one that does not cover atLeast, or that a model was cut from another state of, never.
func (s *Shards) begin(ctx context.Context, atLeast Versions, again bool) (*view, error) {
	s.mu.Lock()
	dir, state := s.dir, s.state
	must := dir == nil || again || !state.Covers(atLeast)
	if !must && (s.now().Sub(s.checked) < s.Fresh || s.asking > 0) {
		s.mu.Unlock()
		return &view{s: s, ctx: ctx, dir: dir, v: state}, nil
	}
	s.asking++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.asking--
		s.mu.Unlock()
	}()
	newest, seeded, err := s.Source.Newest(ctx)
	if err != nil {
		return nil, err
	}
	if !seeded {
		return nil, ErrNotSeeded
	}
	if !newest.Covers(atLeast) {
		return nil, VersionAhead(atLeast, newest)
	}
	if dir == nil || newest.String() != state.String() {
		if dir, state, err = s.Source.Directory(ctx); err != nil {
			return nil, err
		}
		if !state.Covers(atLeast) {
			return nil, VersionAhead(atLeast, state)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// another request may have kept a newer directory meanwhile: the newer one stays
	if s.dir == nil || s.dir == dir || !s.state.Covers(state) {
		s.dir, s.state = dir, state
	}
	s.checked = s.now()
	return &view{s: s, ctx: ctx, dir: dir, v: state}, nil
}

// model is agency a's read model at the view's state: kept, or cut by the writer and loaded
// for reading, then kept within the budget.
func (w *view) model(a string) (*evaluator.Model, error) {
	s := w.s
	s.mu.Lock()
	if e, ok := s.models[a]; ok {
		am := e.Value.(*agencyModel)
		if am.v.String() == w.v.String() {
			s.lru.MoveToFront(e)
			am.used = s.now()
			s.mu.Unlock()
			return am.m, nil
		}
		s.drop(e)
	}
	s.mu.Unlock()
	doc, v, err := s.Source.AgencyShard(w.ctx, a)
	if err != nil {
		return nil, err
	}
	if v.String() != w.v.String() {
		return nil, errMoved
	}
	from := ""
	if f, ok := s.Source.(ShardFrom); ok {
		from = f.ShardFrom(a)
	}
	size := int64(float64(len(doc)) * s.factor())
	n := len(doc)
	m, err := evaluator.LoadForReading(doc)
	if err != nil {
		return nil, fail(http.StatusInternalServerError, codeFailed, "the writers' shard of %s at %s does not load (%v); the service cannot answer about it until it does", a, v, err)
	}
	s.keep(&agencyModel{agency: a, m: m, v: v, doc: n, from: from, size: size, used: s.now()})
	if s.Loaded != nil {
		s.Loaded()
	}
	return m, nil
}

// keep holds a model just loaded, evicting the least recently used past the budget; the
// model just loaded stays while it answers.
func (s *Shards) keep(am *agencyModel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.models[am.agency]; ok { // loaded meanwhile by another request
		s.drop(e)
	}
	if s.models == nil {
		s.models = map[string]*list.Element{}
	}
	s.models[am.agency] = s.lru.PushFront(am)
	s.used += am.size
	s.loads++
	for s.used > s.budget() && s.lru.Len() > 1 {
		s.drop(s.lru.Back())
		s.evicted++
	}
}

func (s *Shards) drop(e *list.Element) {
	am := s.lru.Remove(e).(*agencyModel)
	delete(s.models, am.agency)
	s.used -= am.size
}

func (s *Shards) budget() int64 {
	if s.Budget == 0 {
		return DefaultShardBudget
	}
	return s.Budget
}

func (s *Shards) factor() float64 {
	if s.Factor == 0 {
		return DefaultShardFactor
	}
	return s.Factor
}

// ShardStats is what GET /v1/readers reports: how the AuthZEN routes read ("shards", or
// "whole" when they read the whole model), the models held, most recently used first, with
// their estimated sizes and last use, the budget, and the module's memory.
type ShardStats struct {
	Reader    string       `json:"reader"`
	State     string       `json:"version"`
	Budget    int64        `json:"budget_bytes"`
	Used      int64        `json:"used_bytes"`
	Directory int64        `json:"directory_bytes"`
	Loads     int64        `json:"loads"`
	Evictions int64        `json:"evictions"`
	Models    []ModelStats `json:"models"`
	Memory    MemoryStats  `json:"memory"`
	// WholeModel: the reader also holds the whole state's model, loaded by a route that still
	// reads it (what-if, suggest, the administrator's whole snapshot; README "The edge").
	WholeModel bool `json:"whole_model"`
}

type ModelStats struct {
	Agency   string `json:"agency"`
	Version  string `json:"version"`
	DocBytes int    `json:"document_bytes"`
	From     string `json:"from,omitempty"` // ShardFrom: "agency" or "directory"
	Bytes    int64  `json:"estimated_bytes"`
	LastUsed string `json:"last_used"` // RFC 3339, UTC
}

// MemoryStats is the Go runtime's view of the module's memory; in WebAssembly, Sys is what
// the runtime took of the linear memory, which never shrinks.
type MemoryStats struct {
	HeapLive  uint64 `json:"heap_live_bytes"` // what the last collection found still in use
	HeapAlloc uint64 `json:"heap_alloc_bytes"`
	HeapInuse uint64 `json:"heap_inuse_bytes"`
	Sys       uint64 `json:"sys_bytes"`
	NumGC     uint32 `json:"gc_cycles"`
}

// memoryStats reads the runtime's memory statistics (they stop the world for a moment).
func memoryStats() MemoryStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	st := MemoryStats{HeapAlloc: ms.HeapAlloc, HeapInuse: ms.HeapInuse, Sys: ms.Sys, NumGC: ms.NumGC}
	if live[0].Value.Kind() == metrics.KindUint64 {
		st.HeapLive = live[0].Value.Uint64()
	}
	return st
}

// Stats reports the models held and the memory.
func (s *Shards) Stats() ShardStats {
	mem := memoryStats()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := ShardStats{Reader: "shards", State: s.state.String(), Budget: s.budget(), Used: s.used, Loads: s.loads, Evictions: s.evicted, Models: []ModelStats{}, Memory: mem}
	if s.dir != nil {
		st.Directory = s.dir.Size()
	}
	for e := s.lru.Front(); e != nil; e = e.Next() {
		am := e.Value.(*agencyModel)
		st.Models = append(st.Models, ModelStats{Agency: am.agency, Version: am.v.String(), DocBytes: am.doc, From: am.from, Bytes: am.size, LastUsed: am.used.UTC().Format(time.RFC3339)})
	}
	return st
}

// anyModel answers a request whose error does not depend on which shard is asked: a
// subject, resource or day the state does not have, an action that does not fit. It is the
// first agency's shard (or the subject's first, when known).
func (w *view) anyModel(p *dirPerson) (*evaluator.Model, error) {
	if p != nil {
		if kept := w.dir.keptBy(p); len(kept) > 0 {
			return w.model(w.dir.Agencies[kept[0]])
		}
	}
	if len(w.dir.Agencies) == 0 {
		return nil, fail(http.StatusServiceUnavailable, codeNotSeeded, "the snapshot has no agency, so there is nothing to decide on")
	}
	return w.model(w.dir.Agencies[0])
}

// standIn is a person agency a's shard keeps, to ask it a request of a subject it does not
// keep: only whether the request is in error is read (resolving a request does not depend
// on its subject).
func (w *view) standIn(a uint16) string {
	for i := range w.dir.people {
		if w.dir.keeps(&w.dir.people[i], a) {
			return w.dir.people[i].id
		}
	}
	return ""
}

// notKept is the answer for a subject agency a's shard does not keep: no record there, named
// by nothing of it, no system function, not an administrator: allowed nothing there (RULES.md
// §10.3), level none on a page. Its one reason, not_in_agency, is the directory's, since the
// shard does not hold the person to word the whole's.
func (d *DirectoryIndex) notKept(p *dirPerson, a uint16, page bool) evaluator.Decision {
	who, agency := label(p.name, p.id), label(d.agencyNames[a], d.Agencies[a])
	r := evaluator.Reason{Kind: "not_in_agency", Message: fmt.Sprintf("%s has no staff record in %s and nothing there names them (no security entry, group, role, page owner or manager), and they hold no business function of system scope, so they have no access to its pages, its units or the agency itself", who, agency)}
	dec := evaluator.Decision{Reasons: []evaluator.Reason{r}}
	if page {
		dec.Level = evaluator.LevelNone
	}
	return dec
}

// Check answers a request as the whole snapshot's Check does (RULES.md §10.3): a page, unit or
// agency is asked of its agency's shard; a capability on a person of the shard of each agency
// where the target has a record, allowed when one of them allows.
func (s *Shards) Check(ctx context.Context, atLeast Versions, r evaluator.Request) (d evaluator.Decision, v Versions, err error) {
	v, err = s.at(ctx, atLeast, func(w *view) error {
		d, err = w.check(r, false)
		return err
	})
	return d, v, err
}

// Allowed is Check without reasons.
func (s *Shards) Allowed(ctx context.Context, atLeast Versions, r evaluator.Request) (ok bool, v Versions, err error) {
	v, err = s.at(ctx, atLeast, func(w *view) error {
		d, err := w.check(r, true)
		ok = d.Allowed
		return err
	})
	return ok, v, err
}

func (w *view) check(r evaluator.Request, brief bool) (evaluator.Decision, error) {
	ask := func(m *evaluator.Model, r evaluator.Request) (evaluator.Decision, error) {
		if brief {
			ok, err := m.Allowed(r)
			return evaluator.Decision{Allowed: ok}, err
		}
		return m.Check(r)
	}
	p := w.dir.person(r.Subject)
	typ, id, _ := strings.Cut(r.Resource, ":")
	var shards []uint16
	if typ == "person" {
		if t := w.dir.person(id); t != nil {
			shards = w.dir.targetShards(t)
		}
	} else if a := w.dir.agencyOf(r.Resource); a != "" {
		shards = []uint16{w.dir.agencyIndex(a)}
	}
	if p == nil || len(shards) == 0 { // an unknown subject or resource: any shard words the error
		m, err := w.anyModel(p)
		if err != nil {
			return evaluator.Decision{}, err
		}
		return ask(m, r)
	}
	var deny *evaluator.Decision
	for _, a := range shards {
		if !w.dir.keeps(p, a) {
			continue
		}
		m, err := w.model(w.dir.Agencies[a])
		if err != nil {
			return evaluator.Decision{}, err
		}
		d, err := ask(m, r)
		if err != nil || d.Allowed {
			return d, err
		}
		if deny == nil {
			deny = &d
		}
	}
	if deny != nil {
		return *deny, nil
	}
	// no shard asked keeps the subject: whether the request is in error is asked of the first
	// with a stand-in; otherwise the subject is allowed nothing there
	m, err := w.model(w.dir.Agencies[shards[0]])
	if err != nil {
		return evaluator.Decision{}, err
	}
	stand := r
	stand.Subject = w.standIn(shards[0])
	if _, err := m.Allowed(stand); err != nil {
		return evaluator.Decision{}, err
	}
	return w.dir.notKept(p, shards[0], typ == "page"), nil
}

func (d *DirectoryIndex) agencyIndex(a string) uint16 {
	return uint16(slices.Index(d.Agencies, a))
}

// Who lists everyone allowed the action on the resource, as the whole's Who: a page, unit or
// agency from its agency's shard (a person it does not keep is allowed nothing there); a
// person target from the shards of the agencies where they have records, merged.
func (s *Shards) Who(ctx context.Context, atLeast Versions, action, resource, asOf string) (rows []evaluator.Access, v Versions, err error) {
	v, err = s.at(ctx, atLeast, func(w *view) error {
		rows, err = w.Who(action, resource, asOf)
		return err
	})
	return rows, v, err
}

// Who is Shards.Who at the view's state.
func (w *view) Who(action, resource, asOf string) ([]evaluator.Access, error) {
	typ, id, _ := strings.Cut(resource, ":")
	var shards []uint16
	if typ == "person" {
		if t := w.dir.person(id); t != nil {
			shards = w.dir.targetShards(t)
		}
	} else if a := w.dir.agencyOf(resource); a != "" {
		shards = []uint16{w.dir.agencyIndex(a)}
	}
	if len(shards) == 0 {
		m, err := w.anyModel(nil)
		if err != nil {
			return nil, err
		}
		return m.Who(action, resource, asOf)
	}
	var out []evaluator.Access
	seen := map[string]bool{}
	for _, a := range shards {
		m, err := w.model(w.dir.Agencies[a])
		if err != nil {
			return nil, err
		}
		rows, err := m.Who(action, resource, asOf)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			if !seen[row.Person] {
				seen[row.Person] = true
				out = append(out, row)
			}
		}
	}
	if len(shards) > 1 {
		slices.SortFunc(out, func(a, b evaluator.Access) int { return strings.Compare(a.Person, b.Person) })
	}
	if out == nil {
		out = []evaluator.Access{}
	}
	return out, nil
}

// What lists every page on which the person is allowed the action, in the whole snapshot's
// order: the rows of each agency whose shard keeps them, agency after agency.
func (s *Shards) What(ctx context.Context, atLeast Versions, person, action, asOf string) (rows []evaluator.Access, v Versions, err error) {
	v, err = s.at(ctx, atLeast, func(w *view) error {
		rows, err = w.What(person, action, asOf)
		return err
	})
	return rows, v, err
}

// What is Shards.What at the view's state.
func (w *view) What(person, action, asOf string) ([]evaluator.Access, error) {
	p := w.dir.person(person)
	kept := []uint16{}
	if p != nil {
		kept = w.dir.keptBy(p)
	}
	if len(kept) == 0 { // unknown, or kept nowhere: any shard says whether the request is in error
		m, err := w.anyModel(nil)
		if err != nil {
			return nil, err
		}
		if p != nil {
			person = w.standIn(0)
		}
		if _, err := m.What(person, action, asOf); err != nil {
			return nil, err
		}
		return []evaluator.Access{}, nil
	}
	out := []evaluator.Access{}
	for _, a := range kept {
		m, err := w.model(w.dir.Agencies[a])
		if err != nil {
			return nil, err
		}
		rows, err := m.What(person, action, asOf)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// Resources lists the ids of one sort (page, unit, agency, person) on which the subject is
// allowed the action, in snapshot order, as the whole's search of resources: the first id is
// asked as Check routes it (so an error is the whole's), the others only of the shards that
// keep the subject, the one place they can be allowed.
func (s *Shards) Resources(ctx context.Context, atLeast Versions, subject, action, sort, asOf string) (ids []string, v Versions, err error) {
	v, err = s.at(ctx, atLeast, func(w *view) error {
		ids, err = w.Resources(subject, action, sort, asOf)
		return err
	})
	return ids, v, err
}

// Resources is Shards.Resources at the view's state.
func (w *view) Resources(subject, action, sort, asOf string) ([]string, error) {
	if sort == "page" {
		return pagesOf(w.What(subject, action, asOf))
	}
	out := []string{}
	p := w.dir.person(subject)
	type cand struct {
		id     string
		shards []uint16
	}
	var all []cand
	for a := range w.dir.Agencies {
		switch sort {
		case "agency":
			all = append(all, cand{w.dir.Agencies[a], []uint16{uint16(a)}})
		case "unit":
			for _, u := range w.dir.units[a] {
				all = append(all, cand{u, []uint16{uint16(a)}})
			}
		}
	}
	if sort == "person" {
		for i := range w.dir.people {
			all = append(all, cand{w.dir.people[i].id, w.dir.targetShards(&w.dir.people[i])})
		}
	}
	for i, c := range all {
		if i > 0 && (p == nil || !slices.ContainsFunc(c.shards, func(a uint16) bool { return w.dir.keeps(p, a) })) {
			continue // allowed nothing where no shard keeps the subject
		}
		d, err := w.check(evaluator.Request{Subject: subject, Action: action, Resource: sort + ":" + c.id, AsOf: asOf}, true)
		if err != nil {
			return nil, err
		}
		if d.Allowed {
			out = append(out, c.id)
		}
	}
	return out, nil
}

// Actions lists every action the subject is allowed on the resource, as the whole's search of
// actions: read, edit, manage_security and the create rights on a page; the capabilities of
// the catalog on a unit, agency or person.
func (s *Shards) Actions(ctx context.Context, atLeast Versions, subject, resource, asOf string) (actions []string, v Versions, err error) {
	v, err = s.at(ctx, atLeast, func(w *view) error {
		actions, err = w.Actions(subject, resource, asOf)
		return err
	})
	return actions, v, err
}

// A view is a reading of one state (reading.go) for the AuthZEN routes (SPEC §10): who a
// caller is comes from the directory index, every answer from the agency models cut from that
// state, routed as RULES.md §10.3 says.

// Check is one decision with its reasons, as the whole model's Check.
func (w *view) Check(r evaluator.Request) (evaluator.Decision, error) { return w.check(r, false) }

// Actions lists the actions the subject is allowed on the resource, as on the whole model.
func (w *view) Actions(subject, resource, asOf string) ([]string, error) {
	return actionsOn(w.Check, w.dir.caps, subject, resource, asOf)
}

// Standing is the person's standing from the directory index (who may ask, SPEC §10).
func (w *view) Standing(person string) (evaluator.Standing, error) { return w.dir.Standing(person) }

// AgencyOf is the agency of an agency, unit, group or page id, from the directory index.
func (w *view) AgencyOf(id string) string { return w.dir.AgencyOf(id) }
