package storetest

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
)

func newRefresh(id, family string) *tokenmint.RefreshToken {
	return &tokenmint.RefreshToken{
		ID: id, TenantID: tenantA, FamilyID: family, UserID: "user-1", ClientID: "cli",
		Scope:     []tokenmint.Permission{"api:read", "results:upload"},
		CreatedAt: t0, ExpiresAt: at(30 * day), AccessJTI: "jti-" + id, AccessExpiresAt: at(time.Hour),
	}
}

func testRefreshTokens(t *testing.T, newStore storeFunc) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		r := newRefresh("rt-1", "fam-1")
		if err := s.CreateRefreshToken(t.Context(), r, hashOf("rt-1")); err != nil {
			t.Fatalf("CreateRefreshToken: %v", err)
		}
		got, err := s.RefreshTokenByHash(t.Context(), hashOf("rt-1"))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != r.ID || got.TenantID != r.TenantID || got.FamilyID != r.FamilyID || got.UserID != r.UserID ||
			got.ClientID != r.ClientID || !slices.Equal(got.Scope, r.Scope) || got.AccessJTI != r.AccessJTI ||
			got.UsedAt != nil || got.RevokedAt != nil {
			t.Errorf("refresh token = %+v, want %+v", got, r)
		}
		assertTime(t, "ExpiresAt", got.ExpiresAt, r.ExpiresAt)
		assertTime(t, "AccessExpiresAt", got.AccessExpiresAt, r.AccessExpiresAt)
		_, err = s.RefreshTokenByHash(t.Context(), hashOf("nope"))
		assertCode(t, err, tokenmint.ENOTFOUND)
		assertCode(t, s.CreateRefreshToken(t.Context(), newRefresh("rt-2", "fam-1"), hashOf("rt-1")), tokenmint.ECONFLICT)
	})
	t.Run("RotateOnce", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		ctx := t.Context()
		if err := s.CreateRefreshToken(ctx, newRefresh("rt-1", "fam-1"), hashOf("rt-1")); err != nil {
			t.Fatal(err)
		}
		if err := s.RotateRefreshToken(ctx, "rt-1", at(time.Minute), newRefresh("rt-2", "fam-1"), hashOf("rt-2")); err != nil {
			t.Fatalf("RotateRefreshToken: %v", err)
		}
		old, _ := s.RefreshTokenByHash(ctx, hashOf("rt-1"))
		assertTimePtr(t, "UsedAt", old.UsedAt, ptr(at(time.Minute)))
		if old.Active(at(2 * time.Minute)) {
			t.Error("a spent refresh token is still active")
		}
		err := s.RotateRefreshToken(ctx, "rt-1", at(2*time.Minute), newRefresh("rt-3", "fam-1"), hashOf("rt-3"))
		assertCode(t, err, tokenmint.ECONFLICT)
		_, err = s.RefreshTokenByHash(ctx, hashOf("rt-3"))
		assertCode(t, err, tokenmint.ENOTFOUND)
		err = s.RotateRefreshToken(ctx, "nope", t0, newRefresh("rt-4", "fam-1"), hashOf("rt-4"))
		assertCode(t, err, tokenmint.ENOTFOUND)
	})
	t.Run("RevokeFamily", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		ctx := t.Context()
		for _, r := range []*tokenmint.RefreshToken{newRefresh("rt-1", "fam-1"), newRefresh("rt-9", "fam-2")} {
			if err := s.CreateRefreshToken(ctx, r, hashOf(r.ID)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RotateRefreshToken(ctx, "rt-1", at(time.Minute), newRefresh("rt-2", "fam-1"), hashOf("rt-2")); err != nil {
			t.Fatal(err)
		}
		fam, err := s.RevokeRefreshFamily(ctx, "fam-1", at(time.Hour))
		if err != nil {
			t.Fatalf("RevokeRefreshFamily: %v", err)
		}
		if len(fam) != 2 {
			t.Fatalf("family has %d tokens, want 2", len(fam))
		}
		for _, r := range fam {
			assertTimePtr(t, "RevokedAt of "+r.ID, r.RevokedAt, ptr(at(time.Hour)))
		}
		err = s.RotateRefreshToken(ctx, "rt-2", at(2*time.Hour), newRefresh("rt-3", "fam-1"), hashOf("rt-3"))
		assertCode(t, err, tokenmint.ECONFLICT)
		other, _ := s.RefreshTokenByHash(ctx, hashOf("rt-9"))
		if other.RevokedAt != nil {
			t.Error("revoking a family revoked a token of another family")
		}
		// Revoking again keeps the first time.
		fam, _ = s.RevokeRefreshFamily(ctx, "fam-1", at(3*time.Hour))
		assertTimePtr(t, "RevokedAt", fam[0].RevokedAt, ptr(at(time.Hour)))
	})
	t.Run("AccessTokenRevocation", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		ctx := t.Context()
		r := &tokenmint.RevokedAccessToken{JTI: "jti-1", TenantID: tenantA, ExpiresAt: at(time.Hour), RevokedAt: t0}
		for range 2 {
			if err := s.RevokeAccessToken(ctx, r); err != nil {
				t.Fatalf("RevokeAccessToken: %v", err)
			}
		}
		if ok, err := s.AccessTokenRevoked(ctx, "jti-1"); err != nil || !ok {
			t.Errorf("AccessTokenRevoked(jti-1) = %v, %v; want true", ok, err)
		}
		if ok, err := s.AccessTokenRevoked(ctx, "jti-2"); err != nil || ok {
			t.Errorf("AccessTokenRevoked(jti-2) = %v, %v; want false", ok, err)
		}
		if err := s.CreateRefreshToken(ctx, newRefresh("rt-1", "fam-1"), hashOf("rt-1")); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteExpiredOAuth(ctx, at(2*time.Hour)); err != nil {
			t.Fatalf("DeleteExpiredOAuth: %v", err)
		}
		if ok, _ := s.AccessTokenRevoked(ctx, "jti-1"); ok {
			t.Error("an expired revocation was kept")
		}
		if _, err := s.RefreshTokenByHash(ctx, hashOf("rt-1")); err != nil {
			t.Errorf("a refresh token not yet expired was deleted: %v", err)
		}
		if err := s.DeleteExpiredOAuth(ctx, at(31*day)); err != nil {
			t.Fatal(err)
		}
		_, err := s.RefreshTokenByHash(ctx, hashOf("rt-1"))
		assertCode(t, err, tokenmint.ENOTFOUND)
	})
}

func newSigningKey(kid string, created time.Time) *tokenmint.SigningKey {
	return &tokenmint.SigningKey{ID: kid, Algorithm: tokenmint.AlgEdDSA, PublicKey: []byte("pub-" + kid),
		SealedPrivateKey: []byte("sealed-" + kid), CreatedAt: created}
}

func testSigningKeys(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	if keys, err := s.SigningKeys(ctx); err != nil || len(keys) != 0 {
		t.Fatalf("SigningKeys of an empty store = %v, %v", keys, err)
	}
	if err := s.AddSigningKey(ctx, newSigningKey("k1", t0), "", time.Time{}); err != nil {
		t.Fatalf("AddSigningKey(first): %v", err)
	}
	assertCode(t, s.AddSigningKey(ctx, newSigningKey("kx", at(time.Hour)), "", time.Time{}), tokenmint.ECONFLICT)
	if err := s.AddSigningKey(ctx, newSigningKey("k2", at(day)), "k1", at(day+time.Hour)); err != nil {
		t.Fatalf("AddSigningKey(rotate): %v", err)
	}
	assertCode(t, s.AddSigningKey(ctx, newSigningKey("ky", at(2*day)), "k1", at(2*day)), tokenmint.ECONFLICT)
	keys, err := s.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != "k1" || keys[1].ID != "k2" {
		t.Fatalf("SigningKeys = %v, want k1, k2", keys)
	}
	k1, k2 := keys[0], keys[1]
	if string(k1.PublicKey) != "pub-k1" || string(k1.SealedPrivateKey) != "sealed-k1" || k1.Algorithm != tokenmint.AlgEdDSA {
		t.Errorf("k1 = %+v", k1)
	}
	assertTimePtr(t, "k1.RetiredAt", k1.RetiredAt, ptr(at(day)))
	assertTimePtr(t, "k1.PublishUntil", k1.PublishUntil, ptr(at(day+time.Hour)))
	if k2.RetiredAt != nil || k2.PublishUntil != nil {
		t.Errorf("the new key is retired: %+v", k2)
	}
	if err := s.DeleteSigningKeys(ctx, at(day+time.Hour)); err != nil {
		t.Fatal(err)
	}
	if keys, _ := s.SigningKeys(ctx); len(keys) != 2 {
		t.Errorf("a key still published was deleted: %d keys left", len(keys))
	}
	if err := s.DeleteSigningKeys(ctx, at(day+2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if keys, _ := s.SigningKeys(ctx); len(keys) != 1 || keys[0].ID != "k2" {
		t.Errorf("after deleting retired keys: %v, want k2 only", keys)
	}
}

// testConcurrentRefreshRotation spends one refresh token from many
// goroutines at once: exactly one rotation succeeds, the others get
// ECONFLICT, and the family holds exactly one successor.
func testConcurrentRefreshRotation(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	mustTenants(t, s)
	ctx := t.Context()
	if err := s.CreateRefreshToken(ctx, newRefresh("rt-0", "fam-1"), hashOf("rt-0")); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var ok, conflict atomic.Int32
	errs := make(chan error, n)
	race(n, func(i int) {
		id := fmt.Sprintf("rt-next-%d", i)
		err := s.RotateRefreshToken(ctx, "rt-0", at(time.Minute), newRefresh(id, "fam-1"), hashOf(id))
		switch tokenmint.ErrorCode(err) {
		case "":
			ok.Add(1)
		case tokenmint.ECONFLICT:
			conflict.Add(1)
		default:
			errs <- err
		}
	})
	close(errs)
	for err := range errs {
		t.Errorf("RotateRefreshToken: %v", err)
	}
	if ok.Load() != 1 || conflict.Load() != n-1 {
		t.Errorf("%d rotations succeeded and %d conflicted, want 1 and %d", ok.Load(), conflict.Load(), n-1)
	}
	fam, err := s.RevokeRefreshFamily(ctx, "fam-1", at(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(fam) != 2 {
		t.Errorf("family holds %d tokens, want the spent one and one successor", len(fam))
	}
}
