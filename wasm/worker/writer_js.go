//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
	"time"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/wasm/edge"
)

// writer is the single writer's model, held by the Ledger Durable Object's instance. The
// object's JavaScript calls it synchronously and stores what it answers; it decides nothing
// itself (edge.Commit does).
type writer struct {
	model *evaluator.Model
}

type commitReply struct {
	Status  int             `json:"status"`
	Body    json.RawMessage `json:"body"`
	Version int64           `json:"version"`
	Entry   *edge.LogEntry  `json:"entry,omitempty"`
}

func (w *writer) register(b js.Value) {
	str := func(args []js.Value, i int) string {
		if i < len(args) && args[i].Type() == js.TypeString {
			return args[i].String()
		}
		return ""
	}
	reply := func(v any) any {
		out, err := json.Marshal(v)
		if err != nil {
			return `{"status":500,"body":{"error":{"code":"failed","message":"the writer's answer could not be written"}}}`
		}
		return string(out)
	}
	// writerLoad(snapshot) → {version} or {error}: a checkpoint or a seed.
	b.Set("writerLoad", js.FuncOf(func(_ js.Value, args []js.Value) any {
		m, err := evaluator.Load([]byte(str(args, 0)))
		if err != nil {
			return reply(map[string]string{"error": err.Error()})
		}
		w.model = m
		tuneGC()
		return reply(map[string]int64{"version": m.Version()})
	}))
	// writerCommit(batch, time) → commitReply; the model moves on only when it is accepted.
	b.Set("writerCommit", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if w.model == nil {
			return reply(commitReply{Status: 503, Body: json.RawMessage(`{"error":{"code":"no_snapshot","message":"no snapshot has been loaded yet"}}`)})
		}
		at, err := time.Parse(time.RFC3339, str(args, 1))
		if err != nil {
			at = time.Now()
		}
		next, entry, a := edge.Commit(w.model, []byte(str(args, 0)), at)
		if next != nil {
			w.model = next
		}
		return reply(commitReply{Status: a.Status, Body: a.Body, Version: w.model.Version(), Entry: entry})
	}))
	// writerReplay(batch, time) → {version} or {error}: a logged batch applied again at boot,
	// without the what-if a commit makes.
	b.Set("writerReplay", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if w.model == nil {
			return reply(map[string]string{"error": "no snapshot has been loaded yet"})
		}
		at, _ := time.Parse(time.RFC3339, str(args, 1))
		applied, err := w.model.Apply([]byte(str(args, 0)), at)
		if err != nil {
			return reply(map[string]string{"error": err.Error()})
		}
		w.model = applied.Model
		return reply(map[string]int64{"version": w.model.Version()})
	}))
	b.Set("writerSnapshot", js.FuncOf(func(js.Value, []js.Value) any {
		if w.model == nil {
			return js.Null()
		}
		return string(w.model.Snapshot())
	}))
	b.Set("writerVersion", js.FuncOf(func(js.Value, []js.Value) any {
		if w.model == nil {
			return -1
		}
		return w.model.Version()
	}))
}
