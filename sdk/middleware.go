package sdk

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Require returns middleware that lets a request through only with a token
// holding permission ("" for any valid token). The verified identity is in
// the request context; the response carries X-Token-Expiration. Refusals
// are 401 or 403 with WWW-Authenticate per RFC 6750, or 503 when the token
// server cannot be reached (for JWTs too, unless Config.OfflineJWT: their
// revocation cannot be checked then).
func (v *Verifier) Require(permission string) func(http.Handler) http.Handler {
	return v.RequireOnProject(permission, nil)
}

// RequireOnProject is Require for a permission on a project, which project
// returns from the request (e.g. a path value).
func (v *Verifier) RequireOnProject(permission string, project func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			proj := ""
			if project != nil {
				proj = project(r)
			}
			token, err := tokenFrom(r)
			var id *Identity
			if err == nil {
				id, err = v.Verify(r.Context(), token, permission, proj)
			}
			if err != nil {
				writeRefusal(w, err)
				return
			}
			if id.ExpiresAt != nil {
				w.Header().Set("X-Token-Expiration", id.ExpiresAt.UTC().Format(time.RFC3339))
			}
			next.ServeHTTP(w, r.WithContext(ContextWithIdentity(r.Context(), id)))
		})
	}
}

// tokenFrom reads "Bearer <token>" or "Basic base64(<token>:)".
func tokenFrom(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", &Error{Status: http.StatusUnauthorized, Description: "no token presented"}
	}
	scheme, rest, _ := strings.Cut(h, " ")
	rest = strings.TrimSpace(rest)
	switch {
	case strings.EqualFold(scheme, "Bearer") && rest != "":
		return rest, nil
	case strings.EqualFold(scheme, "Basic") && rest != "":
		dec, err := base64.StdEncoding.DecodeString(rest)
		if err == nil {
			user, _, _ := strings.Cut(string(dec), ":")
			if user != "" {
				return user, nil
			}
		}
	}
	return "", &Error{Status: http.StatusUnauthorized, Code: "invalid_request", Description: "use Authorization: Bearer <token>"}
}

// writeRefusal answers per RFC 6750 §3: a challenge with the error code
// (none when no token was presented), and the missing scope for 403.
func writeRefusal(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusServiceUnavailable, Description: "token verification failed"}
	}
	if e.Status == http.StatusServiceUnavailable {
		http.Error(w, e.Description, e.Status)
		return
	}
	challenge := `Bearer realm="tokenmint"`
	if e.Code != "" {
		challenge += `, error="` + e.Code + `", error_description="` + quoteSafe(e.Description) + `"`
	}
	if e.Scope != "" {
		challenge += `, scope="` + quoteSafe(e.Scope) + `"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	status := e.Status
	if e.Code == "invalid_request" {
		status = http.StatusBadRequest
	}
	http.Error(w, e.Description, status)
}

// quoteSafe keeps a value inside an RFC 7230 quoted string.
func quoteSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 || r > 0x7e {
			return '\''
		}
		return r
	}, s)
}
