package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
)

// UpdateToken is optimistic: it saves only a token still at the version
// it was read at, so a change decided on a stale read cannot undo another
// one — a description edit cannot bring a revoked token back to life.
func testTokenVersion(t *testing.T, newStore storeFunc) {
	t.Run("StaleUpdateIsRefused", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustToken(t, s, newToken(tenantA, tokID(1)))

		edit := mustTokenByID(t, s, tenantA, tokID(1))   // a PATCH reads the token,
		revoke := mustTokenByID(t, s, tenantA, tokID(1)) // a revocation reads it too,
		revoke.StoredStatus, revoke.RevokedAt, revoke.UpdatedAt = tokenmint.StatusRevoked, ptr(at(time.Hour)), at(time.Hour)
		before := revoke.Version
		if err := s.UpdateToken(t.Context(), revoke); err != nil { // and lands first.
			t.Fatalf("UpdateToken(revoke): %v", err)
		}
		if revoke.Version == before {
			t.Errorf("UpdateToken left the caller's Version at %d", before)
		}
		edit.Description, edit.UpdatedAt = "edited", at(2*time.Hour)
		assertCode(t, s.UpdateToken(t.Context(), edit), tokenmint.ECONFLICT)

		got := mustTokenByID(t, s, tenantA, tokID(1))
		if got.StoredStatus != tokenmint.StatusRevoked || got.Description == "edited" {
			t.Fatalf("after a refused stale update: status %s, description %q; want revoked, unchanged", got.StoredStatus, got.Description)
		}
		if got.Version != revoke.Version {
			t.Errorf("Version read back = %d, the saving caller holds %d", got.Version, revoke.Version)
		}
		// Read again, the edit goes through and the revocation stays.
		got.Description, got.UpdatedAt = "edited", at(2*time.Hour)
		if err := s.UpdateToken(t.Context(), got); err != nil {
			t.Fatalf("UpdateToken after reading again: %v", err)
		}
		if again := mustTokenByID(t, s, tenantA, tokID(1)); again.StoredStatus != tokenmint.StatusRevoked || again.Description != "edited" {
			t.Errorf("after the fresh update: %+v", *again)
		}
		// A missing token is still ENOTFOUND, whatever the version.
		missing := *got
		missing.ID, missing.Version = "tok-missing", 0
		assertCode(t, s.UpdateToken(t.Context(), &missing), tokenmint.ENOTFOUND)
		other := *got
		other.TenantID = tenantB
		assertCode(t, s.UpdateToken(t.Context(), &other), tokenmint.ENOTFOUND)
	})

	t.Run("OtherChangesCount", func(t *testing.T) {
		// Rotation and the inactivity job change what UpdateToken saves
		// (expiry, status), so an update read before them is refused;
		// spending a use and recording usage do not, so it is not.
		s := newStore(t)
		ctx := t.Context()
		mustTenants(t, s)
		limited := newToken(tenantA, tokID(1))
		limited.MaxUses = 5
		mustToken(t, s, limited)
		mustToken(t, s, newToken(tenantA, tokID(2)))
		mustToken(t, s, newToken(tenantA, tokID(3)))

		for _, c := range []struct {
			name     string
			id       string
			change   func() error
			conflict bool
		}{
			{"SpendUse", tokID(1), func() error { _, err := s.SpendUse(ctx, tokID(1), at(time.Minute)); return err }, false},
			{"RecordUsage", tokID(1), func() error {
				return s.RecordUsage(ctx, []tokenmint.UsageRecord{rec(tokID(1), "192.0.2.1", time.Minute, time.Minute, 1)})
			}, false},
			{"RotateTokenSecret", tokID(2), func() error {
				return s.RotateTokenSecret(ctx, tokID(2), hashOf("rotated"), "tmu_rot", at(time.Hour), ptr(at(100*day)), at(time.Minute))
			}, true},
			{"DeactivateIdleToken", tokID(3), func() error {
				ok, err := s.DeactivateIdleToken(ctx, tenantA, tokID(3), at(5*day), at(35*day), lifecycleEvent(tenantA, tokenmint.EventTokenDeactivated, tokID(3), 35*day))
				if err == nil && !ok {
					err = fmt.Errorf("an idle active token was not deactivated")
				}
				return err
			}, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				stale := mustTokenByID(t, s, tenantA, c.id)
				if err := c.change(); err != nil {
					t.Fatal(err)
				}
				stale.Description, stale.UpdatedAt = "after "+c.name, at(40*day)
				err := s.UpdateToken(ctx, stale)
				if c.conflict {
					assertCode(t, err, tokenmint.ECONFLICT)
					got := mustTokenByID(t, s, tenantA, c.id)
					if got.Description == stale.Description {
						t.Errorf("a stale update overwrote the %s", c.name)
					}
					if c.name == "DeactivateIdleToken" && got.StoredStatus != tokenmint.StatusInactive {
						t.Errorf("a stale update undid the deactivation: %s", got.StoredStatus)
					}
				} else if err != nil {
					t.Errorf("UpdateToken after %s: %v; want success", c.name, err)
				}
			})
		}
	})
}

// Two updates of a token from the same read, at once: exactly one is saved
// and the other is ECONFLICT — on every backend, however the database
// orders them. Many at once behave the same.
func testConcurrentTokenUpdate(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	mustTenants(t, s)
	for round, n := range []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, goroutines} {
		id := tokID(round + 1)
		mustToken(t, s, newToken(tenantA, id))
		read := mustTokenByID(t, s, tenantA, id)
		var saved, conflicts atomic.Int64
		var winner atomic.Value
		race(n, func(i int) {
			upd := *read
			upd.Description, upd.UpdatedAt = fmt.Sprintf("writer %d", i), at(time.Duration(i+1)*time.Second)
			if i%2 == 0 {
				upd.StoredStatus, upd.RevokedAt = tokenmint.StatusRevoked, ptr(upd.UpdatedAt)
			}
			switch err := s.UpdateToken(t.Context(), &upd); tokenmint.ErrorCode(err) {
			case "":
				saved.Add(1)
				winner.Store(upd.Description)
			case tokenmint.ECONFLICT:
				conflicts.Add(1)
			default:
				t.Errorf("UpdateToken: %v", err)
			}
		})
		if saved.Load() != 1 || conflicts.Load() != int64(n-1) {
			t.Fatalf("%d concurrent updates from one read: %d saved, %d conflicts; want 1 and %d", n, saved.Load(), conflicts.Load(), n-1)
		}
		got := mustTokenByID(t, s, tenantA, id)
		if w, _ := winner.Load().(string); got.Description != w {
			t.Errorf("stored description %q, but the update that succeeded wrote %q", got.Description, w)
		}
		if got.Version != read.Version+1 {
			t.Errorf("Version = %d after one saved update from version %d", got.Version, read.Version)
		}
	}
}
