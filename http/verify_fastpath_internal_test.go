package http

import (
	"net/http/httptest"
	"testing"
)

// TestVerifyFastPathMatchesTheMux: ServeHTTP serves the verify endpoint
// without the mux exactly when the mux would route the request to it, with
// the pattern the mux would record.
func TestVerifyFastPathMatchesTheMux(t *testing.T) {
	s := NewServer(Config{})
	targets := []string{"/api/v1/auth/verify", "/api/v1/auth/verify?permission=api:read", "/api/v1/auth/verify/",
		"/api/v1/auth%2Fverify", "/api/v1/auth/verif%79", "//api/v1/auth/verify", "/api/v1/auth/./verify", "/api/v1/auth/Verify"}
	methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PROPFIND"}
	served := 0
	for _, target := range targets {
		for _, m := range methods {
			r := httptest.NewRequest(m, target, nil)
			h, muxPattern := s.mux.Handler(r)
			pattern, fast := verifyPattern(r)
			if !fast {
				continue
			}
			served++
			if pattern != muxPattern {
				t.Errorf("%s %s: fast path pattern %q, the mux's %q", m, target, pattern, muxPattern)
			}
			if h == nil {
				t.Errorf("%s %s: the mux has no handler", m, target)
			}
		}
	}
	// The mux's own verdict on the ones the fast path leaves to it.
	for _, m := range methods {
		r := httptest.NewRequest(m, "/api/v1/auth/verify", nil)
		_, muxPattern := s.mux.Handler(r)
		_, fast := verifyPattern(r)
		if want := muxPattern != "" && muxPattern != "/api/"; fast != want {
			t.Errorf("%s /api/v1/auth/verify: fast path %v, mux pattern %q", m, fast, muxPattern)
		}
	}
	if served != 14 { // 7 methods × the path with and without a query
		t.Errorf("the fast path served %d of the requests, want 14", served)
	}
}
