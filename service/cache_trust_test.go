package service_test

import (
	"context"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// Under TrustConfirmedFeed an entry stays trusted past CacheTTL while the
// change feed keeps being confirmed, and is read again once the
// confirmations stop for CacheTTL; under TrustSoleWriter it is trusted until
// a change drops it. In each case a change made behind the service's back
// (as on an instance whose notification was lost) shows whether the cached
// entry or the store answered.
func TestCacheTrustModes(t *testing.T) {
	const ttl = 10 * time.Second
	revokeBehindTheBack := func(t *testing.T, db interface {
		TokenByID(context.Context, string, string) (*tokenmint.Token, error)
		UpdateToken(context.Context, *tokenmint.Token) error
	}, tok *tokenmint.Token) {
		fresh, err := db.TokenByID(context.Background(), tok.TenantID, tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		fresh.StoredStatus, fresh.RevokedAt = tokenmint.StatusRevoked, &fresh.UpdatedAt
		if err := db.UpdateToken(context.Background(), fresh); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("confirmed feed", func(t *testing.T) {
		svc, ctx, db, clock := newServiceWith(t, nil, func(c *service.Config) {
			c.CacheTTL, c.CacheTrust = ttl, service.TrustConfirmedFeed
		})
		issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "cached"})
		if err != nil {
			t.Fatal(err)
		}
		verify := func() error {
			_, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, Permission: "results:upload"})
			return err
		}
		if err := verify(); err != nil {
			t.Fatal(err)
		}
		revokeBehindTheBack(t, db, issued.Token)
		// Three TTLs pass with the feed confirmed every second: the entry
		// filled before is still trusted.
		for range 3 * int(ttl/time.Second) {
			clock.Advance(time.Second)
			svc.ConfirmChanges(clock.Now())
		}
		if err := verify(); err != nil {
			t.Fatalf("with the feed confirmed the cached entry answers; got %v", err)
		}
		// The feed falls silent: within the TTL the entry still answers,
		// after it the store does.
		clock.Advance(ttl - time.Second)
		if err := verify(); err != nil {
			t.Fatalf("within the TTL of the last confirmation: %v", err)
		}
		clock.Advance(time.Second)
		if err := verify(); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
			t.Fatalf("a TTL after the last confirmation the store must answer (revoked); got %v", err)
		}
	})
	t.Run("sole writer", func(t *testing.T) {
		svc, ctx, db, clock := newServiceWith(t, nil, func(c *service.Config) {
			c.CacheTTL, c.CacheTrust = ttl, service.TrustSoleWriter
		})
		issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "cached"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "revoked-through-the-service"})
		if err != nil {
			t.Fatal(err)
		}
		verify := func(plain string) error {
			_, err := svc.Verify(context.Background(), service.VerifyRequest{Token: plain, Permission: "results:upload"})
			return err
		}
		for _, p := range []string{issued.Plain, other.Plain} {
			if err := verify(p); err != nil {
				t.Fatal(err)
			}
		}
		revokeBehindTheBack(t, db, issued.Token)
		clock.Advance(100 * ttl)
		if err := verify(issued.Plain); err != nil {
			t.Fatalf("a sole writer's cache is trusted until a change drops it; got %v", err)
		}
		// A change through the service drops the entry at once.
		if err := svc.RevokeToken(ctx, other.Token.ID); err != nil {
			t.Fatal(err)
		}
		if err := verify(other.Plain); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
			t.Fatalf("revoked through the service: %v, want refused", err)
		}
	})
}
