package main

import (
	"net/http"
	"strings"
	"testing"
)

// token create --allowed-cidr binds the token (repeatable, commas too);
// token show lists the networks; a token bound elsewhere is refused to
// this client (127.0.0.1, no proxy in between).
func TestTokenCreateAllowedCIDR(t *testing.T) {
	url := startServer(t)
	t.Setenv("TOKENMINT_URL", url)
	t.Setenv("TOKENMINT_TOKEN", getToken(t, url, "UserToken"))

	out := mustCLI(t, "", "token", "create", "--type", "CIToken", "--name", "local", "--allowed-cidr", "127.0.0.1", "--allowed-cidr", "2001:db8::/32,10.0.0.0/8")
	tok, _, id := issued(t, out)
	if got := lineWith(out, "Allowed networks"); !strings.Contains(got, "10.0.0.0/8, 127.0.0.1/32, 2001:db8::/32") {
		t.Fatalf("create output lacks the networks:\n%s", out)
	}
	if got := lineWith(mustCLI(t, "", "token", "show", id), "Allowed networks"); !strings.Contains(got, "10.0.0.0/8, 127.0.0.1/32, 2001:db8::/32") {
		t.Fatalf("token show: %q", got)
	}
	if s := verifyStatus(t, url, tok, "results:upload"); s != http.StatusOK {
		t.Fatalf("bound to 127.0.0.1, used from it: %d", s)
	}
	elsewhere, _, _ := issued(t, mustCLI(t, "", "token", "create", "--type", "CIToken", "--name", "remote", "--allowed-cidr", "192.0.2.0/24"))
	if s := verifyStatus(t, url, elsewhere, "results:upload"); s != http.StatusForbidden {
		t.Fatalf("bound to 192.0.2.0/24, used from 127.0.0.1: %d, want 403", s)
	}
	open, _, openID := issued(t, mustCLI(t, "", "token", "create", "--type", "CIToken", "--name", "open"))
	if got := lineWith(mustCLI(t, "", "token", "show", openID), "Allowed networks"); !strings.Contains(got, "anywhere") || verifyStatus(t, url, open, "results:upload") != http.StatusOK {
		t.Fatalf("unbound token: %q", got)
	}
	code, _, errs := cli(t, "", "token", "create", "--type", "CIToken", "--name", "bad", "--allowed-cidr", "10.0.0.0/33")
	if code == 0 || !strings.Contains(errs, "10.0.0.0/33") {
		t.Fatalf("junk network: exit %d, stderr %q", code, errs)
	}
}
