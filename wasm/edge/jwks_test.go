package edge_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connsec/connsec/wasm/edge"
	"github.com/golang-jwt/jwt/v5"
)

// keyServer is an identity provider's JWKS endpoint whose keys the test changes.
type keyServer struct {
	mu      sync.Mutex
	keys    []json.RawMessage
	fetches int
	down    bool
	srv     *httptest.Server
}

func newKeyServer(t *testing.T) *keyServer {
	ks := &keyServer{}
	ks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		ks.mu.Lock()
		defer ks.mu.Unlock()
		ks.fetches++
		if ks.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"keys": ks.keys})
	}))
	t.Cleanup(ks.srv.Close)
	return ks
}

// publish makes the set the public halves of keys (kid → key).
func (ks *keyServer) publish(t *testing.T, keys map[string]crypto.Signer) {
	t.Helper()
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.keys = nil
	for kid, k := range keys {
		doc, err := edge.PublicJWKS(k, kid)
		if err != nil {
			t.Fatal(err)
		}
		var set struct{ Keys []json.RawMessage }
		json.Unmarshal(doc, &set)
		ks.keys = append(ks.keys, set.Keys...)
	}
}

func (ks *keyServer) count() int {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.fetches
}

const (
	issuer   = "https://idp.example.ny.gov"
	audience = "connsec-edge"
)

func TestIdentityProviderTokens(t *testing.T) {
	rsa1, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsa2, _ := rsa.GenerateKey(rand.Reader, 2048)
	ec1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ks := newKeyServer(t)
	ks.publish(t, map[string]crypto.Signer{"rsa-1": rsa1, "ec-1": ec1})

	data, _ := os.ReadFile("../../fixtures/example/snapshot.json")
	store, _ := edge.NewMemoryStore(data, func() time.Time { return clock })
	now := clock
	var mu sync.Mutex
	at := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	srv := httptest.NewServer(edge.New(edge.Config{Store: store, Secret: secret, Now: at,
		Tokens: edge.TokenConfig{Issuer: issuer, Audience: audience, JWKSURL: ks.srv.URL}}))
	defer srv.Close()
	a := &api{t: t, srv: srv, store: store}

	mint := func(key crypto.Signer, kid string, edit func(*edge.Minted)) string {
		m := edge.Minted{Subject: "p-1003", Issuer: issuer, Audience: audience, KeyID: kid}
		if edit != nil {
			edit(&m)
		}
		tok, err := edge.SignedToken(key, m, at().Add(-time.Minute), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	accepted := func(name, tok string) {
		t.Helper()
		if r := a.do("GET", "/v1/me", tok, nil); r.status != 200 || r.body["subject"] != "p-1003" {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	refused := func(name, tok, why string) {
		t.Helper()
		r := a.do("GET", "/v1/me", tok, nil)
		msg, _ := r.body["error"].(map[string]any)["message"].(string)
		if r.status != 401 || !strings.Contains(msg, why) || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %s, want 401 saying %q", name, r.status, r.raw, why)
		}
	}

	accepted("RS256 found by kid", mint(rsa1, "rsa-1", nil))
	accepted("ES256 found by kid", mint(ec1, "ec-1", nil))
	if n := ks.count(); n != 1 {
		t.Fatalf("the key set was fetched %d times for two tokens; it is kept", n)
	}

	// An unknown kid fetches the set again, at most once a minute.
	advance(61 * time.Second)
	refused("an unknown kid", mint(rsa2, "rsa-2", nil), `kid "rsa-2"`)
	refused("the unknown kid again", mint(rsa2, "rsa-2", func(m *edge.Minted) { m.Subject = "p-1005" }), `kid "rsa-2"`)
	if n := ks.count(); n != 2 {
		t.Fatalf("two tokens of an unknown kid within a minute fetched the set %d times in all, want 2", n)
	}
	// Rotation: the provider publishes rsa-2 and withdraws ec-1; no redeploy.
	ks.publish(t, map[string]crypto.Signer{"rsa-1": rsa1, "rsa-2": rsa2})
	advance(61 * time.Second)
	rotated := mint(rsa2, "rsa-2", nil)
	accepted("a rotated-in key", rotated)
	refused("a token for a withdrawn key", mint(ec1, "ec-1", func(m *edge.Minted) { m.Subject = "p-1005" }), "does not list")
	// Keys are kept five minutes (the provider sends no max-age); after that the set is
	// fetched again, and a key withdrawn meanwhile is no longer trusted, not even for a token
	// accepted before.
	ks.publish(t, map[string]crypto.Signer{"rsa-1": rsa1})
	advance(4 * time.Minute)
	accepted("a withdrawn key within its five minutes", mint(rsa2, "rsa-2", nil))
	advance(2 * time.Minute)
	refused("a token accepted before, its key withdrawn", rotated, "does not list")

	refused("another issuer", mint(rsa1, "rsa-1", func(m *edge.Minted) { m.Issuer = "https://evil.example" }), "issued by")
	refused("another audience", mint(rsa1, "rsa-1", func(m *edge.Minted) { m.Audience = "someone-else" }), "meant for")
	refused("no audience", mint(rsa1, "rsa-1", func(m *edge.Minted) { m.Audience = "" }), "meant for")
	expired, _ := edge.SignedToken(rsa1, edge.Minted{Subject: "p-1003", Issuer: issuer, Audience: audience, KeyID: "rsa-1"}, at().Add(-2*time.Hour), time.Hour)
	refused("expired", expired, "expired")
	skewed, _ := edge.SignedToken(rsa1, edge.Minted{Subject: "p-1003", Issuer: issuer, Audience: audience, KeyID: "rsa-1"}, at().Add(-time.Hour-10*time.Second), time.Hour)
	accepted("expired 10 s ago, within the clock skew", skewed)

	b64 := base64.RawURLEncoding.EncodeToString
	claims := fmt.Sprintf(`{"sub":"p-1003","iss":%q,"aud":%q,"exp":%d}`, issuer, audience, at().Add(time.Hour).Unix())
	refused("alg none", b64([]byte(`{"alg":"none","typ":"JWT","kid":"rsa-1"}`))+"."+b64([]byte(claims))+".", "signed with")
	hs, _ := edge.Token(secret, "p-1003", at(), time.Hour)
	refused("HS256 with the development secret while an issuer is configured", hs, "local development only")
	// Algorithm confusion: HS256 keyed with the provider's RSA public key.
	der, _ := x509.MarshalPKIXPublicKey(&rsa1.PublicKey)
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	confused := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "p-1003", "iss": issuer, "aud": audience, "exp": at().Add(time.Hour).Unix()})
	confused.Header["kid"] = "rsa-1"
	conf, _ := confused.SignedString(pub)
	refused("HS256 signed with the RSA public key", conf, "HS256")
	// A key of one kind cannot carry the other algorithm.
	refused("ES256 header on an RSA kid", mint(ec1, "rsa-1", func(m *edge.Minted) { m.Subject = "p-1005" }), "is for RS256")
}

func TestIdentityProviderKeysInlineOrUnreachable(t *testing.T) {
	ec1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	inline, _ := edge.PublicJWKS(ec1, "ec-1")
	data, _ := os.ReadFile("../../fixtures/example/snapshot.json")
	store, _ := edge.NewMemoryStore(data, func() time.Time { return clock })
	now := func() time.Time { return clock }
	tok, _ := edge.SignedToken(ec1, edge.Minted{Subject: "service:pep", Issuer: issuer, KeyID: "ec-1"}, clock, time.Hour)

	srv := httptest.NewServer(edge.New(edge.Config{Store: store, Now: now, Tokens: edge.TokenConfig{Issuer: issuer, JWKS: inline}}))
	defer srv.Close()
	a := &api{t: t, srv: srv, store: store}
	if r := a.do("GET", "/v1/me", tok, nil); r.status != 200 || r.body["subject"] != "service:pep" {
		t.Fatalf("a token signed with an inline key: %d %s", r.status, r.raw)
	}

	ks := newKeyServer(t)
	ks.down = true
	down := httptest.NewServer(edge.New(edge.Config{Store: store, Now: now, Tokens: edge.TokenConfig{Issuer: issuer, JWKSURL: ks.srv.URL}}))
	defer down.Close()
	b := &api{t: t, srv: down, store: store}
	if r := b.do("GET", "/v1/me", tok, nil); r.status != 401 || !strings.Contains(string(r.raw), "could not be fetched") {
		t.Fatalf("the provider unreachable: %d %s", r.status, r.raw)
	}

	if _, err := edge.TokensFromEnv(func(k string) string {
		return map[string]string{"CONNSEC_ISSUER": issuer, "CONNSEC_JWKS": `{"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}`}[k]
	}); err == nil || !strings.Contains(err.Error(), "CONNSEC_JWKS") {
		t.Fatalf("a short RSA key inline: %v", err)
	}
	if _, err := edge.TokensFromEnv(func(k string) string { return map[string]string{"CONNSEC_ISSUER": issuer}[k] }); err == nil {
		t.Fatal("an issuer without a key set was accepted")
	}
}
