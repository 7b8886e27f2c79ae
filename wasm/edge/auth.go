package edge

import (
	"errors"
	"fmt"
	"net/http"
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
	if sub == "" || sub == "service:" {
		return "", errors.New("the token needs a subject: a person id or service:<name>")
	}
	claims := jwt.RegisteredClaims{Subject: sub, IssuedAt: jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl))}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
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

func (tc *tokenCache) authenticate(r *http.Request, secret []byte, now time.Time) (Caller, error) {
	text := r.Header.Get("Authorization")
	tc.mu.Lock()
	v, seen := tc.byText[text]
	tc.mu.Unlock()
	if seen && !now.Before(v.from) && now.Before(v.end) {
		return v.caller, nil
	}
	c, claims, err := authenticateClaims(r, secret, now)
	if err != nil {
		return c, err
	}
	v = verified{caller: c, end: claims.ExpiresAt.Time}
	if claims.NotBefore != nil {
		v.from = claims.NotBefore.Time
	}
	tc.mu.Lock()
	if tc.byText == nil || len(tc.byText) >= maxTokens {
		tc.byText = map[string]verified{}
	}
	tc.byText[text] = v
	tc.mu.Unlock()
	return c, nil
}

// authenticateClaims reads `Authorization: Bearer <JWT>`: HS256 only, signed with the secret, with
// an expiry, not used before its nbf. Anything else is 401.
func authenticateClaims(r *http.Request, secret []byte, now time.Time) (Caller, *jwt.RegisteredClaims, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Caller{}, nil, fail(http.StatusUnauthorized, codeUnauthenticated, "sign in: send Authorization: Bearer <token>")
	}
	scheme, raw, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return Caller{}, nil, fail(http.StatusUnauthorized, codeUnauthenticated, "the Authorization header must be Bearer <token>")
	}
	if len(secret) < 16 {
		return Caller{}, nil, fail(http.StatusInternalServerError, codeFailed, "the service's signing secret (CONNSEC_JWT_SECRET) is missing or shorter than 16 characters; no token can be trusted")
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(strings.TrimSpace(raw), &claims, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		return Caller{}, nil, fail(http.StatusUnauthorized, codeUnauthenticated, "the token is not accepted: %s", tokenProblem(err))
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

func tokenProblem(err error) string {
	switch {
	case strings.Contains(err.Error(), "signing method"):
		return "it is not signed with HS256"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "it has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "it is not valid yet"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "it has no expiry (exp)"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "its signature does not match"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "it is not signed with HS256"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "it is not a well-formed JWT"
	}
	return fmt.Sprint(err)
}
