//go:build js && wasm

package edge

import (
	"context"
	"errors"
	"time"
)

// defaultFetch: in a Worker the key set is fetched by the function the worker configures
// (TokenConfig.Fetch), through workerd's fetch.
var defaultFetch FetchJWKS = func(context.Context, string) ([]byte, time.Duration, error) {
	return nil, 0, errors.New("this build has no way to fetch the key set: TokenConfig.Fetch is not set")
}
