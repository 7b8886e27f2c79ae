//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/connsec/connsec/wasm/edge"
	"github.com/syumai/workers/cloudflare"
)

// freshFor is how long an isolate answers from its read model before it asks the writer
// whether there is a newer state. A request whose consistency token names a newer state asks
// at once, so a caller reads their own writes by sending back the token their edit answered.
const freshFor = time.Second

// ledgerSource is the Ledger Durable Object as an isolate's readers see it (edge.Source): an
// isolate's edge.Reader answers from a model it caches, brought up to date by replaying the
// Ledger's log (or, when that cannot be done, by loading its snapshot). Edits and seeds never
// reach a reader (entry.mjs sends them to the Ledger).
type ledgerSource struct{}

func (s ledgerSource) ledger(ctx context.Context, path string) (*http.Response, []byte, error) {
	res, err := s.open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res, out, err
}

// open asks the Ledger for path; its answer's body is read as it comes.
func (ledgerSource) open(ctx context.Context, path string) (*http.Response, error) {
	ns, err := cloudflare.NewDurableObjectNamespace("LEDGER")
	if err != nil {
		return nil, err
	}
	stub, err := ns.Get(ns.IdFromName("connsec"))
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", "https://ledger"+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := stub.Fetch(req)
	if err != nil {
		return nil, fmt.Errorf("the edit ledger did not answer: %w", err)
	}
	return res, nil
}

func (s ledgerSource) Newest(ctx context.Context) (edge.Versions, bool, error) {
	res, body, err := s.ledger(ctx, "/version")
	if err != nil {
		return edge.Versions{}, false, err
	}
	if res.StatusCode == http.StatusNotFound {
		return edge.Versions{}, false, nil
	}
	if res.StatusCode != http.StatusOK {
		return edge.Versions{}, false, fmt.Errorf("the edit ledger failed (%d): %s", res.StatusCode, body)
	}
	v, err := edge.ParseVersions(string(bytes.TrimSpace(body)))
	return v, err == nil, err
}

func (s ledgerSource) After(ctx context.Context, seq int64) ([]edge.LogEntry, error) {
	res, body, err := s.ledger(ctx, "/log?after="+strconv.FormatInt(seq, 10))
	if err != nil {
		return nil, err
	}
	var out []edge.LogEntry
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil {
		return nil, fmt.Errorf("the edit ledger failed (%d): %s", res.StatusCode, body)
	}
	return out, nil
}

func (s ledgerSource) State(ctx context.Context) ([]byte, edge.Versions, error) {
	body, v, err := s.versioned(ctx, "/snapshot")
	if errors.Is(err, edge.ErrNotSeeded) {
		return nil, edge.Versions{}, nil
	}
	return body, v, err
}
