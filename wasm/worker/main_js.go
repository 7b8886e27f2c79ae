//go:build js && wasm

// Command worker is connsec at the edge (SPEC §10, README "The edge"): one Go module that a
// Cloudflare Worker runs in two roles, each from one long-lived instance. In the worker's
// isolates (the front) it serves the API (package edge) through syumai/workers: the AuthZEN
// routes and the coordinator's read routes from the agency read models it keeps (edge.Shards);
// only what-ifs that reach past one agency, suggest and the administrator's whole snapshot
// still load a read model of the whole state, each cached per isolate; edits and seeds are
// authenticated there and sent on to the writers (edge.Front). In a Shard Durable Object it is
// the writer of one shard: an agency (edge.RestoreAgencyObject) or the directory
// (edge.RestoreDirectoryObject), over the object's SQLite storage, taking the steps the other
// objects and the isolates send it; the directory's object also answers the readers' questions
// and the export's pieces (objects_js.go).
package main

import (
	"syscall/js"
	"time"

	"github.com/connsec/connsec/wasm/edge"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
)

func main() {
	runtime := js.Global().Get("context")
	binding := runtime.Get("binding")
	pace.Start() // until a model is loaded the heap is small
	if runtime.Get("role").String() == "shard" {
		serveShard(runtime, binding)
	}
	reader := &edge.Reader{Source: directorySource{}, Fresh: freshFor, Now: time.Now, Loaded: tuneGC}
	store := &edge.Front{Reader: reader, Source: directorySource{}, Transport: objects{}, Fresh: routeFor}
	shards := &edge.Shards{Source: directorySource{}, Fresh: freshFor, Now: time.Now, Budget: shardBudget, Loaded: tuneGC}
	// A token configuration that cannot be used is answered on every request (edge.New).
	tokens, _ := edge.TokensFromEnv(cloudflare.Getenv)
	tokens.Fetch = fetchKeySet
	h := edge.New(edge.Config{Store: store, Shards: shards, Secret: []byte(cloudflare.Getenv("CONNSEC_JWT_SECRET")),
		Tokens: tokens, SeedAdmin: cloudflare.Getenv("CONNSEC_SEED_ADMIN")})
	// The instance lives as long as its isolate and serves request after request; see
	// keepAlive for how an answer is handed over (whole, or streamed when the handler flushes).
	workers.ServeNonBlock(keepAlive(h))
	workers.Ready()
	select {}
}
