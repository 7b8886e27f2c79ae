//go:build !(js && wasm)

package edge

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// defaultFetch gets a key set with net/http. (In a Worker the caller gives its own: Go's
// js/wasm HTTP client cannot call workerd's fetch, and would add megabytes to the module.)
var defaultFetch FetchJWKS = fetchOverHTTP

func fetchOverHTTP(ctx context.Context, url string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("%s answered %d", url, res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxJWKS))
	return body, MaxAge(res.Header.Get("Cache-Control")), err
}
