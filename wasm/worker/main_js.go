//go:build js && wasm

// Command worker is connsec at the edge (SPEC §10, README "Architecture"): one Go module that
// a Cloudflare Worker runs in two roles. In the worker's isolates it serves the API (package
// edge) through syumai/workers, answering from a read model cached per isolate. In the Ledger
// Durable Object it is the single writer: JavaScript hands it batches, it judges them with
// edge.Commit, and the object stores what it accepted.
package main

import (
	"syscall/js"

	"github.com/connsec/connsec/wasm/edge"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
)

func main() {
	binding := js.Global().Get("context").Get("binding")
	w := &writer{}
	w.register(binding)

	store := &ledgerStore{}
	h := edge.New(edge.Config{Store: store, Secret: []byte(cloudflare.Getenv("CONNSEC_JWT_SECRET")),
		SeedAdmin: cloudflare.Getenv("CONNSEC_SEED_ADMIN")})
	// The instance lives as long as its isolate and serves request after request; see
	// keepAlive for why every answer is handed over whole.
	tuneGC() // until a model is loaded the heap is small
	workers.ServeNonBlock(keepAlive(h))
	workers.Ready()
	select {}
}
