package evaluator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Refusal codes of coordinator edits (SPEC §5), besides those of §2.
const (
	CodeNotAuthorized    = "not_authorized"
	CodeActiveElsewhere  = "active_elsewhere"
	CodeAlreadyStaff     = "already_staff"
	CodeUnitNotEmpty     = "unit_not_empty"
	CodeNotEmpty         = "not_empty"
	CodeLastCoordinator  = "last_coordinator"
	CodeStaffStillActive = "staff_still_active"
	CodeCrossAgency      = "cross_agency"
	CodePersonIDInactive = "person_id_inactive"
	CodeNotApplicable    = "not_applicable"
	CodeNotSecurable     = "not_securable"
	CodeInUse            = "in_use"
	CodeNoTemporaryUnit  = "no_temporary_unit"
	CodeVersionConflict  = "version_conflict"
)

// EditError refuses an edit batch (SPEC §5): the code, the index of the first failing edit
// (-1 for the batch itself), the JSON path inside the batch and a message for the coordinator.
// A not_authorized refusal names in Could the people who could make the edit (§11 of the
// rules), coordinators or those with the page right first, administrators last.
type EditError struct {
	Code    string            `json:"code"`
	Index   int               `json:"index"`
	Path    string            `json:"path"`
	Message string            `json:"message"`
	Could   []SuggestionActor `json:"could,omitempty"`
}

func (e *EditError) Error() string {
	if e.Path == "" {
		return e.Code + ": " + e.Message
	}
	return e.Path + ": " + e.Code + ": " + e.Message
}

// AuditEntry records an applied batch: the version it made, who acted, when, and the edits
// as they were sent.
type AuditEntry struct {
	Version int64           `json:"version"`
	Actor   string          `json:"actor"`
	Time    string          `json:"time"`
	Edits   json.RawMessage `json:"edits"`
}

// Notification tells a worker that their business function profile changed (SPEC §5.9):
// what was added and removed, each a line of the profile ("function CPS_CASEWORKER",
// "case.view — unit CPS Intake 1 (u-cps1) and the workers in-assigned there").
type Notification struct {
	Person  string   `json:"person"`
	Version int64    `json:"version"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// Applied is the outcome of an accepted batch: the new model (the old one is untouched), its
// audit entry and the notifications it raised.
type Applied struct {
	Model         *Model
	Audit         AuditEntry
	Notifications []Notification
}

// Apply applies an edit batch `{"actor", "base_version", "edits": […]}` (SPEC §5) at the
// given time. The batch is atomic: the first failing edit refuses it with an *EditError and
// nothing changes. Each edit is authorized against the state the edits before it left. An
// omitted base_version applies to the current version.
func (m *Model) Apply(batch []byte, at time.Time) (*Applied, error) {
	b, err := parseBatch(batch)
	if err != nil {
		return nil, err
	}
	ch := &changeSet{}
	next, err := m.applyEdits(b, ch)
	if err != nil {
		return nil, err
	}
	applied := &Applied{Model: next, Audit: AuditEntry{Version: next.snap.Version, Actor: b.actor,
		Time: at.UTC().Format(time.RFC3339), Edits: json.RawMessage(b.edits.Raw)}}
	applied.Notifications = m.notifications(next, m.changedPeopleAfter(next, ch))
	return applied, nil
}

// Snapshot is the snapshot document of this model, as loaded or as edits left it: unknown
// fields and the order of what no edit touched are kept. After edits, the document is written
// out the first time it is asked for.
//
// A model loaded with LoadForReading keeps no document: its Snapshot is nil.
func (m *Model) Snapshot() []byte {
	if len(m.patches) == 0 && (m.spans == nil || len(m.spans.cuts) == 0) {
		return m.raw
	}
	m.doc.once.Do(func() { m.doc.raw, _ = m.spans.write(m.raw, m.patches, false) })
	return m.doc.raw
}

type batch struct {
	actor   string
	base    int64
	hasBase bool
	edits   gjson.Result
	// trial: the model the batch makes is only compared with this one (WhatIf) and then
	// dropped, so its document is never written out
	trial bool
}

func parseBatch(data []byte) (*batch, error) {
	if !gjson.ValidBytes(data) {
		return nil, &EditError{Code: CodeInvalidValue, Index: -1, Message: "the batch is not a JSON document" + syntaxHint(data)}
	}
	doc := gjson.ParseBytes(data)
	if !doc.IsObject() {
		return nil, &EditError{Code: CodeInvalidValue, Index: -1, Message: "a batch is an object {\"actor\", \"base_version\", \"edits\"}"}
	}
	b := &batch{}
	if a := doc.Get("actor"); a.Type != gjson.String || a.Str == "" {
		return nil, &EditError{Code: CodeInvalidValue, Index: -1, Path: "actor", Message: "the batch needs the actor: the person making the edits"}
	} else {
		b.actor = a.Str
	}
	if v := doc.Get("base_version"); v.Exists() && v.Type != gjson.Null {
		n, err := strconv.ParseInt(v.Raw, 10, 64)
		if v.Type != gjson.Number || err != nil || n < 0 {
			return nil, &EditError{Code: CodeInvalidValue, Index: -1, Path: "base_version", Message: "base_version is the whole number of the version the batch was made on"}
		}
		b.base, b.hasBase = n, true
	}
	b.edits = doc.Get("edits")
	if !b.edits.IsArray() {
		return nil, &EditError{Code: CodeInvalidValue, Index: -1, Path: "edits", Message: "edits must be a list of edits"}
	}
	return b, nil
}

// applyEdits runs a parsed batch; the result's version is one more than m's.
// ch, when given, is told what the edits changed.
func (m *Model) applyEdits(b *batch, ch *changeSet) (*Model, error) { return m.applyBatch(b, true, ch) }

// applyBatch runs a parsed batch. With incremental, an edit that only rewrites fields of
// elements is applied to the model (edit_incremental.go); otherwise, and for every other
// edit, the edited document is loaded again, so that an edited snapshot passes exactly the
// rules of a loaded one.
func (m *Model) applyBatch(b *batch, incremental bool, ch *changeSet) (*Model, error) {
	if m.readOnly() {
		return nil, readOnlyError(", so it cannot be edited here: open it for editing to try or make a change")
	}
	if b.hasBase && b.base != m.snap.Version {
		return nil, &EditError{Code: CodeVersionConflict, Index: -1, Path: "base_version",
			Message: fmt.Sprintf("the batch was made on version %d, but the snapshot is at version %d now: look at the changes since, then make the batch again", b.base, m.snap.Version)}
	}
	cur := m
	i := 0
	var failed *EditError
	b.edits.ForEach(func(_, op gjson.Result) bool {
		next, err := cur.applyEdit(b.actor, i, op, incremental, ch)
		if err != nil {
			failed = err
			return false
		}
		cur = next
		i++
		return true
	})
	if failed != nil {
		return nil, failed
	}
	version := m.snap.Version + 1
	// The version is the only change from cur, which is already validated and compiled: a
	// copy with the new version and document, so no model anyone holds changes.
	next := *cur
	next.lint = m.lintCacheAfter(ch)
	snap := *cur.snap
	snap.Version = version
	next.snap = &snap
	if cur.spans != nil && cur.spans.version.start >= 0 {
		patches := make(map[segKey][]byte, len(cur.patches)+1)
		for k, v := range cur.patches {
			patches[k] = v
		}
		patches[segKey{sort: segVersion}] = strconv.AppendInt(nil, version, 10)
		next.patches, next.doc = patches, &docCache{}
		// write the document out now and then, so that edits never copy many patches; a trial's
		// model is dropped, and writing out the document of one that propagated a default
		// section to 5,000 pages of the largest agency took 28 MB
		if len(patches) > maxPatches && !b.trial {
			next.raw, next.spans = cur.spans.assemble(cur.raw, patches)
			next.patches = nil
		}
		return &next, nil
	}
	raw, err := sjson.SetBytes(cur.Snapshot(), "version", version)
	if err != nil {
		return nil, &EditError{Code: CodeInvalidValue, Index: -1, Message: "the snapshot's version could not be written: " + err.Error()}
	}
	next.raw, next.spans, next.patches = raw, nil, nil
	return &next, nil
}

// maxPatches is how many rewritten segments a model keeps before its document is written out
// (a variable so that tests write it out often).
var maxPatches = 512

// docCache holds a model's document once written out from its patches.
type docCache struct {
	once sync.Once
	raw  []byte
}

// clone copies a document before sjson writes into it, so that no model's bytes change.
func clone(b []byte) []byte { return append([]byte(nil), b...) }

// applyEdit applies one edit to m, giving the next model.
func (m *Model) applyEdit(actor string, i int, op gjson.Result, incremental bool, ch *changeSet) (*Model, *EditError) {
	e := &edit{m: m, index: i, op: op, day: m.snap.AsOf, reloadPath: ""}
	// an element's bytes can be rewritten on their own when the loader located them, and the
	// model judges the document's own day (a model moved to another day by a scenario reloads)
	e.whole = !incremental || m.spans == nil || m.spans.asOf != m.snap.AsOf
	if e.whole {
		e.raw = m.Snapshot()
	}
	if !op.IsObject() {
		return nil, e.failAt("", CodeInvalidValue, "an edit is an object with its op and fields")
	}
	name := op.Get("op")
	run, ok := ops[name.Str]
	if name.Type != gjson.String || !ok {
		return nil, e.failAt("op", CodeInvalidValue, "%s is not an edit; the edits are %s", describe(name), strings.Join(opNames(), ", "))
	}
	a, known := m.personIdx[actor]
	if !known {
		return nil, &EditError{Code: CodeUnknownReference, Index: i, Path: "actor", Message: fmt.Sprintf("no person has the id %q", actor)}
	}
	e.actor = a
	run(e)
	e.activeActor() // whatever the op: no edit passes "who may make it" with an inactive actor
	if e.err != nil {
		return nil, e.err
	}
	if !e.changed {
		return m, nil
	}
	if !e.whole && (len(e.added) > 0 || len(e.removed) > 0) {
		next, p, ok := m.withStructure(e)
		if ok && p == nil {
			ch.addStructure(m, next, e)
			return next, nil
		}
		if ok {
			return nil, e.failAt(e.reloadPath, p.Code, "this edit would leave the snapshot wrong: %s (at %s)", p.Message, p.Path)
		}
		e.toWhole()
	}
	if !e.whole {
		next, p, ok := m.withSegments(e.segs)
		if ok && p == nil {
			ch.add(m, next, e.segs)
			return next, nil
		}
		if ok {
			return nil, e.failAt(e.reloadPath, p.Code, "this edit would leave the snapshot wrong: %s (at %s)", p.Message, p.Path)
		}
		e.toWhole() // the edit changes more than fields: load the document it leaves
	}
	next, err := Load(e.raw)
	if err != nil {
		p := err.(*SnapshotError).Problems[0]
		return nil, e.failAt(e.reloadPath, p.Code, "this edit would leave the snapshot wrong: %s (at %s)", p.Message, p.Path)
	}
	ch.addReload()
	return next.onDay(m.snap.AsOf.String()), nil
}

// edit is one edit being judged and written: the first failure is kept in err, and every
// reader below does nothing once there is one, so an op reads as a list of its checks.
type edit struct {
	m       *Model // the state before this edit
	actor   int32
	day     Date
	index   int
	op      gjson.Result
	changed bool
	err     *EditError
	// The edit writes into the segments of m's document (segs: their new bytes) while every
	// path it writes or reads falls in one; otherwise (whole) into the whole document, raw.
	whole      bool
	segs       map[segKey][]byte
	raw        []byte
	reloadPath string // where a problem found only by reloading is reported
	// An edit that adds or removes elements (edit_structure.go) writes the document as spans
	// and patches say it is then (nil: m's), and keeps what it added and removed, in order.
	spans   *docSpans
	patches map[segKey][]byte
	added   []segKey
	removed []segKey
}

func (e *edit) ok() bool { return e.err == nil }

func (e *edit) path(key string) string { return field(index("edits", e.index), key) }

func (e *edit) failAt(key, code, format string, args ...any) *EditError {
	if e.err == nil {
		p := index("edits", e.index)
		if key != "" {
			p = field(p, key)
		}
		e.err = &EditError{Code: code, Index: e.index, Path: p, Message: fmt.Sprintf(format, args...)}
	}
	return e.err
}

// segment is the current bytes of a segment of the document, as this edit may change them.
func (e *edit) segment(k segKey) []byte {
	if b, ok := e.segs[k]; ok {
		return b
	}
	if b, ok := e.donePatches()[k]; ok {
		return b
	}
	at := e.docSpans().spanOf(k)
	return e.m.raw[at.start:at.end:at.end]
}

// docSpans and donePatches are the spans of the document and the segments the batch rewrote
// before this edit, as this edit leaves their places.
func (e *edit) docSpans() *docSpans {
	if e.spans != nil {
		return e.spans
	}
	return e.m.spans
}

func (e *edit) donePatches() map[segKey][]byte {
	if e.spans != nil {
		return e.patches
	}
	return e.m.patches
}

// toWhole moves the edit to writing the whole document: the document with what the batch and
// this edit have written so far.
func (e *edit) toWhole() {
	if e.whole {
		return
	}
	done := e.donePatches()
	patches := make(map[segKey][]byte, len(done)+len(e.segs))
	for k, v := range done {
		patches[k] = v
	}
	for k, v := range e.segs {
		patches[k] = v
	}
	if d := e.docSpans(); len(patches) == 0 && len(d.cuts) == 0 {
		e.raw = e.m.raw
	} else {
		e.raw, _ = d.write(e.m.raw, patches, false)
	}
	e.whole, e.segs = true, nil
	e.spans, e.patches, e.added, e.removed = nil, nil, nil, nil
}

// read reads the document at an sjson path, as this edit has left it.
func (e *edit) read(path string) gjson.Result {
	if !e.whole {
		if k, rest, ok := e.docSpans().route(path); ok {
			if rest == "" {
				return gjson.ParseBytes(e.segment(k))
			}
			return gjson.GetBytes(e.segment(k), rest)
		}
		if strings.HasPrefix(path, "site_defaults.") {
			return gjson.GetBytes(e.m.raw, path) // in no segment, so as loaded
		}
		e.toWhole()
	}
	return gjson.GetBytes(e.raw, path)
}

// set writes a value into the document at an sjson path; raw values are JSON text.
func (e *edit) set(path string, v any) {
	if e.err != nil {
		return
	}
	if !e.whole && e.appendElement(path, v) {
		return
	}
	e.write(path, func(doc []byte, at string) ([]byte, error) {
		if r, ok := v.(rawJSON); ok {
			if at == "" {
				return []byte(r), nil
			}
			return sjson.SetRawBytes(doc, at, []byte(r))
		}
		if at == "" {
			return json.Marshal(v)
		}
		return sjson.SetBytes(doc, at, v)
	})
}

func (e *edit) delete(path string) {
	if e.err != nil {
		return
	}
	if !e.whole && e.deleteElement(path) {
		return
	}
	e.write(path, func(doc []byte, at string) ([]byte, error) {
		if at == "" {
			return nil, fmt.Errorf("nothing to delete")
		}
		return sjson.DeleteBytes(doc, at)
	})
}

// write rewrites the segment the path falls in, or else the whole document. sjson writes a
// new document (it writes in place only when asked), so no model's bytes change.
func (e *edit) write(path string, change func(doc []byte, at string) ([]byte, error)) {
	var out []byte
	var err error
	if !e.whole {
		if k, rest, ok := e.docSpans().route(path); ok && (rest != "" || k.sort == segCoordinators || k.sort == segOrgEditors || k.sort == segOrgLeaders) {
			if out, err = change(e.segment(k), rest); err == nil {
				if e.segs == nil {
					e.segs = map[segKey][]byte{}
				}
				e.segs[k], e.changed = out, true
				return
			}
		}
		e.toWhole()
	}
	if out, err = change(e.raw, path); err != nil {
		e.failAt("", CodeInvalidValue, "the snapshot could not be written at %s: %v", path, err)
		return
	}
	e.raw, e.changed = out, true
}

// rawJSON is JSON text to write as it is.
type rawJSON string

// Paths into the snapshot document, in sjson's dotted form.
func agencyPath(a int32) string { return "agencies." + strconv.Itoa(int(a)) }

func recordPath(a, r int32) string { return agencyPath(a) + ".staff." + strconv.Itoa(int(r)) }

func (m *Model) unitPath(u int32) string {
	a := m.units[u].agency
	return agencyPath(a) + ".units." + strconv.Itoa(position(m.agencies[a].units, u))
}

func (m *Model) pagePath(x int32) string {
	a := m.pages[x].agency
	return agencyPath(a) + ".pages." + strconv.Itoa(position(m.agencies[a].pages, x))
}

func (m *Model) groupPath(g int32) string {
	a := m.groups[g].agency
	n := 0
	for h := int32(0); h < g; h++ {
		if m.groups[h].agency == a {
			n++
		}
	}
	return agencyPath(a) + ".groups." + strconv.Itoa(n)
}

func position(list []int32, x int32) int {
	for i, y := range list {
		if y == x {
			return i
		}
	}
	return -1
}

// jsonText writes a value as JSON text (lists of ids, new objects).
func jsonText(v any) rawJSON {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return rawJSON(b)
}
