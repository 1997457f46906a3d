package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// expires_at takes a date alone, as the UI does (that day at the current
// time of day, UTC), and a bad one is told the accepted forms in words,
// never Go's time layout.
func TestExpiresAtDateOnlyAndHumanMessage(t *testing.T) {
	e := newEnv(t) // the clock stands at 2026-01-05 09:00 UTC
	r := e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "dated", "expires_at": "2027-01-05"})
	if r.status != http.StatusCreated || r.json(t)["expires_at"] != "2027-01-05T09:00:00Z" {
		t.Errorf("date-only expires_at at the type's last day: %d %s, want 201 expiring 2027-01-05T09:00:00Z", r.status, r.body)
	}
	_, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "to-extend"})
	if r := e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"expires_at": "2026-06-01"}); r.status != http.StatusOK || r.json(t)["expires_at"] != "2026-06-01T09:00:00Z" {
		t.Errorf("extend to a date: %d %s", r.status, r.body)
	}
	appID := e.createApp("uploader", "scan")
	if r := e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "dated", "expires_at": "2026-02-01"}); r.status != http.StatusCreated {
		t.Errorf("application token with a date: %d %s", r.status, r.body)
	}
	for _, bad := range []string{`"tomorrow"`, `"2027-1-1"`, `"01/02/2027"`, `20270101`} {
		r := e.admin.do("POST", "/api/v1/tokens", `{"type":"CIToken","name":"x","expires_at":`+bad+`}`)
		msg := r.message(t)
		if r.status != http.StatusBadRequest || !strings.Contains(msg, "2027-01-01") || strings.Contains(msg, "2006") || strings.Contains(msg, "parsing time") {
			t.Errorf("expires_at %s: %d %q, want 400 naming the accepted forms", bad, r.status, msg)
		}
	}
	if r := e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "x", "expires_at": "2027-01-06"}); r.status != http.StatusBadRequest {
		t.Errorf("a date past the type's max: %d %s", r.status, r.body)
	}
}
