//go:build !(js && wasm)

// Natively the worker is an ordinary net/http server over in-memory writers of their own
// shards (edge.Writers: an agency's batches are judged beside every other agency's): the same
// handler, for trying the API without workerd. It listens on 127.0.0.1:$PORT (default 9900)
// only, unless CONNSEC_ADDR names another address (":9900" for every interface).
// CONNSEC_SNAPSHOT names the snapshot (default: the example); tokens are configured as in the
// worker (edge.TokensFromEnv; CONNSEC_JWT_SECRET for development tokens).
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/connsec/connsec/wasm/edge"
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
	store, err := edge.NewMemoryWriters(data, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connsec worker:", path+":", err)
		os.Exit(2)
	}
	tokens, err := edge.TokensFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connsec worker:", err)
		os.Exit(2)
	}
	secret := os.Getenv("CONNSEC_JWT_SECRET")
	if len(secret) < 16 && tokens.JWKSURL == "" && len(tokens.JWKS) == 0 {
		fmt.Fprintln(os.Stderr, "connsec worker: set CONNSEC_JWKS_URL or CONNSEC_JWKS (with CONNSEC_ISSUER), or for local development CONNSEC_JWT_SECRET (16 characters or more)")
		os.Exit(2)
	}
	addr := listenAddr(os.Getenv("CONNSEC_ADDR"), os.Getenv("PORT"))
	fmt.Fprintln(os.Stderr, "connsec worker: listening on http://"+addr)
	if err := http.ListenAndServe(addr, edge.New(edge.Config{Store: store, Secret: []byte(secret), Tokens: tokens})); err != nil {
		fmt.Fprintln(os.Stderr, "connsec worker:", err)
		os.Exit(1)
	}
}

// listenAddr is where the native server listens: CONNSEC_ADDR when set, else the loopback
// interface on $PORT (9900 when unset), so trying the API never opens it to the network.
func listenAddr(addr, port string) string {
	if addr != "" {
		return addr
	}
	if port == "" {
		port = "9900"
	}
	return net.JoinHostPort("127.0.0.1", port)
}
