//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/wasm/edge"
	"github.com/syumai/workers/cloudflare"
)

// freshFor is how long an isolate answers from its read model before it asks the writer
// whether there is a newer version. A request with at_least_version newer than the read
// model asks at once, so a caller reads its own writes by naming the version its edit made.
const freshFor = time.Second

// ledgerStore is an isolate's edge.Store, a reader: answers come from a model cached in the
// isolate, brought up to date by replaying the Ledger's log (or, when that cannot be done, by
// loading its snapshot). Edits and seeds never reach it (entry.mjs sends them to the Ledger).
type ledgerStore struct {
	mu      sync.Mutex
	model   *evaluator.Model
	checked time.Time
}

func (s *ledgerStore) ledger(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	ns, err := cloudflare.NewDurableObjectNamespace("LEDGER")
	if err != nil {
		return 0, nil, err
	}
	stub, err := ns.Get(ns.IdFromName("connsec"))
	if err != nil {
		return 0, nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "https://ledger"+path, rd)
	if err != nil {
		return 0, nil, err
	}
	res, err := stub.Fetch(req)
	if err != nil {
		return 0, nil, fmt.Errorf("the edit ledger did not answer: %w", err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

func (s *ledgerStore) Model(ctx context.Context, atLeast int64) (*evaluator.Model, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.model != nil && s.model.Version() >= atLeast && time.Since(s.checked) < freshFor {
		return s.model, nil
	}
	status, body, err := s.ledger(ctx, "GET", "/version", nil)
	if err != nil {
		return nil, err
	}
	newest, _ := strconv.ParseInt(string(bytes.TrimSpace(body)), 10, 64)
	if status != http.StatusOK || newest < 0 {
		if s.model == nil {
			return nil, edge.ErrNotSeeded
		}
		newest = s.model.Version()
	}
	if atLeast > newest {
		return nil, edge.VersionAhead(atLeast, newest)
	}
	if s.model == nil || s.model.Version() < newest {
		if err := s.catchUp(ctx, newest); err != nil {
			return nil, err
		}
	}
	s.checked = time.Now()
	return s.model, nil
}

// catchUp replays the log after the read model's version; a gap or a refusal falls back to
// the writer's snapshot.
func (s *ledgerStore) catchUp(ctx context.Context, newest int64) error {
	if s.model != nil {
		if entries, err := s.Log(ctx, s.model.Version()); err == nil {
			m := s.model
			for _, e := range entries {
				batch, at := e.Replay()
				applied, err := m.Apply(batch, at)
				if err != nil || applied.Model.Version() != e.Version {
					m = nil
					break
				}
				m = applied.Model
			}
			if m != nil && m.Version() >= newest {
				s.model = m
				return nil
			}
		}
	}
	status, body, err := s.ledger(ctx, "GET", "/snapshot", nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return edge.ErrNotSeeded
	}
	m, err := evaluator.Load(body)
	if err != nil {
		return fmt.Errorf("the ledger's snapshot does not load: %w", err)
	}
	s.model = m
	tuneGC()
	return nil
}

// Submit and Seed are never asked of an isolate: entry.mjs routes edits and seeds to the
// Ledger, where edge.Ledger answers them.
func (s *ledgerStore) Submit(context.Context, []byte, string) (edge.Answer, error) {
	return edge.Answer{}, errMisrouted
}

func (s *ledgerStore) Seed(context.Context, []byte) (edge.Answer, error) {
	return edge.Answer{}, errMisrouted
}

var errMisrouted = fmt.Errorf("edits and seeds are made by the ledger; this request reached a reader")

func (s *ledgerStore) Log(ctx context.Context, since int64) ([]edge.LogEntry, error) {
	status, body, err := s.ledger(ctx, "GET", "/log?since="+strconv.FormatInt(since, 10), nil)
	if err != nil {
		return nil, err
	}
	var out []edge.LogEntry
	if status != http.StatusOK || json.Unmarshal(body, &out) != nil {
		return nil, fmt.Errorf("the edit ledger failed (%d): %s", status, body)
	}
	return out, nil
}
