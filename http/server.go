// Package http serves tokenmint over HTTP: the REST management API, the
// forward-auth verify endpoint, health and metrics. It maps domain errors
// to statuses in one table (errors.go) and holds no business rules; those
// live in package service.
package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// Config configures the HTTP layer.
type Config struct {
	Service *service.Service
	Logger  *slog.Logger
	// TrustedProxies are the peers whose X-Forwarded-For / Forwarded headers
	// are believed when finding the client IP.
	TrustedProxies []netip.Prefix
	// ClientIPHeader is the header trusted proxies name the client in:
	// X-Forwarded-For (the default, for ""), Forwarded, or a header with a
	// single address such as X-Real-IP (see ParseClientIPHeader).
	ClientIPHeader string
	// SecureCookies sets the Secure flag on session cookies (behind TLS).
	SecureCookies bool
	Metrics       *Metrics
}

// Server holds the handlers.
type Server struct {
	svc      *service.Service
	log      *slog.Logger
	proxies  []netip.Prefix
	ipHeader string
	secure   bool
	metrics  *Metrics
	mux      *http.ServeMux

	// warnedHeader is set once the wrong-header warning was logged.
	warnedHeader atomic.Bool
}

// NewServer builds the route table.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	ipHeader, err := ParseClientIPHeader(cfg.ClientIPHeader)
	if err != nil {
		// The command checks the setting before it builds the server.
		panic(err)
	}
	s := &Server{svc: cfg.Service, log: cfg.Logger, proxies: cfg.TrustedProxies, ipHeader: ipHeader, secure: cfg.SecureCookies, metrics: cfg.Metrics, mux: http.NewServeMux()}
	if cfg.Service != nil {
		cfg.Metrics.watchService(cfg.Service)
	}
	s.routes()
	return s
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.handleHealthz)
	m.HandleFunc("GET /readyz", s.handleReadyz)
	m.Handle("GET /metrics", s.metrics.Handler())

	// Forward-auth answers whatever method the proxy passes on (GET also
	// serves HEAD).
	m.HandleFunc("GET /api/v1/auth/verify", s.handleVerify)
	m.HandleFunc("POST /api/v1/auth/verify", s.handleVerify)
	m.HandleFunc("PUT /api/v1/auth/verify", s.handleVerify)
	m.HandleFunc("PATCH /api/v1/auth/verify", s.handleVerify)
	m.HandleFunc("DELETE /api/v1/auth/verify", s.handleVerify)
	m.HandleFunc("OPTIONS /api/v1/auth/verify", s.handleVerify)
	m.HandleFunc("POST /api/v1/auth/login", s.handleLogin)
	m.HandleFunc("POST /api/v1/auth/logout", s.handleLogout)
	m.HandleFunc("GET /api/v1/auth/me", s.authed(s.handleMe))

	m.HandleFunc("GET /api/v1/token-types", s.authed(s.handleTokenTypes))
	m.HandleFunc("POST /api/v1/tokens", s.authed(s.handleCreateToken))
	m.HandleFunc("GET /api/v1/tokens", s.authed(s.handleListTokens))
	m.HandleFunc("GET /api/v1/tokens/self", s.authed(s.handleSelfToken))
	m.HandleFunc("POST /api/v1/tokens/self/rotate", s.authed(s.handleRotateSelf))
	m.HandleFunc("GET /api/v1/tokens/{id}", s.authed(s.handleGetToken))
	m.HandleFunc("PATCH /api/v1/tokens/{id}", s.authed(s.handleUpdateToken))
	m.HandleFunc("DELETE /api/v1/tokens/{id}", s.authed(s.handleRevokeToken))
	m.HandleFunc("POST /api/v1/tokens/{id}/rotate", s.authed(s.handleRotateToken))
	m.HandleFunc("POST /api/v1/tokens/{id}/recreate", s.authed(s.handleRecreateToken))

	m.HandleFunc("GET /api/v1/users", s.authed(s.handleListUsers))
	m.HandleFunc("POST /api/v1/users", s.authed(s.handleCreateUser))
	m.HandleFunc("GET /api/v1/users/{id}", s.authed(s.handleGetUser))
	m.HandleFunc("PATCH /api/v1/users/{id}", s.authed(s.handleUpdateUser))

	m.HandleFunc("GET /api/v1/roles", s.authed(s.handleListRoles))

	m.HandleFunc("GET /api/v1/sso", s.authed(s.handleGetSSO))
	m.HandleFunc("PUT /api/v1/sso", s.authed(s.handlePutSSO))
	m.HandleFunc("DELETE /api/v1/sso", s.authed(s.handleDeleteSSO))

	m.HandleFunc("GET /api/v1/projects", s.authed(s.handleListProjects))
	m.HandleFunc("POST /api/v1/projects", s.authed(s.handleCreateProject))
	m.HandleFunc("GET /api/v1/projects/{id}", s.authed(s.handleGetProject))
	m.HandleFunc("PATCH /api/v1/projects/{id}", s.authed(s.handleUpdateProject))
	m.HandleFunc("DELETE /api/v1/projects/{id}", s.authed(s.handleDeleteProject))
	m.HandleFunc("GET /api/v1/projects/{id}/members", s.authed(s.handleListMembers))
	m.HandleFunc("PUT /api/v1/projects/{id}/members/{user}", s.authed(s.handlePutMember))
	m.HandleFunc("DELETE /api/v1/projects/{id}/members/{user}", s.authed(s.handleDeleteMember))

	s.lifecycleRoutes(m)
	s.tokenRequestRoutes(m)
	s.rateLimitRoutes(m)
	s.dashboardRoutes(m)
	s.oauthRoutes(m)
	s.openAPIRoutes(m)
	s.uiRoutes(m)
	s.uiTokenRequestRoutes(m)

	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errNoRoute)
	})
}

// ServeHTTP records the client IP in the context, measures the request and
// dispatches it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &requestState{statusWriter: statusWriter{ResponseWriter: w, status: http.StatusOK}}
	sw := &st.statusWriter
	if isUIPath(r.URL.Path) {
		uiHeaders(sw)
	}
	if r.Body != nil && r.Body != http.NoBody {
		// No route takes more; handlers that read forms bound them lower.
		// A request without a body (every GET verify) needs no wrapper.
		r.Body = http.MaxBytesReader(sw, r.Body, maxBodyBytes)
	}
	addr, ip, err := s.clientAddr(r)
	if err != nil {
		s.log.Warn("request refused: the trusted proxy's client address is not an IP; check --client-ip-header and the proxy", "header", s.ipHeader, "peer", r.RemoteAddr)
		s.writeError(sw, r, tokenmint.Errorf(tokenmint.EINVALID, "%s", err.Error()))
		_, pattern := s.mux.Handler(r)
		s.metrics.observe(r.Method, pattern, sw.status, time.Since(start))
		return
	}
	st.ctx.Set(r.Context(), ip)
	if pattern, ok := verifyPattern(r); ok {
		// The forward-auth endpoint, every proxied request's, is served
		// without the mux's route search (about 2 % of its CPU) and
		// without a copy of the request for the context: the same handler
		// and pattern the mux would choose (TestVerifyFastPathMatchesTheMux).
		s.serveVerify(&st.ctx, sw, r, addr, ip)
		s.metrics.observeVerify(r.Method, pattern, sw.status, time.Since(start))
		return
	}
	var ctx context.Context = &st.ctx
	if s.secure && isUIPath(r.URL.Path) {
		ctx = context.WithValue(ctx, secureCookiesKey{}, true) // for the UI's flash cookie
	}
	routed := r.WithContext(ctx)
	s.mux.ServeHTTP(sw, routed)
	// The mux recorded the pattern it matched on the request it served,
	// which saves a second route lookup just for the metric's label.
	s.metrics.observe(r.Method, routed.Pattern, sw.status, time.Since(start))
}

// verifyPath is the forward-auth endpoint's path.
const verifyPath = "/api/v1/auth/verify"

// verifyPattern returns the route pattern the mux matches for a verify
// request: one per method routes registers for it (HEAD is served by GET's).
func verifyPattern(r *http.Request) (string, bool) {
	if r.URL.Path != verifyPath || r.URL.RawPath != "" {
		return "", false
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return "GET " + verifyPath, true
	case http.MethodPost:
		return "POST " + verifyPath, true
	case http.MethodPut:
		return "PUT " + verifyPath, true
	case http.MethodPatch:
		return "PATCH " + verifyPath, true
	case http.MethodDelete:
		return "DELETE " + verifyPath, true
	case http.MethodOptions:
		return "OPTIONS " + verifyPath, true
	}
	return "", false
}

// requestState is what ServeHTTP adds to a request, in one allocation.
type requestState struct {
	statusWriter
	ctx service.ClientIPContext
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		reason := "database unreachable"
		if errors.Is(err, service.ErrNotListening) {
			reason = "not yet listening for other instances' changes"
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
