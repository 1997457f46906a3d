package http

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

// oauthRoutes adds the applications API and the OAuth2 authorization
// server's endpoints.
func (s *Server) oauthRoutes(m *http.ServeMux) {
	s.applicationRoutes(m)
	m.HandleFunc("POST /oauth/token", s.handleOAuthToken)
	// Compatibility paths for clients written against other products:
	// Checkmarx SCA's token endpoint, and FortiCWP's credential token and
	// refresh endpoints (docs/compatibility.md).
	m.HandleFunc("POST /identity/connect/token", s.handleOAuthToken)
	m.HandleFunc("POST /api/v1/auth/credentials/token/{$}", s.handleFortiCWPToken)
	m.HandleFunc("POST /api/v1/auth/credentials/token", s.handleFortiCWPToken)
	m.HandleFunc("POST /api/v1/auth/token/refresh", s.handleFortiCWPRefresh)
	// OAuth2 endpoints answer other methods with an RFC 6749 JSON error,
	// not the mux's plain-text 405 (GET routes also answer HEAD).
	m.HandleFunc("GET /oauth/token", s.handleTokenMethodNotAllowed)
	m.HandleFunc("GET /identity/connect/token", s.handleTokenMethodNotAllowed)
	m.HandleFunc("GET /api/v1/auth/credentials/token/{$}", s.handleTokenMethodNotAllowed)
	m.HandleFunc("GET /api/v1/auth/credentials/token", s.handleTokenMethodNotAllowed)
	m.HandleFunc("GET /api/v1/auth/token/refresh", s.handleTokenMethodNotAllowed)
	m.HandleFunc("GET /oauth/introspect", s.handleTokenMethodNotAllowed)
	m.HandleFunc("GET /oauth/revoke", s.handleTokenMethodNotAllowed)
	m.HandleFunc("POST /oauth/introspect", s.handleIntrospect)
	m.HandleFunc("POST /oauth/revoke", s.handleOAuthRevoke)
	m.HandleFunc("GET /.well-known/jwks.json", s.handleJWKS)
	m.HandleFunc("GET /.well-known/oauth-authorization-server", s.handleASMetadata)
}

// oauthErrorBody is the error answer of RFC 6749 §5.2.
type oauthErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// oauthStatus maps RFC 6749 error codes to statuses (§5.2: 400, and 401
// for a failed client authentication).
func oauthStatus(code string) int {
	if code == "invalid_client" {
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

// writeOAuthError answers in the RFC 6749 §5.2 shape. Internal errors are
// logged and shown only as server_error.
func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	var oe *service.OAuthError
	var rl *service.RateLimitError
	switch {
	case errors.As(err, &oe):
		status := oauthStatus(oe.Code)
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="tokenmint"`)
		}
		s.log.Debug("oauth request refused", "path", r.URL.Path, "error", oe.Code)
		writeJSON(w, status, oauthErrorBody{Error: oe.Code, Description: descriptionSafe(oe.Description)})
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds())+1))
		writeJSON(w, http.StatusTooManyRequests, oauthErrorBody{Error: "temporarily_unavailable", Description: rl.Message()})
	case tokenmint.ErrorCode(err) == tokenmint.EUNAVAILABLE:
		s.log.Warn("dependency unavailable", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusServiceUnavailable, oauthErrorBody{Error: "temporarily_unavailable", Description: "the server is temporarily unavailable"})
	case tokenmint.ErrorCode(err) == tokenmint.EFORBIDDEN:
		writeJSON(w, http.StatusForbidden, oauthErrorBody{Error: "insufficient_scope", Description: descriptionSafe(tokenmint.ErrorMessage(err))})
	default:
		s.log.Error("oauth request failed", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, oauthErrorBody{Error: "server_error", Description: "internal error"})
	}
}

// descriptionSafe keeps error_description within the characters RFC 6749
// §5.2 allows (printable ASCII without '"' and '\\').
func descriptionSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == '\\' || r < 0x20 || r > 0x7e:
			return '?'
		}
		return r
	}, s)
}

// maxOAuthFormBytes bounds an OAuth request's form body.
const maxOAuthFormBytes = 64 << 10

const formContentType = "application/x-www-form-urlencoded"

// isFormContentType reports whether a Content-Type with parameters (a
// charset) or in other case is the form type; the exact value every client
// sends is compared first, without parsing.
func isFormContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == formContentType
}

// parseOAuthForm reads a form-encoded OAuth request: the right content
// type, at most 64 KiB, and no parameter given twice (RFC 6749 §3.2).
func parseOAuthForm(w http.ResponseWriter, r *http.Request) (*service.TokenRequest, error) {
	if ct := r.Header.Get("Content-Type"); ct != formContentType && !isFormContentType(ct) {
		return nil, &service.OAuthError{Code: "invalid_request", Description: "Content-Type must be application/x-www-form-urlencoded"}
	}
	form, err := readOAuthFormBody(w, r, maxOAuthFormBytes)
	if err != nil {
		return nil, err
	}
	// acr_values may also ride on the token URL's query, for client
	// libraries that cannot add form parameters to the password grant.
	if r.URL.RawQuery != "" && !form.Has("acr_values") {
		if q := r.URL.Query().Get("acr_values"); q != "" {
			form.Set("acr_values", q)
		}
	}
	req := &service.TokenRequest{Form: form}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, _, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Basic") {
			user, pass, ok := r.BasicAuth()
			if !ok {
				return nil, &service.OAuthError{Code: "invalid_client", Description: "malformed Basic credentials"}
			}
			req.Basic = &service.BasicAuth{User: user, Password: pass}
		}
	}
	return req, nil
}

func (s *Server) handleOAuthToken(w http.ResponseWriter, r *http.Request) {
	req, err := parseOAuthForm(w, r)
	if err != nil {
		s.writeOAuthError(w, r, err)
		return
	}
	s.token(w, r, req)
}

// handleFortiCWPToken is the token endpoint on FortiCWP's credential path,
// whose clients read a refresh_token from the client_credentials answer.
func (s *Server) handleFortiCWPToken(w http.ResponseWriter, r *http.Request) {
	req, err := parseOAuthForm(w, r)
	if err != nil {
		s.writeOAuthError(w, r, err)
		return
	}
	req.ClientRefresh = true
	s.token(w, r, req)
}

// handleFortiCWPRefresh is FortiCWP's refresh endpoint: the refresh_token
// grant only, without client authentication for the refresh tokens of
// the credential path.
func (s *Server) handleFortiCWPRefresh(w http.ResponseWriter, r *http.Request) {
	req, err := parseOAuthForm(w, r)
	if err != nil {
		s.writeOAuthError(w, r, err)
		return
	}
	if gt := req.Form.Get("grant_type"); gt != service.GrantRefreshToken {
		s.writeOAuthError(w, r, &service.OAuthError{Code: "unsupported_grant_type",
			Description: "this path only refreshes (grant_type=refresh_token); obtain tokens at /api/v1/auth/credentials/token/"})
		return
	}
	s.token(w, r, req)
}

// handleTokenMethodNotAllowed answers an OAuth2 endpoint (token,
// introspection, revocation, FortiCWP refresh) called with another method
// than POST (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1) in the JSON error
// shape of RFC 6749 §5.2.
func (s *Server) handleTokenMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodPost)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusMethodNotAllowed, oauthErrorBody{Error: "invalid_request",
		Description: r.URL.Path + " accepts only POST with a form-encoded body, not " + r.Method})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, req *service.TokenRequest) {
	res, err := s.svc.Token(r.Context(), req)
	if err != nil {
		s.writeOAuthError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	req, err := parseOAuthForm(w, r)
	if err != nil {
		s.writeOAuthError(w, r, err)
		return
	}
	in := &service.IntrospectRequest{TokenRequest: *req}
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, rest, _ := strings.Cut(h, " "); strings.EqualFold(scheme, "Bearer") {
			in.Bearer = strings.TrimSpace(rest)
		}
	}
	res, err := s.svc.Introspect(r.Context(), in)
	if err != nil {
		s.writeOAuthError(w, r, err)
		return
	}
	writeIntrospection(w, res)
}

func (s *Server) handleOAuthRevoke(w http.ResponseWriter, r *http.Request) {
	req, err := parseOAuthForm(w, r)
	if err != nil {
		s.writeOAuthError(w, r, err)
		return
	}
	if err := s.svc.Revoke(r.Context(), req); err != nil {
		s.writeOAuthError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
