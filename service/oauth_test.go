package service_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"tokenmint/service"
)

// expires_in is the policy's lifetime exactly, and expires its end in epoch
// milliseconds, even when the clock is between two seconds.
func TestAccessTokenLifetime(t *testing.T) {
	svc, ctx, _, clock := newService(t)
	app, err := svc.CreateApplication(ctx, service.ApplicationInput{Name: "bot", AccessTypes: []string{"read-only"}})
	if err != nil {
		t.Fatal(err)
	}
	ic, err := svc.CreateClientCredential(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(1500 * time.Millisecond)
	res, err := svc.Token(context.Background(), &service.TokenRequest{
		Form:  url.Values{"grant_type": {"client_credentials"}, "scope": {"api:read"}},
		Basic: &service.BasicAuth{User: ic.Credential.ClientID, Password: ic.ClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantExp := clock.Now().Truncate(time.Second).Add(time.Hour)
	if res.ExpiresIn != 3600 || res.Expires != wantExp.UnixMilli() || res.Scope != "api:read" || res.TokenType != "Bearer" {
		t.Errorf("response = %+v, want expires_in 3600 and expires %d", res, wantExp.UnixMilli())
	}
}
