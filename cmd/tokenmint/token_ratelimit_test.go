package main

import (
	"net/http"
	"strings"
	"testing"
)

// token create --rate-limit gives the token its own limit, token show
// prints it, and the server refuses past it.
func TestTokenCreateWithRateLimit(t *testing.T) {
	url := startServer(t)
	t.Setenv("TOKENMINT_URL", url)
	t.Setenv("TOKENMINT_TOKEN", getToken(t, url, "UserToken"))

	code, _, errs := cli(t, "", "token", "create", "--type", "CIToken", "--name", "x", "--rate-limit", "100")
	if code != 2 || !strings.Contains(errs, "REQUESTS/SECONDS") {
		t.Fatalf("--rate-limit 100: exit %d, stderr %q", code, errs)
	}
	code, out, errs := cli(t, "", "token", "create", "--type", "CIToken", "--name", "metered", "--rate-limit", "2/60")
	if code != 0 {
		t.Fatalf("create: exit %d %s", code, errs)
	}
	tok, _, id := issued(t, out)
	show := mustCLI(t, "", "token", "show", id)
	if line := lineWith(show, "Rate limit"); !strings.Contains(line, "2 requests per 60 s (its own)") {
		t.Fatalf("token show:\n%s", show)
	}
	for i, want := range []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests} {
		if got := verifyStatus(t, url, tok, "results:upload"); got != want {
			t.Fatalf("verification %d: %d, want %d", i+1, got, want)
		}
	}
}
