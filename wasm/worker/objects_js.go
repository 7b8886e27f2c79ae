//go:build js && wasm

package main

import (
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"syscall/js"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/wasm/edge"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
)

// serveShard runs the writer of the shard the Shard object is named for ("directory" or
// "agency:<id>"), and never returns. shard.mjs calls what it sets on binding: step(name, body)
// for a step another object or an isolate sends (POST /step/<name>), read(question, query) for
// a reader's question to the directory's object (GET /<question>?<query>), and, in the
// directory's object, handleRequest for the seed (PUT /v1/snapshot), which entry.mjs sends
// there whole: it is authenticated and judged here (seedStep), so that no reader isolate loads
// the whole state to check it (an isolate's memory never shrinks).
func serveShard(runtime, binding js.Value) {
	name := runtime.Get("name").String()
	journals := sqlJournals{js: runtime.Get("journal")}
	var w *edge.Writers
	var err error
	if s, ok := edge.ParseShard(name); !ok {
		err = fmt.Errorf("%q names no shard: a Shard object is named \"directory\" or \"agency:<id>\"", name)
	} else if s.Agency == "" {
		w, err = edge.RestoreDirectoryObject(journals, time.Now, objects{storage: journals.js})
	} else if key := cloudflare.Getenv(stopEnv); key != "" {
		w, err = edge.RestoreAgencyObject(s.Agency, stoppingJournals{journals, key}, time.Now, objects{})
	} else {
		w, err = edge.RestoreAgencyObject(s.Agency, journals, time.Now, objects{})
	}
	if err != nil {
		binding.Set("bootError", err.Error())
		workers.Ready()
		select {}
	}
	tuneGC()
	bytesArg := func(args []js.Value, i int) []byte {
		if len(args) <= i || args[i].Type() != js.TypeObject {
			return nil
		}
		return goBytes(args[i])
	}
	textArg := func(args []js.Value, i int) string {
		if len(args) <= i || args[i].Type() != js.TypeString {
			return ""
		}
		return args[i].String()
	}
	binding.Set("step", js.FuncOf(func(_ js.Value, args []js.Value) any {
		step, body := textArg(args, 0), bytesArg(args, 1)
		return promised(func() stepAnswer { return serveStep(w, name, step, body) })
	}))
	binding.Set("read", js.FuncOf(func(_ js.Value, args []js.Value) any {
		question, query := textArg(args, 0), textArg(args, 1)
		return promised(func() stepAnswer { return serveRead(w, name, question, query) })
	}))
	if name == edge.Directory.String() {
		tokens, _ := edge.TokensFromEnv(cloudflare.Getenv)
		tokens.Fetch = fetchKeySet
		h := edge.New(edge.Config{Store: seedStep{w}, Secret: []byte(cloudflare.Getenv("CONNSEC_JWT_SECRET")),
			Tokens: tokens, SeedAdmin: cloudflare.Getenv("CONNSEC_SEED_ADMIN")})
		workers.ServeNonBlock(keepAlive(h))
	}
	workers.Ready()
	select {}
}

// seedStep is the directory's object as the Store of the seed it serves: the seed is taken as
// the directory's "seed" step (edge.Front.Seed over the object's own writers), which also has
// every agency's object record its first state; then the collector is tuned to the model.
type seedStep struct{ *edge.Writers }

func (s seedStep) Seed(ctx context.Context, snapshot []byte) (edge.Answer, error) {
	defer func() {
		runtime.GC() // what the seed's checks loaded is let go before the collector is tuned
		tuneGC()
	}()
	return (&edge.Front{Transport: inProcess{s.Writers}}).Seed(ctx, snapshot)
}

// SeedParts takes a seed in parts in this object (edge.Writers.SeedParts reads it line by
// line and has every agency's object record its first state), then tunes the collector.
func (s seedStep) SeedParts(ctx context.Context, parts io.Reader, admitted func(*evaluator.Model) error) (edge.Answer, error) {
	defer func() {
		runtime.GC()
		tuneGC()
	}()
	type seeded struct {
		a   edge.Answer
		err error
	}
	out := sparingly(func() seeded {
		a, err := s.Writers.SeedParts(ctx, parts, admitted)
		return seeded{a, err}
	})
	return out.a, out.err
}

// inProcess carries a step to the writers of this object.
type inProcess struct{ w *edge.Writers }

func (t inProcess) Send(_ context.Context, object, step string, body []byte) ([]byte, error) {
	return t.w.Step(object, step, body)
}

// stepAnswer is what a Shard object answers: shard.mjs only carries it, as {status, type,
// versions, body}.
type stepAnswer struct {
	status   int
	typ      string
	versions edge.Versions
	body     []byte
}

// promised runs f in a goroutine (it may wait for other objects) and resolves a Promise with
// its answer.
func promised(f func() stepAnswer) js.Value {
	executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve := args[0]
		go func() {
			a := f()
			resolve.Invoke(map[string]any{"status": a.status, "type": a.typ, "versions": a.versions.String(), "body": jsBytes(a.body)})
		}()
		return nil
	})
	defer executor.Release()
	return js.Global().Get("Promise").New(executor)
}

func answered(typ string, v edge.Versions, body []byte) stepAnswer {
	return stepAnswer{status: http.StatusOK, typ: typ, versions: v, body: body}
}

// binary answers m in its binary form, or the error that kept it from being made.
func binary(v edge.Versions, m encoding.BinaryMarshaler, err error) stepAnswer {
	if err != nil {
		return refusal(err)
	}
	raw, err := m.MarshalBinary()
	if err != nil {
		return refusal(err)
	}
	return answered("application/octet-stream", v, raw)
}

// refusal answers an error: 404 before a seed, 409 for an export's state no longer kept, 422
// for anything else asked that the state does not have.
func refusal(err error) stepAnswer {
	status := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, edge.ErrNotSeeded):
		status = http.StatusNotFound
	case errors.Is(err, edge.ErrExportMoved):
		status = http.StatusConflict
	}
	return stepAnswer{status: status, typ: "text/plain", body: []byte(err.Error())}
}

func failed(err error) stepAnswer {
	return stepAnswer{status: http.StatusInternalServerError, typ: "text/plain", body: []byte(err.Error())}
}

// serveStep answers one step sent to the writer of shard name (edge.Writers.Step: the claim
// protocol's, and the objects' batches, seeds, births, states and logs): 500 with its error
// when it fails.
func serveStep(w *edge.Writers, name, step string, body []byte) stepAnswer {
	defer tuneGC()
	run := func() stepAnswer {
		out, err := w.Step(name, step, body)
		if err != nil {
			return failed(err)
		}
		return answered("application/json", edge.Versions{}, out)
	}
	if step == "check" { // NYC's cut of a seed is a model of NYC whole beside every agency thin
		return sparingly(run)
	}
	return run()
}

// shardCarryMost is the longest shard the directory's object carries on to a reader: the
// worker's variable CONNSEC_SHARD_CARRY_MOST (bytes), else edge.DefaultShardCarryMost (2 MB).
// A longer one the reader takes from the agency's object (edge.ShardTicket).
func shardCarryMost() int {
	if n, err := strconv.Atoi(cloudflare.Getenv("CONNSEC_SHARD_CARRY_MOST")); err == nil && n > 0 {
		return n
	}
	return edge.DefaultShardCarryMost
}

// serveRead answers a reader's question to the directory's object. It composes them from
// every agency's object, which it asks for its newest state (README "The edge": the whole
// state, its log and the export are the directory's to answer, as the single writer's were):
//
//	version                the newest token (404 before a seed)
//	snapshot               the whole document, with its versions
//	log?after=SEQ          the accepted batches after the whole state's version SEQ
//	directory              the directory index (edge.DirectoryIndex.MarshalBinary)
//	agency?id=ID           the agency's shard document (evaluator's AgencyShard), or for a
//	                       long one the ticket to take it from the agency's object with
//	                       (edge.ShardTicket, as shardTicketType); with &carry=1 the document
//	                       always, carried from the agency's object
//	export?at=T            the export's head at the state T (edge.ExportHead.MarshalBinary)
//	export/agency?id=ID&at=T  the agency's object in the document at the state T
//
// 404 before a seed, 409 for an export's state no longer kept, 422 for an agency or a state
// the question names that is not there; an agency's object answers none of them (400).
func serveRead(w *edge.Writers, name, question, query string) stepAnswer {
	defer tuneGC()
	if name != edge.Directory.String() {
		return stepAnswer{status: http.StatusBadRequest, typ: "text/plain", body: fmt.Appendf(nil, "the writer of %s answers no readers' questions: ask the directory's object", name)}
	}
	ctx := context.Background()
	q, err := url.ParseQuery(query)
	if err != nil {
		return refusal(fmt.Errorf("the question's parameters do not read: %w", err))
	}
	at := func() (edge.Versions, error) {
		if q.Get("at") == "" {
			return edge.Versions{}, errors.New("name the state the export reads: at=<consistency token>")
		}
		return edge.ParseVersions(q.Get("at"))
	}
	agency := func() (string, error) {
		if q.Get("id") == "" {
			return "", errors.New("name the agency: id=<agency id>")
		}
		return q.Get("id"), nil
	}
	switch question {
	case "version":
		v, seeded, err := w.Newest(ctx)
		if err != nil {
			return failed(err)
		}
		if !seeded {
			return refusal(edge.ErrNotSeeded)
		}
		return answered("text/plain", v, []byte(v.String()))
	case "snapshot":
		doc, v, err := w.State(ctx)
		if err == nil && doc == nil {
			err = edge.ErrNotSeeded
		}
		if err != nil {
			return refusal(err)
		}
		return answered("application/json", v, doc)
	case "log":
		seq, err := strconv.ParseInt(q.Get("after"), 10, 64)
		if err != nil && q.Get("after") != "" {
			return refusal(errors.New("after= is the whole state's version: a whole number"))
		}
		entries, err := w.After(ctx, seq)
		if err != nil {
			return failed(err)
		}
		out, err := json.Marshal(entries)
		if err != nil {
			return failed(err)
		}
		return answered("application/json", edge.Versions{}, out)
	case "directory":
		// the index is made from the state with every agency thin, loaded as a model
		return sparingly(func() stepAnswer {
			d, v, err := w.Directory(ctx)
			return binary(v, d, err)
		})
	case "agency":
		id, err := agency()
		if err != nil {
			return refusal(err)
		}
		// a long shard (NYC's is 27 MB) is kept in its agency's object, and the reader takes
		// it there with the ticket answered here (edge.ShardTicket); the parts sent to the
		// agency's object are made here all the same. carry=1: a reader that found the shard
		// kept for it gone has it carried from the agency's object, through this one.
		carryMost := shardCarryMost()
		if q.Get("carry") != "" {
			carryMost = 0
		}
		return sparingly(func() stepAnswer {
			doc, ticket, v, err := w.AgencyShardOrTicket(ctx, id, carryMost)
			if err != nil {
				return refusal(err)
			}
			if ticket != nil {
				raw, err := json.Marshal(ticket)
				if err != nil {
					return failed(err)
				}
				return answered(shardTicketType, v, raw)
			}
			return answered("application/json", v, doc)
		})
	case "export":
		v, err := at()
		if err != nil {
			return refusal(err)
		}
		head, err := w.ExportHead(ctx, v)
		return binary(v, head, err)
	case "export/agency":
		v, err := at()
		id, aerr := agency()
		if err = errors.Join(err, aerr); err != nil {
			return refusal(err)
		}
		body, err := w.ExportAgency(ctx, id, v)
		if err != nil {
			return refusal(err)
		}
		defer body.Close()
		obj, err := io.ReadAll(body)
		if err != nil {
			return failed(err)
		}
		return answered("application/json", v, obj)
	}
	return stepAnswer{status: http.StatusNotFound, typ: "text/plain", body: fmt.Appendf(nil, "the directory's object has no question %q", question)}
}
