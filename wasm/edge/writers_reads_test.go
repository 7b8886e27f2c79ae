package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
	"github.com/tidwall/gjson"
)

// The writers' answers to the sharded readers (writers_reads.go), made without the whole
// state's model, are the whole model's: after every few batches of a random sequence, the
// directory index (byte for byte in its binary form) and every agency's shard document (byte
// for byte) equal what the whole-model Ledger, given the same batches, gives.
func TestShardReadsEqualTheWholeState(t *testing.T) {
	overBothLinks(t, func(t *testing.T, link func(*Writers) *Writers) {
		snapshot := exampleSnapshot(t)
		for seed := range uint64(3) {
			w := link(seededWriters(t, NewMemoryJournals(), snapshot))
			l, err := NewMemoryStore(snapshot, writersClock)
			if err != nil {
				t.Fatal(err)
			}
			sameShardReads(t, l, w, "after the seed")
			b := newBatchMaker(seed, snapshot)
			for i := range 60 {
				batch, key := b.batch()
				raw, _ := json.Marshal(batch)
				want, err := l.Submit(context.Background(), raw, key)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.Submit(context.Background(), raw, key); err != nil {
					t.Fatal(err)
				}
				if want.Status == 200 {
					b.learn(batch)
				}
				if i%6 == 5 {
					sameShardReads(t, l, w, string(raw))
				}
			}
		}
	})
}

// At the state's scale too (the state profile at 0.02: several agencies, people with records
// in two of them, people named where they have no record).
func TestShardReadsEqualTheWholeStateAtScale(t *testing.T) {
	data := stateProfileAt002(t, 21)
	l, err := NewMemoryStore(data, writersClock)
	if err != nil {
		t.Fatal(err)
	}
	sameShardReads(t, l, seededWriters(t, NewMemoryJournals(), data), "the state profile at 0.02")
}

// sameShardReads fails where w's directory index or an agency's shard differs from l's.
func sameShardReads(t *testing.T, l *Ledger, w *Writers, after string) {
	t.Helper()
	ctx := context.Background()
	want, wv, err := l.Directory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, gv, err := w.Directory(ctx)
	if err != nil {
		t.Fatalf("%s: the writers' directory: %v", after, err)
	}
	if wv.String() != gv.String() {
		t.Fatalf("%s: the directory is at %s, the whole model's at %s", after, gv, wv)
	}
	wb, _ := want.MarshalBinary()
	gb, _ := got.MarshalBinary()
	if !bytes.Equal(wb, gb) {
		t.Fatalf("%s: the directory index differs from the whole model's (%d and %d bytes)", after, len(gb), len(wb))
	}
	for _, a := range want.Agencies {
		ws, _, err := l.AgencyShard(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		gs, v, err := w.AgencyShard(ctx, a)
		if err != nil {
			t.Fatalf("%s: the writers' shard of %s: %v", after, a, err)
		}
		if v.String() != wv.String() {
			t.Fatalf("%s: the shard of %s is at %s, the state at %s", after, a, v, wv)
		}
		if !bytes.Equal(ws, gs) {
			sameState(t, ws, gs)
			t.Fatalf("%s: the shard of %s differs from the whole model's in its bytes", after, a)
		}
	}
	if _, _, err := w.AgencyShard(ctx, "ag-none"); !isCode(err, evaluator.CodeUnknownReference) {
		t.Fatalf("the shard of an agency the state does not hold: %v", err)
	}
}

func isCode(err error, code string) bool {
	re, ok := err.(*evaluator.RequestError)
	return ok && re.Code == code
}

// The directory's object answers the readers so too, while it keeps no agency whole: each
// agency's object holds its state, and gives it when a read needs it (writers_reads.go).
func TestObjectShardReadsEqualTheWholeState(t *testing.T) {
	snapshot := exampleSnapshot(t)
	for seed := range uint64(2) {
		o, f, d, l := seededBeside(t, snapshot)
		sameShardReads(t, l, d, "after the seed")
		b := newBatchMaker(seed, snapshot)
		for i := range 48 {
			batch, key := b.batch()
			raw, _ := json.Marshal(batch)
			want, err := l.Submit(context.Background(), raw, key)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Submit(context.Background(), raw, key); err != nil {
				t.Fatal(err)
			}
			if want.Status == 200 {
				b.learn(batch)
			}
			if i%6 == 5 {
				sameShardReads(t, l, d, string(raw))
			}
		}
		d.mu.Lock()
		for a, aw := range d.agencies {
			if aw.pub.Load().state != nil || aw.state != nil {
				t.Errorf("the directory's object keeps agency %s whole", a)
			}
		}
		d.mu.Unlock()
		// each agency's object wrote its shard (writers_shard_step.go), not the directory's
		if o.shards.Load() == 0 {
			t.Errorf("no agency's object wrote its shard")
		}
	}
}

// stateProfileAt002 is the state profile at 0.02 (410 small agencies), generated with seed.
func stateProfileAt002(t *testing.T, seed int64) []byte {
	t.Helper()
	o, err := gen.Profile("state")
	if err != nil {
		t.Fatal(err)
	}
	o = o.Scale(0.02)
	o.Seed = seed
	data, err := gen.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The directory's object makes its index again only when what the index is made of moved
// (indexKey): after every batch of random edits, in one process and as objects, the index it
// answers is the one made afresh from that state, and both ways happen (batches that leave the
// index as it was, and batches that move it).
func TestIndexIsMadeAgainWhenItsInputsMove(t *testing.T) {
	snapshot := exampleSnapshot(t)
	ctx := context.Background()
	fresh := func(w *Writers) []byte {
		w.readsMu.Lock()
		w.reads.made, w.reads.index = nil, nil
		w.readsMu.Unlock()
		d, _, err := w.Directory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := d.MarshalBinary()
		return b
	}
	for seed := range uint64(3) {
		w := seededWriters(t, NewMemoryJournals(), snapshot)
		_, f, d, _ := seededBeside(t, snapshot)
		kept, made := 0, 0
		prev, _, err := w.Directory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b := newBatchMaker(seed+10, snapshot)
		for i := range 60 {
			batch, key := b.batch()
			raw, _ := json.Marshal(batch)
			ans, err := w.Submit(ctx, raw, key)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Submit(ctx, raw, key); err != nil {
				t.Fatal(err)
			}
			if ans.Status != 200 {
				continue
			}
			b.learn(batch)
			for name, wr := range map[string]*Writers{"in one process": w, "as objects": d} {
				got, _, err := wr.Directory(ctx)
				if err != nil {
					t.Fatal(err)
				}
				gb, _ := got.MarshalBinary()
				if want := fresh(wr); !bytes.Equal(gb, want) {
					t.Fatalf("seed %d, batch %d %s (%s): the index answered is not the one made afresh", seed, i, raw, name)
				}
				if wr == w {
					if got == prev {
						kept++
					} else {
						made++
					}
				}
			}
			prev, _, _ = w.Directory(ctx) // made afresh above: the next batch's is compared with it
			w.readsMu.Lock()
			prevKeyOK := w.reads.made == prev
			w.readsMu.Unlock()
			if !prevKeyOK {
				t.Fatal("the index made afresh was not kept")
			}
		}
		if seed == 0 {
			// an entry or a group member that names someone the agency named nowhere else: the
			// index moves (the agency's shard keeps them now), on the organization page and in
			// a group (in the agency's thin object) as on another page (in the names it leaves
			// out)
			for _, where := range []string{"organization", "page", "group"} {
				raw := namingBatch(t, snapshot, where) // each names another person
				before, _, _ := w.Directory(ctx)
				for _, s := range []Store{w, f} {
					if ans, err := s.Submit(ctx, raw, ""); err != nil || ans.Status != 200 {
						t.Fatalf("%s: %v %s", raw, err, ans.Body)
					}
				}
				if after, _, _ := w.Directory(ctx); after == before {
					t.Fatalf("the index was kept after %s", raw)
				}
				for name, wr := range map[string]*Writers{"in one process": w, "as objects": d} {
					got, _, _ := wr.Directory(ctx)
					gb, _ := got.MarshalBinary()
					if want := fresh(wr); !bytes.Equal(gb, want) {
						t.Fatalf("%s (%s): the index answered is not the one made afresh", raw, name)
					}
				}
			}
		}
		if kept == 0 || made == 0 {
			t.Fatalf("seed %d: the index was kept after %d batches and made again after %d: both should happen", seed, kept, made)
		}
		t.Logf("seed %d: index kept after %d batches, made again after %d", seed, kept, made)
	}
}

// namingBatch is an administrator's batch that names, in the first agency, staff of another
// agency whom the first names nowhere: in an entry of its organization page ("organization"),
// of another page ("page"), or as a member of its first group ("group"), each another person.
func namingBatch(t *testing.T, snapshot []byte, where string) []byte {
	t.Helper()
	skip := map[string]int{"organization": 0, "page": 1, "group": 2}[where]
	doc := gjson.ParseBytes(snapshot)
	ag := doc.Get("agencies.0")
	// staff of another agency, not an administrator (whom every shard keeps)
	var person string
	admins := doc.Get("administrators").Raw
	doc.Get("agencies.1.staff.#.person").ForEach(func(_, id gjson.Result) bool {
		if !strings.Contains(ag.Raw, `"`+id.String()+`"`) && !strings.Contains(ag.Raw, `user:`+id.String()+`"`) && !strings.Contains(admins, `"`+id.String()+`"`) {
			if skip == 0 {
				person = id.String()
				return false
			}
			skip--
		}
		return true
	})
	if person == "" {
		t.Fatal("the example has too few people the first agency names nowhere")
	}
	actor := doc.Get("administrators.0").String()
	var edit map[string]any
	if where == "group" {
		g := ag.Get("groups.0")
		members := []any{}
		g.Get("members").ForEach(func(_, m gjson.Result) bool {
			members = append(members, m.String())
			return true
		})
		edit = map[string]any{"op": "set_group_members", "agency": ag.Get("id").String(), "group": g.Get("id").String(), "members": append(members, person)}
	} else {
		var page gjson.Result
		ag.Get("pages").ForEach(func(_, p gjson.Result) bool {
			if (p.Get("kind").String() == "organization") == (where == "organization") && p.Get("security").Exists() {
				page = p
				return false
			}
			return true
		})
		entries := []any{}
		page.Get("security").ForEach(func(_, e gjson.Result) bool {
			entries = append(entries, e.Value())
			return true
		})
		entries = append(entries, map[string]any{"principal": "user:" + person, "role": "reader"})
		edit = map[string]any{"op": "set_security", "page": page.Get("id").String(), "entries": entries}
	}
	raw, _ := json.Marshal(map[string]any{"actor": actor, "edits": []any{edit}})
	return raw
}
