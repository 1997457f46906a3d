package http

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"tokenmint"
	"tokenmint/service"
)

type verifyResponse struct {
	Active      bool                   `json:"active"`
	Tenant      string                 `json:"tenant"`
	Subject     string                 `json:"subject"`
	OwnerKind   string                 `json:"owner_kind"`
	TokenID     string                 `json:"token_id"`
	Type        string                 `json:"type"`
	Project     string                 `json:"project,omitempty"`
	Permissions []tokenmint.Permission `json:"permissions"`
	ExpiresAt   *time.Time             `json:"expires_at"`
}

// handleVerify is the forward-auth endpoint for nginx auth_request, Traefik
// forwardAuth, Caddy forward_auth and Envoy ext_authz. It answers every
// method the same way, because some proxies pass the original request's
// method on (Envoy's HTTP ext_authz, some Traefik setups); a body is never
// read.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	s.serveVerify(r.Context(), w, r, netip.Addr{}, service.ClientIPFromContext(r.Context()))
}

// serveVerify is handleVerify for the client at ip, in ctx (which carries
// ip too) rather than r's context: ServeHTTP's fast path calls it without
// the copy of the request that WithContext makes (about 300 bytes, a tenth
// of what a verification allocates).
func (s *Server) serveVerify(ctx context.Context, w http.ResponseWriter, r *http.Request, addr netip.Addr, ip string) {
	raw, ok, err := presentedToken(r)
	if err == nil && !ok {
		err = tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "no token presented")
	}
	var res *service.VerifyResult
	if err == nil {
		var req service.VerifyRequest
		if req, err = verifyRequestOf(r); err == nil {
			req.Token, req.IP, req.Addr = raw, ip, addr
			res, err = s.svc.Verify(ctx, req)
		}
	}
	if err != nil {
		s.metrics.verifies.WithLabelValues(verifyOutcome(err)).Inc()
		switch tokenmint.ErrorCode(err) {
		case tokenmint.EUNAUTHORIZED:
			w.Header().Set("WWW-Authenticate", `Bearer realm="tokenmint", error="invalid_token"`)
		case tokenmint.EFORBIDDEN:
			w.Header().Set("WWW-Authenticate", `Bearer realm="tokenmint", error="insufficient_scope"`)
		}
		s.writeError(w, r, err)
		return
	}
	s.metrics.verifyOK.Inc()
	tenant, err := s.svc.TenantName(ctx, res.Token.TenantID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	exp := res.ExpiresAt()
	setVerifyHeaders(w.Header(), exp, res.Token.OwnerID, tenant)
	setRateLimitHeaders(w.Header(), res.Rate)
	writeVerifyAnswer(w, verifyResponse{
		Active: true, Tenant: tenant, Subject: res.Token.OwnerID, OwnerKind: res.Token.OwnerKind,
		TokenID: res.Token.ID, Type: res.Token.Type, Project: res.ProjectID,
		Permissions: res.SortedPermissions(), ExpiresAt: exp,
	})
}

// verifyRequestOf reads what a forward-auth request asks. Every permission
// named must hold (?permission=a&permission=b, or a comma-separated list);
// the project and tenant can be named once only, since a token can be
// checked against one of each: repeating them is refused rather than
// silently reading the first.
func verifyRequestOf(r *http.Request) (service.VerifyRequest, error) {
	var req service.VerifyRequest
	var projects, tenants int
	err := eachQueryPair(r.URL.RawQuery, func(key, value string) error {
		switch key {
		case "permission":
			// The same parsing as Envoy's checks (tokenmint.EachPermission).
			return tokenmint.EachPermission(value, func(perm tokenmint.Permission) {
				if req.Permission == "" {
					req.Permission = perm
				} else {
					req.AlsoRequire = append(req.AlsoRequire, perm)
				}
			})
		case "project":
			projects++
			if projects == 1 {
				req.Project = value
			}
		case "tenant":
			tenants++
			if tenants == 1 {
				req.Tenant = value
			}
		}
		return nil
	})
	if err != nil {
		return req, err
	}
	if projects > 1 {
		return req, onceOnly("project")
	}
	if tenants > 1 {
		return req, onceOnly("tenant")
	}
	return req, nil
}

func onceOnly(name string) error {
	return tokenmint.Errorf(tokenmint.EINVALID, "give %s once: a token is checked against one %s per request", name, name)
}

// eachQueryPair calls fn with each key and value of a raw query string,
// decoded as url.ParseQuery decodes them, skipping the pairs it would skip
// (a key holding a semicolon, a bad escape), without building the map
// r.URL.Query() builds on every forward-auth request.
func eachQueryPair(raw string, fn func(key, value string) error) error {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		key, err1 := unescapeQuery(key)
		value, err2 := unescapeQuery(value)
		if err1 != nil || err2 != nil {
			continue
		}
		if err := fn(key, value); err != nil {
			return err
		}
	}
	return nil
}

// unescapeQuery is url.QueryUnescape, skipped when there is nothing to
// decode (the common case, which then allocates nothing).
func unescapeQuery(s string) (string, error) {
	if !strings.ContainsAny(s, "%+") {
		return s, nil
	}
	return url.QueryUnescape(s)
}

func verifyOutcome(err error) string {
	var rl *service.RateLimitError
	if errors.As(err, &rl) {
		return "rate_limited"
	}
	switch tokenmint.ErrorCode(err) {
	case tokenmint.EUNAUTHORIZED:
		return "unauthorized"
	case tokenmint.EFORBIDDEN:
		return "forbidden"
	case tokenmint.EINVALID:
		return "invalid"
	}
	return "error"
}
