//go:build !(js && wasm)

// Natively the worker is an ordinary net/http server (syumai/workers' Serve on $PORT, default
// 9900) over an in-memory store: the same handler, for trying the API without workerd.
// CONNSEC_SNAPSHOT names the snapshot (default: the example); CONNSEC_JWT_SECRET signs tokens.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/connsec/connsec/wasm/edge"
	"github.com/syumai/workers"
)

func main() {
	path := os.Getenv("CONNSEC_SNAPSHOT")
	if path == "" {
		path = "fixtures/example/snapshot.json"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connsec worker:", err)
		os.Exit(2)
	}
	store, err := edge.NewMemoryStore(data, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connsec worker:", path+":", err)
		os.Exit(2)
	}
	secret := os.Getenv("CONNSEC_JWT_SECRET")
	if len(secret) < 16 {
		fmt.Fprintln(os.Stderr, "connsec worker: set CONNSEC_JWT_SECRET (16 characters or more)")
		os.Exit(2)
	}
	workers.Serve(edge.New(edge.Config{Store: store, Secret: []byte(secret)}))
}
