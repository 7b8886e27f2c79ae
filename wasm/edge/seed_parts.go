package edge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// This file is the seed in parts (README "The edge"). The whole state (about 100 MB) cannot
// arrive, be checked or be held in one place: an instance has 128 MB. So an administrator may
// send the first snapshot as lines (Content-Type: application/x-ndjson, gzip or not): the
// first line the document without its agencies ("agencies": [] or left out), then one line
// per agency object, in the document's order (`connsec parts` writes them). The directory's
// writer reads them one at a time: each agency is kept in the directory's storage until the
// seed is taken (staged) and in memory only thin, as the directory holds every agency. Then
// the state is checked in cuts: the top level and every agency thin, with a few agencies whole
// (at most checkBudget bytes of them), until each agency was whole in one cut. A snapshot that
// loads whole passes every cut, and a problem a cut finds is one of the snapshot's. The seed is
// taken only when every cut loads: a refused one changes nothing (its staged agencies are never
// read, and the next seed stages its own again). Problems name the line and the path in it.

// SeedPartsType is the media type of a seed in parts.
const SeedPartsType = "application/x-ndjson"

// checkBudget bounds the bytes of the agencies checked whole in one cut of a seed in parts (a
// larger agency is checked whole alone).
var checkBudget = 16 << 20

// seedInParts marks the checkpoint of a seed in parts: its agencies are thin, and each
// agency's object is the one staged for it.
const seedInParts = "connsec_seed_in_parts"

// staged is where agency's object of a seed in parts is kept (an id has no "/", SPEC §1, so no
// agency's own journal has that name).
func staged(agency string) Shard { return Shard{Agency: "seed/" + agency} }

// partsSeeder is a store that takes a seed in parts without composing it whole; admitted
// judges the seed's model (who may seed it) on the first cut.
type partsSeeder interface {
	SeedParts(ctx context.Context, parts io.Reader, admitted func(*evaluator.Model) error) (Answer, error)
}

// seedParts is a seed in parts as it was read: the top level, the agencies' ids in order,
// each one's thin form, its bytes and its line; and, when asked for, what the directory index
// reads of each (reads: its thin form and the people its pages name).
type seedParts struct {
	top   []byte
	order []string
	thins map[string]agencyThin
	size  map[string]int
	line  map[string]int
	reads map[string]agencyRead
}

// readPart reads one line of at most maxSeed bytes (io.EOF at the end).
func readPart(r *bufio.Reader, line int) ([]byte, error) {
	var out []byte
	for {
		chunk, err := r.ReadSlice('\n')
		out = append(out, chunk...)
		if len(out) > maxSeed {
			return nil, fail(http.StatusRequestEntityTooLarge, codeTooLarge, "line %d of the snapshot is over the limit of %d bytes for one part", line, maxSeed)
		}
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(out) > 0:
			return out, nil
		case errors.Is(err, io.EOF):
			return nil, io.EOF
		default:
			return nil, fail(http.StatusBadRequest, codeBadRequest, "the snapshot could not be read past line %d: %v", line, err)
		}
	}
}

// readParts reads a seed in parts, handing each agency's object to stage as it is read; with
// reads, it also reads what the directory index reads of each while the line is in hand.
func readParts(r io.Reader, reads bool, stage func(id string, obj []byte) error) (*seedParts, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	top, err := readPart(br, 1)
	if errors.Is(err, io.EOF) {
		return nil, fail(http.StatusBadRequest, codeBadRequest, "the snapshot in parts is empty: its first line is the document without its agencies, then one line per agency")
	}
	if err != nil {
		return nil, err
	}
	if err := jsonObject(top); err != nil {
		return nil, fail(http.StatusBadRequest, codeBadRequest, "line 1 of the snapshot %s", err)
	}
	if ag := gjson.GetBytes(top, "agencies"); ag.Exists() && !(ag.IsArray() && len(ag.Array()) == 0) {
		return nil, fail(http.StatusBadRequest, codeBadRequest, "line 1 of the snapshot holds agencies; in parts, each agency is on a line of its own after it (\"agencies\": [] or left out on line 1)")
	}
	if top, err = sjson.SetRawBytes(bytes.TrimSpace(top), "agencies", []byte("[]")); err != nil {
		return nil, fail(http.StatusBadRequest, codeBadRequest, "line 1 of the snapshot could not be read: %v", err)
	}
	p := &seedParts{top: top, thins: map[string]agencyThin{}, size: map[string]int{}, line: map[string]int{}}
	var people map[string]bool
	if reads {
		p.reads, people = map[string]agencyRead{}, peopleOf(top)
	}
	for line := 2; ; line++ {
		obj, err := readPart(br, line)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if obj = bytes.TrimSpace(obj); len(obj) == 0 {
			continue
		}
		if err := jsonObject(obj); err != nil {
			return nil, fail(http.StatusBadRequest, codeBadRequest, "line %d of the snapshot %s", line, err)
		}
		id := gjson.GetBytes(obj, "id")
		if id.Type != gjson.String || id.Str == "" {
			return nil, fail(http.StatusBadRequest, codeBadRequest, "line %d of the snapshot is an agency without an id", line)
		}
		a := strings.Clone(id.Str)
		if at, twice := p.line[a]; twice {
			return nil, fail(http.StatusBadRequest, codeBadRequest, "line %d of the snapshot is agency %s, which is on line %d already", line, a, at)
		}
		var t agencyThin
		if reads {
			var rd agencyRead
			if rd, err = readOf(obj, people); err == nil {
				t, p.reads[a] = rd.thin, rd
			}
		} else {
			t, err = thinOf(obj)
		}
		if err != nil {
			return nil, fail(http.StatusBadRequest, codeBadRequest, "line %d of the snapshot could not be read: %v", line, err)
		}
		if err := stage(a, obj); err != nil {
			return nil, err
		}
		p.order = append(p.order, a)
		p.thins[a], p.size[a], p.line[a] = t, len(obj), line
	}
	return p, nil
}

// check loads the state in cuts, written by d (the parts as the directory holds them), each
// agency whole in one of them, and gathers their problems, worded by line; admitted judges
// the first cut's model. load loads a cut whose agencies whole are whole (none: the top level
// and every agency thin): LoadForReading here, each agency whole as object gives it back, or
// in another object (loadElsewhere), each sent from where it is staged.
func (p *seedParts) check(d *directoryWriter, object func(a string) ([]byte, error), load cutLoader, admitted func(*evaluator.Model) error) error {
	var problems []evaluator.Problem
	seen := map[evaluator.Problem]bool{}
	if _, here := load.(loadHere); !here && admitted != nil {
		// the cuts are loaded elsewhere: who may seed is judged on the top level and every
		// agency thin, which is all it reads
		doc, err := d.write(func(a string) ([]byte, []string) { return d.held[a].thin, d.held[a].pages }, true)
		if err != nil {
			return err
		}
		m, err := evaluator.LoadForReading(doc)
		if err == nil {
			err = admitted(m)
		}
		var se *evaluator.SnapshotError
		if err != nil && !errors.As(err, &se) { // a problem of the state is found by its cut
			return err
		}
		admitted = nil
	}
	_, here := load.(loadHere)
	for start := 0; start < len(p.order) || start == 0; {
		whole := map[string][]byte{}
		end, held := start, 0
		for end < len(p.order) && (end == start || held+p.size[p.order[end]] <= checkBudget) {
			a := p.order[end]
			if !here {
				whole[a] = stagedHole // sent from where it is staged (seed_staged.go)
			} else if obj, err := object(a); err != nil {
				return err
			} else {
				whole[a] = obj
			}
			held += p.size[a]
			end++
		}
		var elsewhere []string // whose page each id of ids_elsewhere is
		doc, err := d.write(func(a string) ([]byte, []string) {
			if obj, ok := whole[a]; ok {
				return obj, nil
			}
			for range d.held[a].pages {
				elsewhere = append(elsewhere, a)
			}
			return d.held[a].thin, d.held[a].pages
		}, true)
		if err != nil {
			return err
		}
		m, err := load.load(doc, p.order[start:end])
		doc = nil
		var se *evaluator.SnapshotError
		switch {
		case errors.As(err, &se):
			for _, pr := range se.Problems {
				if pr, ok := p.where(pr, whole, elsewhere); ok && !seen[pr] {
					seen[pr] = true
					problems = append(problems, pr)
				}
			}
		case err != nil:
			return err
		case start == 0 && admitted != nil:
			if err := admitted(m); err != nil {
				return err
			}
		}
		if start = end; end == 0 {
			break // no agency at all: the one cut was the top level
		}
	}
	if problems != nil {
		return &evaluator.SnapshotError{Problems: problems}
	}
	return nil
}

// cutLoader loads a cut of a seed in parts, whole being the agencies it holds whole (in its
// order): its model (nil when loaded in another object), and the snapshot's problems as an
// *evaluator.SnapshotError.
type cutLoader interface {
	load(doc []byte, whole []string) (*evaluator.Model, error)
}

// loadHere loads the cut in this instance; the agencies whole are in it.
type loadHere struct{}

func (loadHere) load(doc []byte, _ []string) (*evaluator.Model, error) {
	return evaluator.LoadForReading(doc)
}

// loadElsewhere has the object of the cut's first agency whole load it ("check", objectStep),
// so that the directory's object, which holds every agency thin, never holds the model of
// the largest agency whole beside them (an instance has 128 MB). The cut holds stagedHole in
// the place of each agency whole, which goes from where it is staged (seed_staged.go). A cut
// with no agency whole (a snapshot of none) is loaded here.
type loadElsewhere struct{ w *Writers }

func (l loadElsewhere) load(doc []byte, whole []string) (*evaluator.Model, error) {
	if len(whole) == 0 {
		return evaluator.LoadForReading(doc)
	}
	first := whole[0]
	parts, err := stagedCut(doc, whole)
	if err != nil {
		return nil, err
	}
	out, err := l.w.sendParts(Shard{Agency: first}.String(), "check", parts)
	if err != nil {
		return nil, fmt.Errorf("agency %s's object did not check its part of the seed: %w", first, err)
	}
	var problems []evaluator.Problem
	if err := json.Unmarshal(out, &problems); err != nil {
		return nil, fmt.Errorf("agency %s's object answered its check so that it does not read: %w", first, err)
	}
	if len(problems) > 0 {
		return nil, &evaluator.SnapshotError{Problems: problems}
	}
	return nil, nil
}

// checkCut is the "check" step: the problems of a cut of a seed in parts ([] when it loads).
func checkCut(doc []byte) ([]byte, error) {
	_, err := evaluator.LoadForReading(doc)
	var se *evaluator.SnapshotError
	switch {
	case errors.As(err, &se):
		return json.Marshal(se.Problems)
	case err != nil:
		return nil, err
	}
	return []byte("[]"), nil
}

// where words a cut's problem by the line it is on: one of an agency checked whole in the cut
// is on its line; one of an agency thin in it is left to the cut that holds it whole; an id
// listed in ids_elsewhere is a page of agency elsewhere[i] (its id held twice); any other is
// of the top level, line 1.
func (p *seedParts) where(pr evaluator.Problem, whole map[string][]byte, elsewhere []string) (evaluator.Problem, bool) {
	at := func(line int, rest string) string {
		if rest = strings.TrimPrefix(rest, "."); rest == "" {
			return "line " + strconv.Itoa(line)
		}
		return "line " + strconv.Itoa(line) + ": " + rest
	}
	index := func(prefix string) (int, string, bool) {
		rest, ok := strings.CutPrefix(pr.Path, prefix+"[")
		if !ok {
			return 0, "", false
		}
		n, rest, ok := strings.Cut(rest, "]")
		i, err := strconv.Atoi(n)
		return i, rest, ok && err == nil
	}
	if i, rest, ok := index("agencies"); ok && i < len(p.order) {
		a := p.order[i]
		if _, ok := whole[a]; !ok {
			return pr, false
		}
		pr.Path = at(p.line[a], rest)
		return pr, true
	}
	if i, _, ok := index("ids_elsewhere"); ok && i < len(elsewhere) {
		a := elsewhere[i]
		id := p.thins[a].pages[i-firstOf(elsewhere, a)]
		pr.Path = at(p.line[a], "pages (id "+id+")")
		pr.Message = fmt.Sprintf("the id %q of a page of agency %s is held by another element of the snapshot too; an id is held once (SPEC §1)", id, a)
		return pr, true
	}
	pr.Path = at(1, pr.Path)
	return pr, true
}

// firstOf is the index of a's first id in elsewhere (its pages are listed together).
func firstOf(elsewhere []string, a string) int {
	for i, x := range elsewhere {
		if x == a {
			return i
		}
	}
	return 0
}

// SeedParts sets the first snapshot of empty writers from a seed in parts (see above): the
// checkpoint holds the top level and every agency thin, and each agency starts from the object
// staged for it (in the directory's storage; every agency's object is given its own).
func (w *Writers) SeedParts(_ context.Context, parts io.Reader, admitted func(*evaluator.Model) error) (Answer, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dir != nil {
		return answerOf(http.StatusConflict, map[string]any{"error": Problem{Code: "seeded", Message: "the service holds a snapshot already; change it with edits"}, "version": w.versionsLocked().String()}), nil
	}
	p, err := readParts(parts, w.objects != nil, func(a string, obj []byte) error {
		j, err := w.journal(staged(a))
		if err == nil {
			err = j.Record(Record{State: obj})
		}
		if err != nil {
			return fmt.Errorf("agency %s of the snapshot could not be stored: %w", a, err)
		}
		return nil
	})
	if err != nil {
		return Answer{}, err
	}
	d := newDirectoryWriter(nil, p.top, p.order, p.thins)
	var load cutLoader = loadHere{}
	if w.objects != nil {
		load = loadElsewhere{w}
	}
	if err := p.check(d, w.stagedObject, load, admitted); err != nil {
		return Answer{}, err
	}
	cp, err := d.write(func(a string) ([]byte, []string) { return d.held[a].thin, nil }, false)
	if err == nil {
		cp, err = sjson.SetBytes(cp, seedInParts, true)
	}
	if err != nil {
		return Answer{}, err
	}
	if err := w.journals.SaveCheckpoint(Checkpoint{Versions: Versions{}.String(), Snapshot: string(cp)}); err != nil {
		return Answer{}, fmt.Errorf("the snapshot could not be stored: %w", err)
	}
	// the directory's object keeps what its index reads of each agency, read with the line,
	// so that it starts without reading every staged object again (NYC's is 23 MB); kept only
	// once the seed is taken, so a refused one leaves none (one not kept is read at start)
	for _, a := range p.order {
		if r, ok := p.reads[a]; ok {
			if err := w.keepRead(a, 0, r); err != nil {
				return Answer{}, err
			}
		}
	}
	if err := w.start(cp); err != nil {
		return Answer{}, err
	}
	if w.objects != nil {
		w.bornFromStage(p.order)
	}
	return answerOf(http.StatusOK, map[string]any{"version": Versions{}.String()}), nil
}

// stagedObject is agency a's object as a seed in parts staged it.
func (w *Writers) stagedObject(a string) ([]byte, error) {
	j, err := w.journal(staged(a))
	if err != nil {
		return nil, err
	}
	obj, _, err := j.State()
	if err == nil && obj == nil {
		err = fmt.Errorf("the seed's agency %s is not in the service's storage", a)
	}
	return obj, err
}

// bornFromStage has every agency's object record its first state, the object staged for it
// (one that does not, a stop, asks for it at its first step: origin).
func (w *Writers) bornFromStage(order []string) {
	atOnce(order, func(a string) {
		w.sendParts(Shard{Agency: a}.String(), "born", []Part{{Staged: a}})
	})
}

// joinParts is the whole document of a seed in parts: top with the agencies' objects.
func joinParts(top []byte, agencies [][]byte) ([]byte, error) {
	return sjson.SetRawBytes(bytes.Clone(top), "agencies", append(append([]byte("["), bytes.Join(agencies, []byte(","))...), ']'))
}

// WriteParts writes snapshot as a seed in parts: the document without its agencies on the
// first line, then each agency's object on a line of its own, each compacted to one line.
func WriteParts(w io.Writer, snapshot []byte) error {
	doc := gjson.ParseBytes(snapshot)
	if !doc.IsObject() {
		return errors.New("the snapshot is not a JSON object")
	}
	top, err := sjson.SetRawBytes(bytes.Clone(snapshot), "agencies", []byte("[]"))
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	line := func(raw []byte) error {
		var out bytes.Buffer
		if err := json.Compact(&out, raw); err != nil {
			return err
		}
		out.WriteByte('\n')
		_, err := bw.Write(out.Bytes())
		return err
	}
	if err := line(top); err != nil {
		return err
	}
	for _, a := range doc.Get("agencies").Array() {
		if err := line([]byte(a.Raw)); err != nil {
			return err
		}
	}
	return bw.Flush()
}
