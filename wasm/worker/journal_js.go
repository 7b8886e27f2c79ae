//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"
	"unsafe"

	"github.com/connsec/connsec/wasm/edge"
)

// sqlJournals is a Shard Durable Object's storage as Go sees it: shard.mjs hands over an
// object whose functions run its SQLite statements synchronously, the rows keyed by the
// shard's name; what to store, and when, is decided here (edge.Writers).
type sqlJournals struct {
	js js.Value
}

// sqlJournal is one shard's journal in those tables.
type sqlJournal struct {
	sqlJournals
	shard string
}

// call runs one of the journal's functions; a JavaScript exception (storage refused) comes
// back as an error.
func (j sqlJournals) call(name string, args ...any) (v js.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("storage: %v", p)
		}
	}()
	return j.js.Call(name, args...), nil
}

func (j sqlJournals) Journal(s edge.Shard) edge.Journal { return sqlJournal{j, s.String()} }

func (j sqlJournals) Shards() ([]edge.Shard, error) {
	v, err := j.call("shards")
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal([]byte(v.String()), &names); err != nil {
		return nil, fmt.Errorf("storage: the shards do not read: %w", err)
	}
	out := make([]edge.Shard, 0, len(names))
	for _, n := range names {
		s, ok := edge.ParseShard(n)
		if !ok {
			return nil, fmt.Errorf("storage: %q is no shard", n)
		}
		out = append(out, s)
	}
	return out, nil
}

func (j sqlJournals) Checkpoint() (*edge.Checkpoint, error) {
	v, err := j.call("checkpoint")
	if err != nil || v.IsNull() || v.IsUndefined() {
		return nil, err
	}
	snapshot := goBytes(v.Get("snapshot"))
	return &edge.Checkpoint{Versions: v.Get("versions").String(), Snapshot: unsafe.String(unsafe.SliceData(snapshot), len(snapshot))}, nil
}

func (j sqlJournals) SaveCheckpoint(c edge.Checkpoint) error {
	_, err := j.call("saveCheckpoint", c.Versions, jsBytes(unsafe.Slice(unsafe.StringData(c.Snapshot), len(c.Snapshot))))
	return err
}

// goBytes is a Uint8Array's bytes, copied once into the module. States and checkpoints cross
// as bytes, not text: a JavaScript string is copied twice on its way in (syscall/js reads it
// into bytes, then makes a string of them), and a json.RawMessage of it a third time, which
// for NYC's 27 MB state made 81 MB of garbage at each read; a string handed out is copied
// once more. JavaScript keeps the bytes as they are stored, with no text made of them.
func goBytes(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

func (j sqlJournal) Kept(key string) (string, edge.Answer, bool, error) {
	v, err := j.call("kept", j.shard, key)
	if err != nil || v.IsNull() || v.IsUndefined() {
		return "", edge.Answer{}, false, err
	}
	var kept struct {
		Hash   string      `json:"hash"`
		Answer edge.Answer `json:"answer"`
	}
	if err := json.Unmarshal([]byte(v.String()), &kept); err != nil {
		return "", edge.Answer{}, false, fmt.Errorf("storage: a kept answer does not read: %w", err)
	}
	return kept.Hash, kept.Answer, true, nil
}

// Record hands the record to the object's storage with its state as bytes of their own (an
// agency object, or the directory's state: megabytes that JavaScript need not read through).
func (j sqlJournal) Record(r edge.Record) error {
	state := js.Null()
	if r.State != nil {
		state = jsBytes(r.State)
		r.State = nil
	}
	text, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = j.call("record", j.shard, string(text), state)
	return err
}

// State is the shard's newest state and its version (nil: none recorded).
func (j sqlJournal) State() (json.RawMessage, int64, error) {
	v, err := j.call("state", j.shard)
	if err != nil || v.IsNull() || v.IsUndefined() {
		return nil, 0, err
	}
	return json.RawMessage(goBytes(v.Get("state"))), int64(v.Get("version").Int()), nil
}

func (j sqlJournal) Entries(since int64) ([]edge.LogEntry, error) {
	v, err := j.call("entries", j.shard, since)
	if err != nil {
		return nil, err
	}
	var out []edge.LogEntry
	if err := json.Unmarshal([]byte(v.String()), &out); err != nil {
		return nil, fmt.Errorf("storage: the log does not read: %w", err)
	}
	return out, nil
}
