//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/connsec/connsec/wasm/edge"
)

// freshFor is how long an isolate answers from its read model before it asks the writers
// whether there is a newer state. A request whose consistency token names a newer state asks
// at once, so a caller reads their own writes by sending back the token their edit answered.
const freshFor = time.Second

// routeFor is how long an isolate routes edits by the directory index it holds: a batch that
// names an id the index does not know goes to the directory's object, which routes it exactly,
// so an older index costs a hop, never a wrong answer.
const routeFor = time.Minute

// directorySource is the directory's Shard object as an isolate's readers see it
// (edge.Source): an isolate's edge.Reader answers from a model it caches, brought up to date
// by replaying the writers' log (or, when that cannot be done, by loading the whole state).
// Edits and seeds go to the writers through edge.Front.
type directorySource struct{}

func (directorySource) directory(ctx context.Context, path string) (*http.Response, []byte, error) {
	return ask(ctx, edge.Directory.String(), path)
}

func (s directorySource) Newest(ctx context.Context) (edge.Versions, bool, error) {
	res, body, err := s.directory(ctx, "/version")
	if err != nil {
		return edge.Versions{}, false, err
	}
	if res.StatusCode == http.StatusNotFound {
		return edge.Versions{}, false, nil
	}
	if res.StatusCode != http.StatusOK {
		return edge.Versions{}, false, fmt.Errorf("the directory's writer failed (%d): %s", res.StatusCode, body)
	}
	v, err := edge.ParseVersions(string(bytes.TrimSpace(body)))
	return v, err == nil, err
}

func (s directorySource) After(ctx context.Context, seq int64) ([]edge.LogEntry, error) {
	res, body, err := s.directory(ctx, "/log?after="+strconv.FormatInt(seq, 10))
	if err != nil {
		return nil, err
	}
	var out []edge.LogEntry
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil {
		return nil, fmt.Errorf("the directory's writer failed (%d): %s", res.StatusCode, body)
	}
	return out, nil
}

func (s directorySource) State(ctx context.Context) ([]byte, edge.Versions, error) {
	body, v, err := s.versioned(ctx, "/snapshot")
	if errors.Is(err, edge.ErrNotSeeded) {
		return nil, edge.Versions{}, nil
	}
	return body, v, err
}
