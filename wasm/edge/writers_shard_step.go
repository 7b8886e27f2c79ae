package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
)

// This file has an agency's object write its own shard for the readers (the "shard" step),
// from the parts of the state the directory's object sends it: the top level and every other
// agency thin. Written in the directory's object, NYC's shard (27 MB) was made beside NYC's
// state (27 MB, asked of its object) and the directory's own 50 MB, and its memory reached
// 206–229 MB, over an instance's 128 MB; the agency's object holds its state already and
// little else. The directory's object only carries the shard on (README "The edge").

// The ask the directory's object sends is a line {"version": V, "top": N, "keep_over": K}, V
// being the agency's version it read the parts at; then the top level as the state's document
// has it, N bytes byte for byte (its trailing newline included, which the shard keeps); then
// every other agency's thin object, in a JSON array.
//
// A shard longer than K bytes (K > 0) is kept in the object for the reader that asked, and the
// answer is its head alone, with the key it is kept under (Kept): the directory gives the
// reader a ShardTicket, and the reader takes the shard from the agency's object itself (the
// "take" step), so that the directory's object never holds it (NYC's, 27 MB, raised the
// directory's memory past 120 MB when it carried it on). The object keeps one shard, the last
// written, until it is taken or the object accepts a batch; a reader that finds it gone (taken
// by another, or dropped) asks the directory again, and after that has the directory carry it.

// shardHead is the first line of the answer; the shard follows it when Written. Held is false
// when the object holds no state of its own yet (before it is born); Version is the version it
// holds; Written is false when its version is not the one asked, or when the parts cannot tell
// (evaluator.ErrNotByParts), which ByParts tells apart.
type shardHead struct {
	Held    bool   `json:"held"`
	Version int64  `json:"version"`
	Written bool   `json:"written"`
	ByParts bool   `json:"by_parts"`
	Kept    string `json:"kept,omitempty"`
}

// keptShard is the shard an agency's object keeps for the reader it was written for.
type keptShard struct {
	mu   sync.Mutex
	key  string
	doc  []byte
	made int64 // shards kept so far, which numbers their keys
}

// keep holds doc, written at version, in place of any shard kept before; its key.
func (k *keptShard) keep(version int64, doc []byte) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.made++
	k.key, k.doc = fmt.Sprintf("%d.%d", version, k.made), doc
	return k.key
}

// take gives the shard kept under key, once.
func (k *keptShard) take(key string) ([]byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if key == "" || key != k.key {
		return nil, false
	}
	doc := k.doc
	k.key, k.doc = "", nil
	return doc, true
}

// drop lets go of the shard kept, if any.
func (k *keptShard) drop() {
	k.mu.Lock()
	k.key, k.doc = "", nil
	k.mu.Unlock()
}

// ShardTicket names a shard an agency's object wrote and keeps for the reader that asked the
// directory for it (Writers.AgencyShardOrTicket): the reader sends Take() to Object as the
// "take" step, which answers the shard.
type ShardTicket struct {
	Object string `json:"object"`
	Key    string `json:"key"`
}

// Take is the body of the "take" step.
func (t ShardTicket) Take() []byte {
	b, _ := json.Marshal(map[string]string{"key": t.Key})
	return b
}

// takeStep answers the "take" step of agency writer aw: the shard kept under the key asked.
func takeStep(aw *agencyWriter, body []byte) ([]byte, error) {
	key := gjson.GetBytes(body, "key").String()
	if aw != nil {
		if doc, ok := aw.shardKept.take(key); ok {
			return doc, nil
		}
	}
	return nil, fmt.Errorf("this agency's object keeps no shard under %q (taken, or let go at a batch): ask the directory again", key)
}

// errNotHeld: the agency's object holds no state yet; the directory's object writes the shard.
var errNotHeld = errors.New("the agency's object holds no state yet")

// shardStep answers the "shard" step of agency writer aw (nil: not started).
func shardStep(aw *agencyWriter, body []byte) ([]byte, error) {
	head := shardHead{ByParts: true}
	var at *published
	if aw != nil {
		at = aw.pub.Load()
	}
	if at == nil || at.state == nil {
		return headed(head, nil)
	}
	line, rest, _ := bytes.Cut(body, []byte("\n"))
	ask := gjson.ParseBytes(line)
	n := int(ask.Get("top").Int())
	if !ask.Get("version").Exists() || n < 0 || n > len(rest) {
		return nil, errors.New("the shard asked for does not read: its first line names no version and size of the top level")
	}
	head.Held, head.Version = true, at.version
	if ask.Get("version").Int() != at.version {
		return headed(head, nil)
	}
	keepOver := int(ask.Get("keep_over").Int())
	top, others := rest[:n], rest[n:]
	out, err := evaluator.AgencyShardFrom(top, at.state, func(yield func([]byte) bool) {
		gjson.Parse(inPlace(others)).ForEach(func(_, o gjson.Result) bool {
			return yield(unsafe.Slice(unsafe.StringData(o.Raw), len(o.Raw))) // in place, never written to
		})
	})
	if errors.Is(err, evaluator.ErrNotByParts) {
		head.ByParts = false
		return headed(head, nil)
	}
	if err != nil {
		return nil, err
	}
	head.Written = true
	if keepOver > 0 && len(out) > keepOver {
		head.Kept = aw.shardKept.keep(at.version, out)
		return headed(head, nil)
	}
	return headed(head, out)
}

func headed(head shardHead, shard []byte) ([]byte, error) {
	line, err := json.Marshal(head)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(line)+1+len(shard))
	return append(append(append(out, line...), '\n'), shard...), nil
}

// shardInObject has agency's object write its shard at st from the parts sent it (shardStep):
// errNotHeld when it holds no state yet, errStateMoved when it moved on from st (read again),
// evaluator.ErrNotByParts when the parts cannot tell. A shard longer than keepOver (> 0) the
// object keeps, and kept is its key.
func (w *Writers) shardInObject(st readState, agency string, keepOver int) (shard []byte, kept string, err error) {
	thins, err := w.thinsAt(st, agency)
	if err != nil {
		return nil, "", err
	}
	body, err := func() ([]byte, error) {
		st.d.mu.Lock()
		defer st.d.mu.Unlock()
		top, err := topAt(st)
		if err != nil {
			return nil, err
		}
		size := len(top) + 64
		for _, a := range st.d.order {
			size += len(thinAt(st, thins, a).thin) + 1
		}
		body := fmt.Appendf(make([]byte, 0, size), "{\"version\":%d,\"top\":%d,\"keep_over\":%d}\n", st.pubs[agency].version, len(top), keepOver)
		body = append(append(body, top...), '[')
		n := 0
		for _, a := range st.d.order {
			if a == agency {
				continue
			}
			if n++; n > 1 {
				body = append(body, ',')
			}
			body = append(body, thinAt(st, thins, a).thin...)
		}
		return append(body, ']'), nil
	}()
	if err != nil {
		return nil, "", err
	}
	out, err := w.objects.Send(context.Background(), Shard{Agency: agency}.String(), "shard", body)
	body = nil
	if err != nil {
		return nil, "", fmt.Errorf("agency %s's object did not write its shard: %w", agency, err)
	}
	line, shard, _ := bytes.Cut(out, []byte("\n"))
	var head shardHead
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, "", fmt.Errorf("agency %s's object answered its shard so that it does not read: %w", agency, err)
	}
	switch {
	case !head.Held:
		return nil, "", errNotHeld
	case head.Version != st.pubs[agency].version:
		w.recorded(agency, head.Version) // newer than the directory knew: read again at it
		return nil, "", errStateMoved
	case !head.ByParts:
		return nil, "", evaluator.ErrNotByParts
	case !head.Written:
		return nil, "", fmt.Errorf("agency %s's object wrote no shard", agency)
	}
	return shard, head.Kept, nil
}
