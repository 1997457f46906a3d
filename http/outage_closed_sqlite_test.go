package http_test

import (
	"net/http"
	"testing"
)

// The real SQLite store closed under a running server: a verification
// whose token is not cached reads the database through prepared
// statements, and the answer is 503 for each credential form a forward-auth
// client sends, never 401.
func TestVerifyOnAClosedSQLiteStoreIsUnavailable(t *testing.T) {
	e := newEnv(t)
	tok, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "closed"})
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, auth := range []string{"Bearer " + tok, basicAuth(tok, "")} {
		if r := e.verify(auth, "?permission=api:read"); r.status != http.StatusServiceUnavailable {
			t.Errorf("verify (%.6s…) with the database closed: %d %s, want 503", auth, r.status, r.body)
		}
	}
}
