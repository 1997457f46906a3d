package storetest

import (
	"slices"
	"testing"
	"time"

	"tokenmint"
)

func testTokens(t *testing.T, newStore storeFunc) {
	t.Run("CreateAndRead", func(t *testing.T) {
		// Optional fields are stored as given, set or not.
		tests := []struct {
			name   string
			modify func(tok *tokenmint.Token)
		}{
			{"defaults of the fixture", func(*tokenmint.Token) {}},
			{"no expiry", func(tok *tokenmint.Token) { tok.ExpiresAt = nil }},
			{"project scoped, single use", func(tok *tokenmint.Token) {
				tok.ProjectID, tok.MaxUses = "prj-0001", 1
			}},
			{"application owned, inactive", func(tok *tokenmint.Token) {
				tok.OwnerKind, tok.OwnerID, tok.StoredStatus = "application", "app-0001", tokenmint.StatusInactive
			}},
			{"used and revoked", func(tok *tokenmint.Token) {
				tok.LastUsedAt, tok.Uses = ptr(at(time.Minute)), 7
				tok.StoredStatus, tok.RevokedAt, tok.UpdatedAt = tokenmint.StatusRevoked, ptr(at(time.Hour)), at(time.Hour)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := newStore(t)
				mustTenants(t, s)
				want := newToken(tenantA, "tok-0001")
				tt.modify(want)
				mustToken(t, s, want)
				assertToken(t, mustTokenByID(t, s, tenantA, want.ID), want)

				got, validUntil, err := s.TokenBySecret(t.Context(), hashOf(secretOf(want.ID)))
				if err != nil {
					t.Fatalf("TokenBySecret: %v", err)
				}
				assertToken(t, got, want)
				if validUntil != nil {
					t.Errorf("validity of a fresh secret = %v, want nil (as long as the token)", *validUntil)
				}
			})
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		tok := mustToken(t, s, newToken(tenantA, "tok-0001"))
		tests := []struct {
			name string
			call func() error
		}{
			{"by id in other tenant", func() error { _, err := s.TokenByID(t.Context(), tenantB, tok.ID); return err }},
			{"unknown id", func() error { _, err := s.TokenByID(t.Context(), tenantA, "tok-missing"); return err }},
			{"unknown secret", func() error { _, _, err := s.TokenBySecret(t.Context(), hashOf("not a secret")); return err }},
			{"update in other tenant", func() error {
				upd := *tok
				upd.TenantID, upd.Description = tenantB, "hijacked"
				return s.UpdateToken(t.Context(), &upd)
			}},
			{"update unknown", func() error {
				upd := *tok
				upd.ID = "tok-missing"
				return s.UpdateToken(t.Context(), &upd)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { assertCode(t, tt.call(), tokenmint.ENOTFOUND) })
		}
		// The refused update from tenant B changed nothing.
		assertToken(t, mustTokenByID(t, s, tenantA, tok.ID), tok)
	})

	t.Run("Conflicts", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		first := mustToken(t, s, newToken(tenantA, "tok-0001"))
		tests := []struct {
			name   string
			id     string
			secret string
		}{
			{"duplicate id", first.ID, "another secret"},
			{"duplicate secret hash", "tok-0002", secretOf(first.ID)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.CreateToken(t.Context(), newToken(tenantA, tt.id), hashOf(tt.secret))
				assertCode(t, err, tokenmint.ECONFLICT)
			})
		}
		// Neither refused token left anything behind.
		got, _, err := s.TokenBySecret(t.Context(), hashOf(secretOf(first.ID)))
		if err != nil || got.ID != first.ID {
			t.Errorf("TokenBySecret(first secret) = %v, %v; want %s", got, err, first.ID)
		}
		_, _, err = s.TokenBySecret(t.Context(), hashOf("another secret"))
		assertCode(t, err, tokenmint.ENOTFOUND)
		_, err = s.TokenByID(t.Context(), tenantA, "tok-0002")
		assertCode(t, err, tokenmint.ENOTFOUND)
	})

	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		orig := newToken(tenantA, "tok-0001")
		orig.MaxUses = 3
		mustToken(t, s, orig)
		other := mustToken(t, s, newToken(tenantA, "tok-0002"))

		// UpdateToken saves description, expires_at, stored status,
		// revoked_at and updated_at — and nothing else, whatever the rest of
		// the struct holds.
		upd := *orig
		upd.Description = "revoked after the incident"
		upd.ExpiresAt = ptr(at(10 * day))
		upd.StoredStatus = tokenmint.StatusRevoked
		upd.RevokedAt = ptr(at(time.Hour))
		upd.UpdatedAt = at(time.Hour)
		upd.Name, upd.Type, upd.OwnerID, upd.Prefix = "renamed", "admin", "usr-9999", "tmu_other"
		upd.ProjectID, upd.MaxUses, upd.Uses = "prj-9999", 0, 42
		upd.CreatedAt, upd.LastUsedAt = at(time.Hour), ptr(at(time.Hour))
		if err := s.UpdateToken(t.Context(), &upd); err != nil {
			t.Fatalf("UpdateToken: %v", err)
		}
		want := *orig
		want.Description, want.ExpiresAt, want.StoredStatus = upd.Description, upd.ExpiresAt, upd.StoredStatus
		want.RevokedAt, want.UpdatedAt, want.Version = upd.RevokedAt, upd.UpdatedAt, upd.Version
		assertToken(t, mustTokenByID(t, s, tenantA, orig.ID), &want)

		// Clearing the optional times round-trips as nil.
		upd = want
		upd.ExpiresAt, upd.RevokedAt = nil, nil
		upd.StoredStatus, upd.UpdatedAt = tokenmint.StatusInactive, at(2*time.Hour)
		if err := s.UpdateToken(t.Context(), &upd); err != nil {
			t.Fatalf("UpdateToken: %v", err)
		}
		assertToken(t, mustTokenByID(t, s, tenantA, orig.ID), &upd)

		// The other token is untouched.
		assertToken(t, mustTokenByID(t, s, tenantA, other.ID), other)
	})

	t.Run("SameIDSpaceAcrossTenants", func(t *testing.T) {
		// Token IDs are global: RotateTokenSecret and SpendUse take no
		// tenant. A second tenant cannot reuse an ID.
		s := newStore(t)
		mustTenants(t, s)
		mustToken(t, s, newToken(tenantA, "tok-0001"))
		err := s.CreateToken(t.Context(), newToken(tenantB, "tok-0001"), hashOf("other"))
		assertCode(t, err, tokenmint.ECONFLICT)
	})
}

func testDeleteToken(t *testing.T, newStore storeFunc) {
	t.Run("RemovesEverything", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		tok := mustToken(t, s, newToken(tenantA, "tok-0001"))
		kept := mustToken(t, s, newToken(tenantA, "tok-0002"))
		// A second secret and some usage, which must go with the token.
		if err := s.RotateTokenSecret(t.Context(), tok.ID, hashOf("rotated"), "tmu_rot", at(time.Hour), tok.ExpiresAt, at(time.Minute)); err != nil {
			t.Fatalf("RotateTokenSecret: %v", err)
		}
		if err := s.RecordUsage(t.Context(), []tokenmint.UsageRecord{
			{TenantID: tenantA, TokenID: tok.ID, IP: "192.0.2.1", First: at(time.Minute), Last: at(time.Minute), Count: 1},
			{TenantID: tenantA, TokenID: kept.ID, IP: "192.0.2.1", First: at(time.Minute), Last: at(time.Minute), Count: 1},
		}); err != nil {
			t.Fatalf("RecordUsage: %v", err)
		}

		if err := s.DeleteToken(t.Context(), tenantA, tok.ID); err != nil {
			t.Fatalf("DeleteToken: %v", err)
		}

		_, err := s.TokenByID(t.Context(), tenantA, tok.ID)
		assertCode(t, err, tokenmint.ENOTFOUND)
		for _, secret := range []string{secretOf(tok.ID), "rotated"} {
			_, _, err := s.TokenBySecret(t.Context(), hashOf(secret))
			assertCode(t, err, tokenmint.ENOTFOUND)
		}
		_, err = s.TokenUsage(t.Context(), tenantA, tok.ID, tokenmint.Page{})
		assertCode(t, err, tokenmint.ENOTFOUND)
		list, err := s.ListTokens(t.Context(), tokenmint.TokenFilter{TenantID: tenantA, Now: t0})
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		if ids := tokenIDs(list); !slices.Equal(ids, []string{kept.ID}) {
			t.Errorf("ListTokens after delete = %v, want [%s]", ids, kept.ID)
		}

		// Deleted "for good": the same ID and secrets can be created again,
		// and the new token starts without the old one's usage.
		mustToken(t, s, newToken(tenantA, tok.ID))
		if err := s.CreateToken(t.Context(), newToken(tenantA, "tok-0003"), hashOf("rotated")); err != nil {
			t.Fatalf("CreateToken with the deleted token's rotated secret: %v", err)
		}
		usage, err := s.TokenUsage(t.Context(), tenantA, tok.ID, tokenmint.Page{})
		if err != nil {
			t.Fatalf("TokenUsage: %v", err)
		}
		if len(usage) != 0 {
			t.Errorf("usage of a re-created token = %+v, want none", usage)
		}

		// The other token kept its usage.
		usage, err = s.TokenUsage(t.Context(), tenantA, kept.ID, tokenmint.Page{})
		if err != nil || len(usage) != 1 {
			t.Errorf("usage of the kept token = %+v, %v; want one IP", usage, err)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		tok := mustToken(t, s, newToken(tenantA, "tok-0001"))
		tests := []struct {
			name         string
			tenantID, id string
		}{
			{"other tenant", tenantB, tok.ID},
			{"unknown id", tenantA, "tok-missing"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				assertCode(t, s.DeleteToken(t.Context(), tt.tenantID, tt.id), tokenmint.ENOTFOUND)
			})
		}
		assertToken(t, mustTokenByID(t, s, tenantA, tok.ID), tok)
	})
}
