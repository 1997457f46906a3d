package main

import (
	"net/http"
	"strings"
	"testing"
)

// token recreate prints a new working token like a revoked one, under the
// name asked for, and leaves the old token revoked.
func TestTokenRecreateCommand(t *testing.T) {
	url := startServer(t)
	t.Setenv("TOKENMINT_URL", url)
	t.Setenv("TOKENMINT_TOKEN", getToken(t, url, "UserToken"))

	_, _, id := issued(t, mustCLI(t, "", "token", "create", "--type", "CIToken", "--name", "build-bot", "--description", "nightly builds", "--days", "10"))
	mustCLI(t, "", "token", "revoke", id)

	code, out, errs := cli(t, "", "token", "recreate", id, "--name", "build-bot-2")
	if code != 0 {
		t.Fatalf("recreate: exit %d, stderr %s", code, errs)
	}
	tok, _, newID := issued(t, out)
	if newID == id || !strings.Contains(errs, "only this once") {
		t.Fatalf("recreate printed id %s (old %s), stderr %q", newID, id, errs)
	}
	if verifyStatus(t, url, tok, "results:upload") != http.StatusOK {
		t.Fatal("the recreated token does not verify")
	}
	show := mustCLI(t, "", "token", "show", newID)
	for _, want := range []string{"build-bot-2", "CIToken", "nightly builds", "active"} {
		if !strings.Contains(show, want) {
			t.Fatalf("the new token lacks %q:\n%s", want, show)
		}
	}
	if !strings.Contains(mustCLI(t, "", "token", "show", id), "revoked") {
		t.Fatal("recreating changed the old token")
	}
	if code, _, errs := cli(t, "", "token", "recreate"); code != 2 || !strings.Contains(errs, "give the token ID") {
		t.Fatalf("recreate without an ID: exit %d, stderr %q", code, errs)
	}
}
