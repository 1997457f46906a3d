package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"tokenmint/postgres/postgrestest"
)

// tokenOn runs client_credentials on an instance.
func tokenOn(t *testing.T, in *instance, clientID, secret string) string {
	t.Helper()
	resp, err := http.PostForm(in.srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {clientID}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(b, &m) != nil {
		t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	return m["access_token"].(string)
}

// JWTs, their revocation and key rotation hold across instances sharing
// one PostgreSQL database and one master key.
func TestOAuthAcrossInstances(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	a := startInstance(t, url)
	b := startInstance(t, url)
	sa := a.login(t)
	st, body := sa.call("POST", "/api/v1/applications", `{"name":"bot","access_types":["read-write"]}`)
	if st != 201 {
		t.Fatalf("create app: %d %s", st, body)
	}
	var app map[string]any
	json.Unmarshal(body, &app)
	st, body = sa.call("POST", "/api/v1/applications/"+app["id"].(string)+"/credentials", "")
	if st != 201 {
		t.Fatalf("credential: %d %s", st, body)
	}
	var cred map[string]string
	json.Unmarshal(body, &cred)

	jwt := tokenOn(t, a, cred["client_id"], cred["client_secret"])
	if got := verifyOn(b.srv.URL, jwt); got != 200 {
		t.Fatalf("A's JWT on B: %d", got)
	}
	// A verified it too, so A holds it in its cache of verified JWTs: the
	// revocation must reach that cache, not only the table.
	if got := verifyOn(a.srv.URL, jwt); got != 200 {
		t.Fatalf("A's JWT on A: %d", got)
	}
	resp, err := http.PostForm(b.srv.URL+"/oauth/revoke", map[string][]string{"token": {jwt},
		"client_id": {cred["client_id"]}, "client_secret": {cred["client_secret"]}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke on B: %v %v", err, resp)
	}
	resp.Body.Close()
	if got := verifyOn(b.srv.URL, jwt); got != 401 {
		t.Errorf("JWT revoked on B, verified on B at once: %d", got)
	}
	refusedWithin(t, time.Second, func() bool { return verifyOn(a.srv.URL, jwt) == 401 }, "JWT revoked on B reaches A's cache")
	// A rotates; B verifies A's new tokens at once (unknown kid reloads)
	// and both publish both keys.
	if err := a.app.svc.Keys().Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	fresh := tokenOn(t, a, cred["client_id"], cred["client_secret"])
	if got := verifyOn(b.srv.URL, fresh); got != 200 {
		t.Errorf("token of A's new key on B: %d", got)
	}
	for _, in := range []*instance{a, b} {
		set, err := in.app.svc.Keys().JWKS(context.Background())
		if err != nil || len(set.Keys) < 1 {
			t.Errorf("JWKS: %v %v", set, err)
		}
	}
	if set, _ := a.app.svc.Keys().JWKS(context.Background()); len(set.Keys) != 2 {
		t.Errorf("A publishes %d keys after rotation, want 2", len(set.Keys))
	}
}

// Client authentication is cached like a token's: a credential revoked on
// one instance stops obtaining tokens on another within a second.
func TestRevokedClientCredentialReachesOtherInstances(t *testing.T) {
	dbURL := postgrestest.Start(t).NewDatabase(t)
	a := startInstance(t, dbURL)
	b := startInstance(t, dbURL)
	sa := a.login(t)
	st, body := sa.call("POST", "/api/v1/applications", `{"name":"bot","access_types":["read-write"]}`)
	if st != 201 {
		t.Fatalf("create app: %d %s", st, body)
	}
	var app map[string]any
	json.Unmarshal(body, &app)
	appID := app["id"].(string)
	st, body = sa.call("POST", "/api/v1/applications/"+appID+"/credentials", "")
	if st != 201 {
		t.Fatalf("credential: %d %s", st, body)
	}
	var cred map[string]string
	json.Unmarshal(body, &cred)
	grant := func(in *instance) int {
		resp, err := http.PostForm(in.srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {cred["client_id"]}, "client_secret": {cred["client_secret"]}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := grant(b); got != 200 { // B now holds the client in its cache
		t.Fatalf("client_credentials on B: %d", got)
	}
	if st, body := sa.call("DELETE", "/api/v1/applications/"+appID+"/credentials/"+cred["id"], ""); st != 204 {
		t.Fatalf("revoke on A: %d %s", st, body)
	}
	if got := grant(a); got != 401 {
		t.Errorf("revoked credential on A at once: %d, want 401", got)
	}
	refusedWithin(t, time.Second, func() bool { return grant(b) == 401 }, "credential revoked on A reaches B's cache")
}
