package http

import (
	"crypto/subtle"
	"net/http"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// SessionCookie is the name of the login session cookie.
const SessionCookie = "tm_session"

var errNoCredentials = tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "authentication required: send a token (Authorization: Bearer) or sign in")

// CSRFHeader carries the session's CSRF token (from the login answer) on
// every cookie-authenticated request that changes something. Requests
// authenticated by a token in Authorization need none: a browser never
// adds that header by itself.
const CSRFHeader = "X-CSRF-Token"

var errCSRF = tokenmint.Errorf(tokenmint.EFORBIDDEN, "missing or wrong "+CSRFHeader+" header (the csrf_token from the login answer)")

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func validCSRF(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

var errNoRoute = tokenmint.Errorf(tokenmint.ENOTFOUND, "no such API endpoint")

// presentedToken extracts a token from the Authorization header
// (tokenmint.TokenFromAuthorization). ok is false when the header is
// absent; a present but unusable header yields an error.
func presentedToken(r *http.Request) (string, bool, error) {
	return tokenmint.TokenFromAuthorization(r.Header.Get("Authorization"))
}

// authed wraps a handler that needs a principal: a token in Authorization,
// or else a session cookie.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		raw, ok, err := presentedToken(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var p *tokenmint.Principal
		if ok {
			var res *service.VerifyResult
			// A read spends no use of a single-use token: only a call that
			// changes something counts as its use.
			p, res, err = s.svc.TokenPrincipal(ctx, raw, !safeMethod(r.Method))
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			setExpirationHeader(w, res.ExpiresAt())
		} else if c, cerr := r.Cookie(SessionCookie); cerr == nil && c.Value != "" {
			var sess *tokenmint.Session
			p, sess, err = s.svc.SessionPrincipal(ctx, c.Value)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if !safeMethod(r.Method) && !validCSRF(r.Header.Get(CSRFHeader), sess.CSRFToken) {
				s.writeError(w, r, errCSRF)
				return
			}
		} else {
			s.writeError(w, r, errNoCredentials)
			return
		}
		h(w, r.WithContext(tokenmint.NewContextWithPrincipal(ctx, p)))
	}
}

// SonarQubeExpirationHeader is the name SonarQube gives the expiry of the
// token a request used; clients written for SonarQube look for it there.
const SonarQubeExpirationHeader = "SonarQube-Authentication-Token-Expiration"

// sonarQubeTimeLayout is SonarQube's date-time format (Java's
// yyyy-MM-dd'T'HH:mm:ssZ, e.g. 2027-01-01T09:00:00+0000).
const sonarQubeTimeLayout = "2006-01-02T15:04:05-0700"

// setExpirationHeader tells clients when the token they used stops
// working: X-Token-Expiration in RFC 3339 and SonarQube's own header.
func setExpirationHeader(w http.ResponseWriter, exp *time.Time) {
	if exp != nil {
		w.Header().Set("X-Token-Expiration", exp.UTC().Format(time.RFC3339))
		w.Header().Set(SonarQubeExpirationHeader, exp.UTC().Format(sonarQubeTimeLayout))
	}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Tenant   string `json:"tenant"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var in loginRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Username == "" || in.Password == "" {
		s.writeError(w, r, tokenmint.Errorf(tokenmint.EINVALID, "username and password are required"))
		return
	}
	res, err := s.svc.Login(r.Context(), in.Tenant, in.Username, in.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, s.sessionCookie(res.Cookie, res.Session.ExpiresAt))
	writeJSON(w, http.StatusOK, map[string]any{
		"user":       userView(res.User),
		"csrf_token": res.Session.CSRFToken,
		"expires_at": res.Session.ExpiresAt,
	})
}

// sessionCookie sets Max-Age rather than Expires, so a browser whose clock
// disagrees with the server's still keeps the session for its lifetime.
func (s *Server) sessionCookie(value string, exp time.Time) *http.Cookie {
	maxAge := int(exp.Sub(s.svc.Now()).Seconds())
	if maxAge <= 0 {
		maxAge = -1
	}
	return &http.Cookie{
		Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure,
	}
}

// handleLogout ends the session of the cookie sent. Like every other write
// made with the cookie it needs the session's CSRF header: a page on
// another site must not be able to sign the user out. A cookie whose
// session is already gone is simply cleared.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		_, sess, err := s.svc.SessionPrincipal(r.Context(), c.Value)
		switch {
		case err == nil && !validCSRF(r.Header.Get(CSRFHeader), sess.CSRFToken):
			s.writeError(w, r, errCSRF)
			return
		case err != nil && tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED:
			s.writeError(w, r, err)
			return
		}
		if err := s.svc.Logout(r.Context(), c.Value); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	http.SetCookie(w, s.sessionCookie("", time.Time{}))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	u, err := s.svc.Me(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := tokenmint.PrincipalFromContext(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"user": userView(u), "permissions": p.Permissions.Sorted()})
}
