package envoy_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	"tokenmint"
	"tokenmint/service"
)

// A rate-limited token's checks carry the RateLimit header fields for the
// client on allow and on deny, and past the limit the check is 429 with
// Retry-After.
func TestCheckOfRateLimitedTokenCarriesRateLimitHeaders(t *testing.T) {
	e := newEnv(t, envOptions{})
	it, err := e.svc.CreateToken(e.admin, service.CreateTokenInput{Type: "CIToken", Name: "metered", RateLimit: tokenmint.RateLimit{Requests: 2, PerSeconds: 60}})
	if err != nil {
		t.Fatal(err)
	}
	for i, remaining := range []string{"1", "0"} {
		res := e.check(check{headers: bearer(it.Plain)})
		wantAllowed(t, res)
		h := headers(t, res.GetOkResponse().GetResponseHeadersToAdd())
		if h["RateLimit-Limit"] != "2" || h["RateLimit-Remaining"] != remaining || h["RateLimit-Reset"] != "60" {
			t.Fatalf("check %d: headers to the client %v", i+1, h)
		}
	}
	res := e.check(check{headers: bearer(it.Plain)})
	wantDenied(t, res, codes.ResourceExhausted, 429, tokenmint.ETOOMANY)
	h := headers(t, res.GetDeniedResponse().GetHeaders())
	if h["Retry-After"] == "" || h["RateLimit-Limit"] != "2" || h["RateLimit-Remaining"] != "0" {
		t.Fatalf("denied: headers %v", h)
	}
	// An unlimited token's answer carries none.
	plain, _, _ := e.createToken("UserToken", "")
	ok := e.check(check{headers: bearer(plain)})
	wantAllowed(t, ok)
	if h := headers(t, ok.GetOkResponse().GetResponseHeadersToAdd()); h["RateLimit-Limit"] != "" {
		t.Fatalf("unlimited token: %v", h)
	}
}
