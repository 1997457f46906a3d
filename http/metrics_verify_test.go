package http_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The request histogram counts verify answers under their method, route
// and status, the hot path's (GET, 200) as every other, and the verify
// counter by outcome.
func TestMetricsCountVerifyAnswersByLabel(t *testing.T) {
	e := startEnv(t, io.Discard, false)
	plain, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "metered"})
	for range 3 {
		expect(t, e.withToken(plain).do("GET", "/api/v1/auth/verify", nil), http.StatusOK, "verify")
	}
	expect(t, e.withToken(plain).do("POST", "/api/v1/auth/verify", nil), http.StatusOK, "verify by POST")
	expect(t, e.withToken("tmu_not-a-token").do("GET", "/api/v1/auth/verify", nil), http.StatusUnauthorized, "verify a bad token")
	r := e.withToken("").do("GET", "/metrics", nil)
	expect(t, r, http.StatusOK, "metrics")
	body := string(r.body)
	for _, want := range []string{
		`tokenmint_http_request_duration_seconds_count{method="GET",route="GET /api/v1/auth/verify",status="200"} 3`,
		`tokenmint_http_request_duration_seconds_count{method="POST",route="POST /api/v1/auth/verify",status="200"} 1`,
		`tokenmint_http_request_duration_seconds_count{method="GET",route="GET /api/v1/auth/verify",status="401"} 1`,
		`tokenmint_verify_total{outcome="ok"} 4`,
		`tokenmint_verify_total{outcome="unauthorized"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
