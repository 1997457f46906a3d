package service_test

import (
	"context"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/sqlite"
)

// A change this instance never heard about (another instance's
// notification was lost) is seen once the cached entry is older than the
// bound: a revoked token, or a token of a disabled owner, is refused then
// at the latest.
func TestCacheTrustIsBounded(t *testing.T) {
	for _, c := range []struct {
		name  string
		ttl   time.Duration
		bound time.Duration
	}{
		{"default", 0, service.DefaultCacheTTL},
		{"configured", 5 * time.Second, 5 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, change := range []struct {
				name  string
				apply func(t *testing.T, db *sqlite.DB, tok *tokenmint.Token)
			}{
				{"token revoked", func(t *testing.T, db *sqlite.DB, tok *tokenmint.Token) {
					fresh, err := db.TokenByID(context.Background(), tok.TenantID, tok.ID)
					if err != nil {
						t.Fatal(err)
					}
					fresh.StoredStatus, fresh.RevokedAt = tokenmint.StatusRevoked, &fresh.UpdatedAt
					if err := db.UpdateToken(context.Background(), fresh); err != nil {
						t.Fatal(err)
					}
				}},
				{"owner disabled", func(t *testing.T, db *sqlite.DB, tok *tokenmint.Token) {
					u, err := db.UserByID(context.Background(), tok.TenantID, tok.OwnerID)
					if err != nil {
						t.Fatal(err)
					}
					u.Enabled = false
					if err := db.UpdateUser(context.Background(), u); err != nil {
						t.Fatal(err)
					}
				}},
			} {
				t.Run(change.name, func(t *testing.T) {
					svc, ctx, db, clock := newServiceWithTTL(t, c.ttl)
					issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "cached"})
					if err != nil {
						t.Fatal(err)
					}
					verify := func() error {
						_, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, Permission: "results:upload"})
						return err
					}
					if err := verify(); err != nil {
						t.Fatalf("first verify: %v", err)
					}
					// Changed behind the service's back, as on another
					// instance whose notification never arrives.
					change.apply(t, db, issued.Token)
					clock.Advance(c.bound - time.Second)
					if err := verify(); err != nil {
						t.Fatalf("within the bound the cached entry answers (%v): the test would prove nothing", err)
					}
					clock.Advance(time.Second)
					if err := verify(); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
						t.Errorf("verify %v after the change: %v; want refused", c.bound, err)
					}
				})
			}
		})
	}
}

// A negative CacheTTL caches nothing: every verification reads the store.
func TestNegativeCacheTTLCachesNothing(t *testing.T) {
	svc, ctx, db, _ := newServiceWithTTL(t, -1)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "uncached"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain}); err != nil {
		t.Fatal(err)
	}
	tok, err := db.TokenByID(ctx, issued.Token.TenantID, issued.Token.ID)
	if err != nil {
		t.Fatal(err)
	}
	tok.StoredStatus, tok.RevokedAt = tokenmint.StatusRevoked, &tok.UpdatedAt
	if err := db.UpdateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain}); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
		t.Errorf("verify right after a change behind the service's back: %v; want refused", err)
	}
}

// newServiceWithTTL is newService with a given Config.CacheTTL.
func newServiceWithTTL(t *testing.T, ttl time.Duration) (*service.Service, context.Context, *sqlite.DB, *tokenmint.FakeClock) {
	t.Helper()
	return newServiceWith(t, nil, func(c *service.Config) { c.CacheTTL = ttl })
}
