package http_test

import "net/http"

// recreatePolicy: POST /api/v1/tokens/{id}/recreate. Only the owner
// recreates a user token (the new token is the caller's own), so an
// administrator gets 403 on another user's; a token or JWT may recreate
// only within its own bounds (the password-grant JWT holds less than the
// member's token it would copy). An application's token is recreated by
// whoever may create the application's tokens: the admin application
// recreates its own token; other applications may not.
func recreatePolicy(w who, obj string) int {
	if w.app() {
		switch {
		case w != appAdmin:
			return http.StatusForbidden
		case obj == own:
			return http.StatusCreated
		}
		return http.StatusNotFound
	}
	return ownTokens(true, http.StatusCreated, http.StatusForbidden).butOn(jwtTok, own, http.StatusForbidden)(w, obj)
}
