//go:build js && wasm

// Command worker is connsec at the edge (SPEC §10, README "Architecture"): one Go module that
// a Cloudflare Worker runs in two roles, each serving the API (package edge) through
// syumai/workers from one long-lived instance. In the worker's isolates it answers the AuthZEN
// routes and the coordinator's read routes from the agency read models it keeps (edge.Shards);
// only what-ifs that reach past one agency, suggest and the administrator's whole snapshot still
// load a read model of the whole state, each cached per isolate. In the Ledger Durable Object it is the single writer: edits
// and seeds are routed there, judged by edge.Ledger and recorded in the journal of the shard
// each acts on, in the object's storage.
package main

import (
	"context"
	"net/http"
	"syscall/js"
	"time"

	"github.com/connsec/connsec/wasm/edge"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
)

func main() {
	runtime := js.Global().Get("context")
	binding := runtime.Get("binding")
	tuneGC() // until a model is loaded the heap is small

	var store edge.Store = &edge.Reader{Source: ledgerSource{}, Fresh: freshFor, Now: time.Now, Loaded: tuneGC}
	shards := &edge.Shards{Source: ledgerSource{}, Fresh: freshFor, Now: time.Now, Budget: shardBudget, Loaded: tuneGC}
	if runtime.Get("role").String() == "ledger" {
		ledger, err := edge.RestoreLedger(sqlJournals{js: runtime.Get("journal")}, time.Now)
		if err != nil {
			binding.Set("bootError", err.Error())
			workers.Ready()
			select {}
		}
		tuneGC()
		binding.Set("ledgerVersions", js.FuncOf(func(js.Value, []js.Value) any {
			if v, seeded := ledger.Versions(); seeded {
				return v.String()
			}
			return js.Null()
		}))
		binding.Set("ledgerSnapshot", js.FuncOf(func(js.Value, []js.Value) any {
			if doc := ledger.Snapshot(); doc != nil {
				return string(doc)
			}
			return js.Null()
		}))
		exposeShards(binding, ledger)
		store, shards = seedTuned{ledger}, nil // the Ledger answers edits and seeds, not evaluations
	}
	// A token configuration that cannot be used is answered on every request (edge.New).
	tokens, _ := edge.TokensFromEnv(cloudflare.Getenv)
	tokens.Fetch = fetchKeySet
	h := edge.New(edge.Config{Store: store, Shards: shards, Secret: []byte(cloudflare.Getenv("CONNSEC_JWT_SECRET")),
		Tokens: tokens, SeedAdmin: cloudflare.Getenv("CONNSEC_SEED_ADMIN")})
	// The instance lives as long as its isolate and serves request after request; see
	// keepAlive for why every answer is handed over whole.
	workers.ServeNonBlock(keepAlive(h))
	workers.Ready()
	select {}
}

// seedTuned tunes the collector once a seed has loaded the first model.
type seedTuned struct{ *edge.Ledger }

func (s seedTuned) Seed(ctx context.Context, snapshot []byte) (edge.Answer, error) {
	a, err := s.Ledger.Seed(ctx, snapshot)
	if err == nil && a.Status == http.StatusOK {
		tuneGC()
	}
	return a, err
}
