//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"syscall/js"
	"time"

	"github.com/connsec/connsec/wasm/edge"
	"github.com/syumai/workers/cloudflare/fetch"
)

// fetchKeySet gets the identity provider's key set with workerd's fetch, in the request that
// needs it (edge.TokenConfig.Fetch).
func fetchKeySet(ctx context.Context, url string) ([]byte, time.Duration, error) {
	req, err := fetch.NewRequest(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	// The context's fetch (go.mjs) is workerd's, bound to its global.
	res, err := fetch.NewClient(fetch.WithBinding(js.Global().Get("context"))).Do(req, nil)
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("%s answered %d", url, res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return body, edge.MaxAge(res.Header.Get("Cache-Control")), err
}
