package http_test

import (
	"net/http"
	"testing"
)

// The verify fast path (GET) hands the usage buffer the client's address
// parsed, the routed methods (POST, as Envoy's HTTP ext_authz may send)
// its text: one client behind the trusted proxy is one usage row either
// way, for IPv4, IPv6 and an IPv4-mapped hop (filed as its IPv4 address).
func TestUsageOfOneClientIsOneRowWhateverTheVerifyPath(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	uma, _ := e.userWithEmail("uma")
	plain, _, id := uma.createToken(map[string]any{"type": "CIToken", "name": "two-paths"})
	for _, hop := range []string{"203.0.113.5", "2001:db8::7", "::ffff:198.51.100.4"} {
		for _, method := range []string{"GET", "POST"} {
			req, _ := http.NewRequest(method, e.srv.URL+"/api/v1/auth/verify", nil)
			req.Header.Set("Authorization", "Bearer "+plain)
			req.Header.Set("X-Forwarded-For", hop)
			expect(t, roundTrip(t, http.DefaultClient, req), http.StatusOK, method+" verify from "+hop)
		}
	}
	e.flushUsage()
	got := usageByIP(t, uma, id)
	want := map[string]float64{"203.0.113.5": 2, "2001:db8::7": 2, "198.51.100.4": 2}
	if len(got) != len(want) {
		t.Fatalf("usage rows %v, want one per client: %v", got, want)
	}
	for ip, n := range want {
		if got[ip] == nil || got[ip]["count"] != n {
			t.Errorf("usage of %s = %v, want count %v", ip, got[ip], n)
		}
	}
}
