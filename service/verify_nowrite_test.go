package service_test

import (
	"context"
	"database/sql"
	"net/url"
	"testing"

	"tokenmint"
	"tokenmint/service"
)

// Verification writes nothing to the database (usage is buffered), except
// spending a use of a limited-use token: 10 000 verifications of each kind
// of token — a user's token, an application's token, and JWTs from the
// client_credentials, password and token-exchange grants — leave it as it
// was. The database's data_version, read on a connection of its own,
// changes with every commit made by any other connection: it is the
// witness.
func TestVerifyWritesNothingButSpentUses(t *testing.T) {
	svc, ctx, db, _ := newService(t)
	unlimited, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "many"})
	if err != nil {
		t.Fatal(err)
	}
	single, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "ScanCentralOneTimeJobToken", Name: "once"})
	if err != nil {
		t.Fatal(err)
	}
	app, err := svc.CreateApplication(ctx, service.ApplicationInput{Name: "bot", AccessTypes: []string{"read-write"}})
	if err != nil {
		t.Fatal(err)
	}
	appToken, err := svc.CreateApplicationToken(ctx, app.ID, service.CreateTokenInput{Type: "ApplicationToken", Name: "bot-token"})
	if err != nil {
		t.Fatal(err)
	}
	ic, err := svc.CreateClientCredential(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	grant := func(req *service.TokenRequest) string {
		t.Helper()
		res, err := svc.Token(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return res.AccessToken
	}
	kinds := []struct {
		name, token string
		permission  tokenmint.Permission
	}{
		{"user token", unlimited.Plain, "results:upload"},
		{"user token, encoded", unlimited.Encoded, "results:upload"},
		{"application token", appToken.Plain, "api:read"},
		{"client_credentials JWT", grant(&service.TokenRequest{
			Form:  url.Values{"grant_type": {"client_credentials"}},
			Basic: &service.BasicAuth{User: ic.Credential.ClientID, Password: ic.ClientSecret},
		}), "api:read"},
		{"password JWT", grant(&service.TokenRequest{Form: url.Values{
			"grant_type": {service.GrantPassword}, "username": {"admin"}, "password": {"test-admin-password"}, "scope": {"results:upload"},
		}}), "results:upload"},
		{"token-exchange JWT", grant(&service.TokenRequest{Form: url.Values{
			"grant_type": {service.GrantTokenExchange}, "subject_token": {unlimited.Plain}, "subject_token_type": {service.TokenTypeAccessToken},
		}}), "results:upload"},
	}

	witness, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer witness.Close()
	witness.SetMaxOpenConns(1) // data_version compares commits seen by one connection
	version := func() int64 {
		t.Helper()
		var v int64
		if err := witness.QueryRow("PRAGMA data_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	before := version()
	for _, k := range kinds {
		for i := range 10_000 {
			if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: k.token, IP: "10.0.0.1", Permission: k.permission}); err != nil {
				t.Fatalf("%s: verify %d: %v", k.name, i, err)
			}
			if i%10 == 0 { // refusals write nothing either
				if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: k.token, IP: "10.0.0.2", Permission: "tokens:manage"}); err == nil {
					t.Fatalf("%s: a permission it lacks was allowed", k.name)
				}
			}
		}
		if after := version(); after != before {
			t.Fatalf("10 000 verifications of a %s changed the database (data_version %d → %d)", k.name, before, after)
		}
	}
	// The witness sees a write when there is one: spending a single use.
	if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: single.Plain, IP: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if after := version(); after == before {
		t.Error("spending the single use of a token left data_version unchanged: the witness sees nothing")
	}
}
