package storetest

import (
	"testing"
	"time"

	"tokenmint"
)

// rotation is one RotateTokenSecret call of a test.
type rotation struct {
	secret        string
	prefix        string
	oldValidUntil time.Time
	expiresAt     *time.Time
	now           time.Time
}

func (r rotation) apply(t *testing.T, s tokenmint.Store, tokenID string) {
	t.Helper()
	if err := s.RotateTokenSecret(t.Context(), tokenID, hashOf(r.secret), r.prefix, r.oldValidUntil, r.expiresAt, r.now); err != nil {
		t.Fatalf("RotateTokenSecret(%s, %s): %v", tokenID, r.secret, err)
	}
}

// assertSecret checks that secret finds the token with the given validity
// (nil: as long as the token).
func assertSecret(t *testing.T, s tokenmint.Store, secret, tokenID string, validUntil *time.Time) {
	t.Helper()
	tok, got, err := s.TokenBySecret(t.Context(), hashOf(secret))
	if err != nil {
		t.Fatalf("TokenBySecret(%s): %v", secret, err)
	}
	if tok.ID != tokenID {
		t.Errorf("TokenBySecret(%s) = token %s, want %s", secret, tok.ID, tokenID)
	}
	assertTimePtr(t, "validity of "+secret, got, validUntil)
}

func testRotateTokenSecret(t *testing.T, newStore storeFunc) {
	// Each case rotates the fixture token (secret secretOf("tok-0001"),
	// expiring at 90 days) one or more times, then checks every secret's
	// validity and the token's prefix, expiry and updated_at.
	tests := []struct {
		name      string
		rotations []rotation
		// validity of the original secret, then of each rotation's secret
		want []*time.Time
	}{
		{
			name: "new secret is current, old one limited",
			rotations: []rotation{
				{"second", "tmu_second", at(time.Hour), ptr(at(120 * day)), at(time.Minute)},
			},
			want: []*time.Time{ptr(at(time.Hour)), nil},
		},
		{
			name: "second rotation keeps the first secret's earlier limit",
			rotations: []rotation{
				{"second", "tmu_second", at(time.Hour), ptr(at(120 * day)), at(time.Minute)},
				{"third", "tmu_third", at(3 * time.Hour), ptr(at(150 * day)), at(2 * time.Minute)},
			},
			want: []*time.Time{ptr(at(time.Hour)), ptr(at(3 * time.Hour)), nil},
		},
		{
			name: "second rotation with an earlier limit shortens every older secret",
			rotations: []rotation{
				{"second", "tmu_second", at(3 * time.Hour), ptr(at(120 * day)), at(time.Minute)},
				{"third", "tmu_third", at(time.Hour), ptr(at(150 * day)), at(2 * time.Minute)},
			},
			want: []*time.Time{ptr(at(time.Hour)), ptr(at(time.Hour)), nil},
		},
		{
			name: "immediate cut-over and no expiry",
			rotations: []rotation{
				{"second", "tmu_second", at(time.Minute), nil, at(time.Minute)},
			},
			want: []*time.Time{ptr(at(time.Minute)), nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			mustTenants(t, s)
			orig := mustToken(t, s, newToken(tenantA, "tok-0001"))
			other := mustToken(t, s, newToken(tenantA, "tok-0002"))
			for _, r := range tt.rotations {
				r.apply(t, s, orig.ID)
			}

			secrets := []string{secretOf(orig.ID)}
			for _, r := range tt.rotations {
				secrets = append(secrets, r.secret)
			}
			for i, secret := range secrets {
				assertSecret(t, s, secret, orig.ID, tt.want[i])
			}

			last := tt.rotations[len(tt.rotations)-1]
			want := *orig
			want.Prefix, want.ExpiresAt, want.UpdatedAt = last.prefix, last.expiresAt, last.now
			assertToken(t, mustTokenByID(t, s, tenantA, orig.ID), &want)

			// Another token's secret is not limited by the rotation.
			assertSecret(t, s, secretOf(other.ID), other.ID, nil)
			assertToken(t, mustTokenByID(t, s, tenantA, other.ID), other)
		})
	}

	t.Run("UnknownToken", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		err := s.RotateTokenSecret(t.Context(), "tok-missing", hashOf("new"), "tmu_new", at(time.Hour), nil, at(time.Minute))
		assertCode(t, err, tokenmint.ENOTFOUND)
		_, _, err = s.TokenBySecret(t.Context(), hashOf("new"))
		assertCode(t, err, tokenmint.ENOTFOUND)
	})

	// A new hash that another token already uses is ECONFLICT, and the
	// whole rotation is undone: RotateTokenSecret is one transaction.
	t.Run("HashInUseChangesNothing", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		tok := mustToken(t, s, newToken(tenantA, "tok-0001"))
		other := mustToken(t, s, newToken(tenantA, "tok-0002"))
		err := s.RotateTokenSecret(t.Context(), tok.ID, hashOf(secretOf(other.ID)), "tmu_new", at(time.Hour), ptr(at(200*day)), at(time.Minute))
		assertCode(t, err, tokenmint.ECONFLICT)

		assertToken(t, mustTokenByID(t, s, tenantA, tok.ID), tok)
		assertSecret(t, s, secretOf(tok.ID), tok.ID, nil)
		assertSecret(t, s, secretOf(other.ID), other.ID, nil)
	})
}
