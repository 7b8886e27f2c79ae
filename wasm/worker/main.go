//go:build !(js && wasm)

// Natively the worker is an ordinary net/http server over in-memory writers of their own
// shards (edge.Writers: an agency's batches are judged beside every other agency's): the same
// handler, for trying the API without workerd. Its AuthZEN routes answer from per-agency read
// models over the writers (edge.Shards), as the worker's isolates do; the coordinator routes
// read the writers' whole state. It listens on 127.0.0.1:$PORT (default 9900) only, unless
// CONNSEC_ADDR names another address (":9900" for every interface). CONNSEC_SNAPSHOT names the
// snapshot (default: the example); tokens are configured as in the worker (edge.TokensFromEnv;
// CONNSEC_JWT_SECRET for development tokens).
package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/connsec/connsec/wasm/edge"
)

func main() {
	h, err := server(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connsec worker:", err)
		os.Exit(2)
	}
	addr := listenAddr(os.Getenv("CONNSEC_ADDR"), os.Getenv("PORT"))
	fmt.Fprintln(os.Stderr, "connsec worker: listening on http://"+addr)
	if err := http.ListenAndServe(addr, h); err != nil {
		fmt.Fprintln(os.Stderr, "connsec worker:", err)
		os.Exit(1)
	}
}

// server is the API over the snapshot CONNSEC_SNAPSHOT names, with the tokens the environment
// configures.
func server(getenv func(string) string) (http.Handler, error) {
	path := getenv("CONNSEC_SNAPSHOT")
	if path == "" {
		path = "fixtures/example/snapshot.json"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	store, err := edge.NewMemoryWriters(data, time.Now)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tokens, err := edge.TokensFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	secret := getenv("CONNSEC_JWT_SECRET")
	if len(secret) < 16 && tokens.JWKSURL == "" && len(tokens.JWKS) == 0 {
		return nil, errors.New("set CONNSEC_JWKS_URL or CONNSEC_JWKS (with CONNSEC_ISSUER), or for local development CONNSEC_JWT_SECRET (16 characters or more)")
	}
	// Fresh 0: the writers are in this process, so every request reads their newest state.
	shards := &edge.Shards{Source: store}
	return edge.New(edge.Config{Store: store, Shards: shards, Secret: []byte(secret), Tokens: tokens}), nil
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
