package edge

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Caller is who sent a request (SPEC §10): a person acting as themselves, or a service (a
// policy enforcement point) that may only evaluate and search.
type Caller struct {
	Person  string // the person id, for a person token
	Service string // the service name, for a "service:<name>" token
}

func (c Caller) String() string {
	if c.Service != "" {
		return "service:" + c.Service
	}
	return c.Person
}

// Token mints an HS256 token for sub ("p-1003" or "service:pep") valid for ttl from now. It is
// how `connsec token` makes development tokens.
func Token(secret []byte, sub string, now time.Time, ttl time.Duration) (string, error) {
	if len(secret) < 16 {
		return "", errors.New("the signing secret must be at least 16 bytes")
	}
	claims, err := tokenClaims(Minted{Subject: sub}, now, ttl)
	if err != nil {
		return "", err
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}

// Minted is what a token minted with a private key says.
type Minted struct {
	Subject  string // a person id or service:<name>
	Issuer   string
	Audience string
	KeyID    string // the kid of the key in the provider's JWKS
}

// SignedToken mints a token signed with an RSA key (RS256) or a P-256 key (ES256), as an
// identity provider would: how `connsec token --key` makes test tokens.
func SignedToken(key crypto.Signer, m Minted, now time.Time, ttl time.Duration) (string, error) {
	var method jwt.SigningMethod
	switch k := key.(type) {
	case *rsa.PrivateKey:
		method = jwt.SigningMethodRS256
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return "", errors.New("an EC key must be on P-256 for ES256")
		}
		method = jwt.SigningMethodES256
	default:
		return "", errors.New("the key must be an RSA or a P-256 EC private key")
	}
	claims, err := tokenClaims(m, now, ttl)
	if err != nil {
		return "", err
	}
	t := jwt.NewWithClaims(method, claims)
	if m.KeyID != "" {
		t.Header["kid"] = m.KeyID
	}
	return t.SignedString(key)
}

func tokenClaims(m Minted, now time.Time, ttl time.Duration) (jwt.RegisteredClaims, error) {
	if m.Subject == "" || m.Subject == "service:" {
		return jwt.RegisteredClaims{}, errors.New("the token needs a subject: a person id or service:<name>")
	}
	c := jwt.RegisteredClaims{Subject: m.Subject, Issuer: m.Issuer, IssuedAt: jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl))}
	if m.Audience != "" {
		c.Audience = jwt.ClaimStrings{m.Audience}
	}
	return c, nil
}

// PublicJWKS is the JWK Set (RFC 7517) of the public half of key, under kid: what an
// identity provider publishes, for CONNSEC_JWKS or a test's key server.
func PublicJWKS(key crypto.Signer, kid string) ([]byte, error) {
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	var jwk map[string]string
	switch k := key.Public().(type) {
	case *rsa.PublicKey:
		jwk = map[string]string{"kty": "RSA", "alg": "RS256", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PublicKey:
		raw, err := k.Bytes()
		if err != nil || len(raw) != 65 {
			return nil, errors.New("an EC key must be on P-256 for ES256")
		}
		jwk = map[string]string{"kty": "EC", "alg": "ES256", "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:])}
	default:
		return nil, errors.New("the key must be an RSA or a P-256 EC key")
	}
	jwk["use"], jwk["kid"] = "sig", kid
	return json.Marshal(map[string]any{"keys": []any{jwk}})
}

// tokenCache remembers tokens already verified, with the window they are valid in, so a
// caller sending the same token again is not verified again. It holds at most maxTokens and
// is emptied when full.
type tokenCache struct {
	mu     sync.Mutex
	byText map[string]verified
}

type verified struct {
	caller    Caller
	from, end time.Time
}

const maxTokens = 4096

func (tc *tokenCache) authenticate(r *http.Request, v *verifier, now time.Time) (Caller, error) {
	text := r.Header.Get("Authorization")
	tc.mu.Lock()
	known, ok := tc.byText[text]
	tc.mu.Unlock()
	if ok && !now.Before(known.from) && now.Before(known.end) {
		return known.caller, nil
	}
	c, claims, err := v.authenticateClaims(r, now)
	if err != nil {
		return c, err
	}
	seen := verified{caller: c, end: claims.ExpiresAt.Time.Add(clockSkew)}
	if claims.NotBefore != nil {
		seen.from = claims.NotBefore.Time.Add(-clockSkew)
	}
	if v.keys != nil && now.Add(rememberKeyed).Before(seen.end) {
		seen.end = now.Add(rememberKeyed)
	}
	tc.mu.Lock()
	if tc.byText == nil || len(tc.byText) >= maxTokens {
		tc.byText = map[string]verified{}
	}
	tc.byText[text] = seen
	tc.mu.Unlock()
	return c, nil
}

// TokenConfig says which tokens are trusted (SPEC §10). With an Issuer, only RS256 and ES256
// tokens of that identity provider are: signed with a key of its JWKS (found by kid), naming
// the issuer and, when set, the Audience. Without one, HS256 tokens signed with the shared
// secret (Config.Secret) are trusted too: that is for local development (`make run`) only.
type TokenConfig struct {
	Issuer   string
	Audience string
	JWKSURL  string        // where the provider publishes its key set
	JWKS     []byte        // or the key set itself
	Refetch  time.Duration // the least time between two fetches of the set; 0: a minute
	Fetch    FetchJWKS     // nil: net/http (in a Worker, its fetch)
}

// TokensFromEnv reads the token configuration from the environment (worker vars or the
// process's): CONNSEC_ISSUER, CONNSEC_AUDIENCE, CONNSEC_JWKS_URL, CONNSEC_JWKS (the set
// inline) and CONNSEC_JWKS_REFETCH (seconds).
func TokensFromEnv(getenv func(string) string) (TokenConfig, error) {
	tc := TokenConfig{Issuer: getenv("CONNSEC_ISSUER"), Audience: getenv("CONNSEC_AUDIENCE"),
		JWKSURL: getenv("CONNSEC_JWKS_URL"), JWKS: []byte(getenv("CONNSEC_JWKS"))}
	if v := getenv("CONNSEC_JWKS_REFETCH"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return tc, fmt.Errorf("CONNSEC_JWKS_REFETCH must be a number of seconds, not %q", v)
		}
		tc.Refetch = time.Duration(n) * time.Second
	}
	if tc.Issuer != "" && tc.JWKSURL == "" && len(tc.JWKS) == 0 {
		return tc, errors.New("CONNSEC_ISSUER is set but no key set is: set CONNSEC_JWKS_URL or CONNSEC_JWKS")
	}
	if len(tc.JWKS) > 0 {
		if _, err := parseJWKS(tc.JWKS); err != nil {
			return tc, fmt.Errorf("CONNSEC_JWKS: %w", err)
		}
	}
	return tc, nil
}

// clockSkew is how far the caller's clock and the provider's may be from ours.
const clockSkew = 30 * time.Second

// rememberKeyed is the longest a token signed with a provider's key is remembered as
// verified, so that a key the provider withdrew stops being trusted soon.
const rememberKeyed = time.Minute

// refusal is why a token is not accepted, in a coordinator's words.
type refusal struct{ why string }

func (r *refusal) Error() string { return r.why }

func tokenRefusal(format string, args ...any) error {
	return &refusal{why: fmt.Sprintf(format, args...)}
}

// verifier checks bearer tokens against the configuration.
type verifier struct {
	secret []byte
	tc     TokenConfig
	keys   *keySet // nil: no key set configured
	broken error   // the configuration cannot be used
}

func newVerifier(secret []byte, tc TokenConfig) *verifier {
	v := &verifier{secret: secret, tc: tc}
	if tc.JWKSURL != "" || len(tc.JWKS) > 0 {
		v.keys, v.broken = newKeySet(tc.JWKSURL, tc.JWKS, tc.Fetch, tc.Refetch)
	}
	return v
}

func (v *verifier) methods() []string {
	var m []string
	if v.keys != nil {
		m = append(m, "RS256", "ES256")
	}
	if v.tc.Issuer == "" && len(v.secret) >= 16 {
		m = append(m, "HS256")
	}
	return m
}

// authenticateClaims reads `Authorization: Bearer <JWT>`: signed as TokenConfig says, with an
// expiry, not used before its nbf (30 seconds of clock skew allowed). Anything else is 401.
func (v *verifier) authenticateClaims(r *http.Request, now time.Time) (Caller, *jwt.RegisteredClaims, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Caller{}, nil, fail(http.StatusUnauthorized, codeUnauthenticated, "sign in: send Authorization: Bearer <token>")
	}
	scheme, raw, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return Caller{}, nil, fail(http.StatusUnauthorized, codeUnauthenticated, "the Authorization header must be Bearer <token>")
	}
	if v.broken != nil {
		return Caller{}, nil, fail(http.StatusInternalServerError, codeFailed, "the service's token configuration cannot be used: %v", v.broken)
	}
	methods := v.methods()
	if len(methods) == 0 {
		return Caller{}, nil, fail(http.StatusInternalServerError, codeFailed, "the service trusts no token: configure the identity provider's key set (CONNSEC_JWKS_URL or CONNSEC_JWKS), or for local development a signing secret (CONNSEC_JWT_SECRET) of 16 characters or more")
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(methods), jwt.WithExpirationRequired(), jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(func() time.Time { return now })}
	if v.tc.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(v.tc.Issuer))
	}
	if v.tc.Audience != "" {
		opts = append(opts, jwt.WithAudience(v.tc.Audience))
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(strings.TrimSpace(raw), &claims, func(t *jwt.Token) (any, error) {
		alg := t.Method.Alg()
		if alg == "HS256" {
			return v.secret, nil
		}
		kid, _ := t.Header["kid"].(string)
		k, err := v.keys.key(r.Context(), kid, now)
		if err != nil {
			return nil, err
		}
		if k.alg != alg {
			return nil, tokenRefusal("it is signed with %s, but its key (kid %q) is for %s", alg, kid, k.alg)
		}
		return k.key, nil
	}, opts...)
	if err != nil {
		return Caller{}, nil, fail(http.StatusUnauthorized, codeUnauthenticated, "the token is not accepted: %s", v.tokenProblem(raw, &claims, err))
	}
	sub := claims.Subject
	if name, isService := strings.CutPrefix(sub, "service:"); isService {
		if name == "" {
			return Caller{}, nil, fail(http.StatusUnauthorized, codeUnauthenticated, "the token's subject names no service")
		}
		return Caller{Service: name}, &claims, nil
	}
	if sub == "" {
		return Caller{}, nil, fail(http.StatusUnauthorized, codeUnauthenticated, "the token has no subject (sub)")
	}
	return Caller{Person: sub}, &claims, nil
}

func (v *verifier) tokenProblem(raw string, claims *jwt.RegisteredClaims, err error) string {
	var why *refusal
	alg := ""
	if t, _, perr := jwt.NewParser().ParseUnverified(strings.TrimSpace(raw), &jwt.RegisteredClaims{}); perr == nil {
		alg, _ = t.Header["alg"].(string)
	}
	switch {
	case errors.As(err, &why):
		return why.why
	case strings.Contains(err.Error(), "signing method"):
		if alg == "HS256" && v.tc.Issuer != "" {
			return "it is signed with a shared secret (HS256), which is for local development only; this service trusts the RS256 and ES256 tokens of its identity provider"
		}
		return fmt.Sprintf("it is signed with %q; this service accepts %s", alg, strings.Join(v.methods(), " or "))
	case errors.Is(err, jwt.ErrTokenExpired):
		return "it has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "it is not valid yet"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing) && strings.Contains(err.Error(), "aud"):
		return fmt.Sprintf("it is meant for no audience (aud); this service is %q", v.tc.Audience)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "it has no expiry (exp)"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return fmt.Sprintf("it was issued by %q, not by this service's identity provider %q", claims.Issuer, v.tc.Issuer)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return fmt.Sprintf("it is meant for %q, not for this service (%q)", strings.Join(claims.Audience, ", "), v.tc.Audience)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "its signature does not match"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "its signature cannot be checked"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "it is not a well-formed JWT"
	}
	return fmt.Sprint(err)
}
