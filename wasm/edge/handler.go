// Package edge is connsec's HTTP API (SPEC §10): the OpenID AuthZEN 1.0 evaluation and search
// endpoints and the coordinator API, as an ordinary http.Handler. The Cloudflare worker
// (wasm/worker) serves it, and so do the native server and the tests. It translates HTTP and
// decides nothing itself: every answer comes from package evaluator, through a Store (or, for
// the AuthZEN routes and the coordinator's read routes, through Shards).
package edge

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// Config is what the handler needs.
type Config struct {
	Store Store
	// Shards, when set, answers the AuthZEN routes (evaluations and searches) and the
	// coordinator's read routes (an agency's view, lint, report, profile, me, log,
	// notifications, and a what-if of page, security and unit-role edits) from per-agency read models
	// (README "The edge"); other what-ifs, suggest and the administrator's whole snapshot read
	// Store either way.
	Shards *Shards
	Secret []byte // HS256 signing secret of development tokens (16 bytes or more); refused when Tokens.Issuer is set
	Tokens TokenConfig
	// SeedAdmin is the one person who may seed an empty store (PUT /v1/snapshot), and must be
	// an administrator of the snapshot seeded; "" turns seeding off.
	SeedAdmin string
	Now       func() time.Time // the clock; nil: time.Now
	MaxBody   int64            // largest request body in bytes; 0: DefaultMaxBody (a seed may be 64 MiB)
}

// openAPI is the OpenAPI 3.1 description of this API, served at /openapi.json; the tests
// validate every answer they receive against it.
//
//go:embed openapi.json
var openAPI []byte

// DefaultMaxBody is the largest request body accepted when Config.MaxBody is 0: an edit
// batch is logged whole, and a log row holds about 2 MB.
const DefaultMaxBody = 512 << 10

// maxSeed is the largest snapshot an administrator may seed.
const maxSeed = 64 << 20

type handler struct {
	cfg    Config
	mux    *http.ServeMux
	tokens tokenCache
	verify *verifier
}

// New returns the API's handler. A token configuration it cannot use (an inline key set
// that does not parse; TokensFromEnv reports it first) makes every authenticated request 500.
func New(cfg Config) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	h := &handler{cfg: cfg, mux: http.NewServeMux(), verify: newVerifier(cfg.Secret, cfg.Tokens)}
	h.mux.HandleFunc("GET /.well-known/authzen-configuration", h.wellKnown)
	h.mux.HandleFunc("POST /access/v1/evaluation", h.authed(h.evaluation))
	h.mux.HandleFunc("POST /access/v1/evaluations", h.authed(h.evaluations))
	h.mux.HandleFunc("POST /access/v1/search/subject", h.authed(h.searchSubject))
	h.mux.HandleFunc("POST /access/v1/search/resource", h.authed(h.searchResource))
	h.mux.HandleFunc("POST /access/v1/search/action", h.authed(h.searchAction))
	h.mux.HandleFunc("GET /v1/snapshot", h.authed(h.snapshot))
	h.mux.HandleFunc("PUT /v1/snapshot", h.authed(h.seed))
	h.mux.HandleFunc("POST /v1/edits", h.authed(h.edits))
	h.mux.HandleFunc("POST /v1/whatif", h.authed(h.whatIf))
	h.mux.HandleFunc("POST /v1/suggest", h.authed(h.suggest))
	h.mux.HandleFunc("GET /v1/log", h.authed(h.log))
	h.mux.HandleFunc("GET /v1/notifications", h.authed(h.notifications))
	h.mux.HandleFunc("GET /v1/lint", h.authed(h.lint))
	h.mux.HandleFunc("GET /v1/report", h.authed(h.report))
	h.mux.HandleFunc("GET /v1/profile/{person}", h.authed(h.profile))
	h.mux.HandleFunc("GET /v1/me", h.authed(h.me))
	h.mux.HandleFunc("GET /v1/readers", h.authed(h.readers))
	h.mux.HandleFunc("GET /v1/writers", h.authed(h.writers))
	h.mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		writeBody(w, http.StatusOK, "application/json", openAPI)
	})
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return h
}

// ServeHTTP echoes X-Request-ID (making one when the caller sent none) and answers what no
// route takes with 404 or 405 in the API's error shape.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-ID")
	if id == "" || len(id) > 200 {
		var b [8]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	w.Header().Set("X-Request-ID", id)
	if strings.HasPrefix(r.URL.Path, "/v1/") { // security data: never kept by a shared cache
		w.Header().Set("Cache-Control", "private, no-store")
	}
	defer func() {
		if p := recover(); p != nil { // a fault of ours: answer it, keep serving
			writeError(w, fail(http.StatusInternalServerError, codeFailed, "the service failed on this request (%v); nothing was changed", p))
		}
	}()
	if _, pattern := h.mux.Handler(r); pattern == "" {
		if h.known(r) {
			writeError(w, fail(http.StatusMethodNotAllowed, codeMethod, "%s is not answered at %s", r.Method, r.URL.Path))
		} else {
			writeError(w, fail(http.StatusNotFound, codeNotFound, "there is nothing at %s", r.URL.Path))
		}
		return
	}
	h.mux.ServeHTTP(w, r)
}

// known: some other method is answered at the request's path.
func (h *handler) known(r *http.Request) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "" {
			return true
		}
	}
	return false
}

// authed authenticates the caller before the route runs; a route answers its error (if any)
// in the API's error shape here.
func (h *handler) authed(next func(http.ResponseWriter, *http.Request, Caller) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := h.tokens.authenticate(r, h.verify, h.cfg.Now())
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="connsec"`)
			writeError(w, err)
			return
		}
		if err := next(w, r, c); err != nil {
			writeError(w, err)
		}
	}
}

func (h *handler) wellKnown(w http.ResponseWriter, r *http.Request) {
	base := "https://" + r.Host
	if r.TLS == nil && (strings.HasPrefix(r.Host, "127.0.0.1") || strings.HasPrefix(r.Host, "localhost")) {
		base = "http://" + r.Host
	}
	if fwd := r.Header.Get("X-Forwarded-Proto"); fwd == "http" || fwd == "https" {
		base = fwd + "://" + r.Host
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"policy_decision_point":       base,
		"access_evaluation_endpoint":  base + "/access/v1/evaluation",
		"access_evaluations_endpoint": base + "/access/v1/evaluations",
		"search_subject_endpoint":     base + "/access/v1/search/subject",
		"search_resource_endpoint":    base + "/access/v1/search/resource",
		"search_action_endpoint":      base + "/access/v1/search/action",
	})
}
