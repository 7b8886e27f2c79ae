package edge

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The identity provider's signing keys (SPEC §10): RS256 and ES256 public keys found by
// their kid in a JSON Web Key Set, given inline or fetched from a URL at the edge and kept
// for as long as the provider's Cache-Control max-age says (five minutes when it says
// nothing, a day at most). A kid the set does not hold makes it fetch again, at most once a
// minute, so a rotated key is picked up without a redeploy and unknown kids cannot make the
// edge hammer the provider.
//
// The set is fetched in the request that needs it, never in the background: a Worker may do
// I/O only on behalf of a request, which rules out refreshers such as keyfunc's goroutine.

// FetchJWKS gets a key set's document and how long it may be kept (0: not said).
type FetchJWKS func(ctx context.Context, url string) (body []byte, maxAge time.Duration, err error)

const (
	defaultKeysFor = 5 * time.Minute
	longestKeysFor = 24 * time.Hour
	defaultRefetch = time.Minute
	maxJWKS        = 1 << 20
)

// publicKey is one key of the set, with the algorithm it is for.
type publicKey struct {
	alg string // RS256 or ES256
	key any    // *rsa.PublicKey or *ecdsa.PublicKey
}

type keySet struct {
	url     string
	fetch   FetchJWKS
	refetch time.Duration
	inline  map[string]publicKey

	mu      sync.Mutex
	fetched map[string]publicKey
	at      time.Time // the last fetch tried
	until   time.Time // the fetched keys are fresh until then
	failure error     // why the last fetch failed, if it did
}

func newKeySet(url string, inline []byte, fetch FetchJWKS, refetch time.Duration) (*keySet, error) {
	s := &keySet{url: url, fetch: fetch, refetch: refetch}
	if s.fetch == nil {
		s.fetch = defaultFetch
	}
	if s.refetch <= 0 {
		s.refetch = defaultRefetch
	}
	if len(inline) > 0 {
		keys, err := parseJWKS(inline)
		if err != nil {
			return nil, fmt.Errorf("the inline key set: %w", err)
		}
		s.inline = keys
	}
	return s, nil
}

// key finds the key a token names.
func (s *keySet) key(ctx context.Context, kid string, now time.Time) (publicKey, error) {
	if k, ok := s.inline[kid]; ok {
		return k, nil
	}
	if s.url == "" {
		return publicKey{}, tokenRefusal("it names a key (kid %q) the configured key set does not hold", kid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, known := s.fetched[kid]
	stale := !now.Before(s.until)
	if (stale || !known) && (s.at.IsZero() || now.Sub(s.at) >= s.refetch) {
		s.refresh(ctx, now)
		k, known = s.fetched[kid]
	}
	switch {
	case known:
		return k, nil
	case s.fetched == nil && s.failure != nil:
		return publicKey{}, tokenRefusal("the identity provider's keys could not be fetched (%v); try again in a minute", s.failure)
	}
	return publicKey{}, tokenRefusal("it names a key (kid %q) the identity provider does not list", kid)
}

// refresh fetches the set; on failure the keys fetched before stay in use until the next try.
func (s *keySet) refresh(ctx context.Context, now time.Time) {
	s.at = now
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	body, maxAge, err := s.fetch(ctx, s.url)
	var keys map[string]publicKey
	if err == nil {
		keys, err = parseJWKS(body)
	}
	if err != nil {
		s.failure = err
		return
	}
	if maxAge <= 0 {
		maxAge = defaultKeysFor
	}
	s.fetched, s.failure, s.until = keys, nil, now.Add(min(max(maxAge, s.refetch), longestKeysFor))
}

// MaxAge reads max-age from a Cache-Control header (0 when absent, or no-store / no-cache).
func MaxAge(cc string) time.Duration {
	for _, d := range strings.Split(cc, ",") {
		d = strings.TrimSpace(strings.ToLower(d))
		if d == "no-store" || d == "no-cache" {
			return 0
		}
		if v, ok := strings.CutPrefix(d, "max-age="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 0
}

// parseJWKS reads the signing keys of a JWK Set (RFC 7517): RSA keys of 2048 bits or more
// for RS256, P-256 keys for ES256. Keys for encryption ("use": "enc") and of other kinds are
// passed over; a set with no usable key is refused.
func parseJWKS(doc []byte) (map[string]publicKey, error) {
	var set struct {
		Keys []struct {
			Kty, Kid, Use, Alg, N, E, Crv, X, Y string
		} `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		return nil, fmt.Errorf("it is not a JSON Web Key Set: %v", err)
	}
	out := map[string]publicKey{}
	for i, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		var pk publicKey
		switch {
		case k.Kty == "RSA" && (k.Alg == "" || k.Alg == "RS256"):
			n, errN := base64.RawURLEncoding.DecodeString(k.N)
			e, errE := base64.RawURLEncoding.DecodeString(k.E)
			if errN != nil || errE != nil || len(e) == 0 || len(e) > 4 {
				return nil, fmt.Errorf("keys[%d] (kid %q): n or e is not base64url", i, k.Kid)
			}
			key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
			if key.N.BitLen() < 2048 {
				return nil, fmt.Errorf("keys[%d] (kid %q): an RSA key must have 2048 bits or more", i, k.Kid)
			}
			pk = publicKey{alg: "RS256", key: key}
		case k.Kty == "EC" && k.Crv == "P-256" && (k.Alg == "" || k.Alg == "ES256"):
			x, errX := base64.RawURLEncoding.DecodeString(k.X)
			y, errY := base64.RawURLEncoding.DecodeString(k.Y)
			if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
				return nil, fmt.Errorf("keys[%d] (kid %q): x or y is not a base64url P-256 coordinate", i, k.Kid)
			}
			key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
			if err != nil {
				return nil, fmt.Errorf("keys[%d] (kid %q): %v", i, k.Kid, err)
			}
			pk = publicKey{alg: "ES256", key: key}
		default:
			continue
		}
		out[k.Kid] = pk
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("it holds no RS256 or ES256 signing key")
	}
	return out, nil
}
