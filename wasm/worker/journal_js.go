//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"github.com/connsec/connsec/wasm/edge"
)

// sqlJournal is the Ledger Durable Object's storage as Go sees it: ledger.mjs hands over an
// object whose functions run its SQLite statements synchronously; what to store, and when,
// is decided here (edge.Ledger).
type sqlJournal struct {
	js js.Value
}

// call runs one of the journal's functions; a JavaScript exception (storage refused) comes
// back as an error.
func (j sqlJournal) call(name string, args ...any) (v js.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("storage: %v", p)
		}
	}()
	return j.js.Call(name, args...), nil
}

func (j sqlJournal) Kept(key string) (string, edge.Answer, bool, error) {
	v, err := j.call("kept", key)
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

func (j sqlJournal) Record(r edge.Record) error {
	text, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = j.call("record", string(text))
	return err
}

func (j sqlJournal) Entries(since int64) ([]edge.LogEntry, error) {
	v, err := j.call("entries", since)
	if err != nil {
		return nil, err
	}
	var out []edge.LogEntry
	if err := json.Unmarshal([]byte(v.String()), &out); err != nil {
		return nil, fmt.Errorf("storage: the log does not read: %w", err)
	}
	return out, nil
}

func (j sqlJournal) checkpoint() ([]byte, error) {
	v, err := j.call("checkpoint")
	if err != nil || v.IsNull() || v.IsUndefined() {
		return nil, err
	}
	return []byte(v.String()), nil
}
