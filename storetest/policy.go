package storetest

import (
	"testing"
	"time"

	"tokenmint"
)

func testPolicies(t *testing.T, newStore storeFunc) {
	t.Run("DefaultWhenNoneStored", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		got, err := s.PolicyByTenant(t.Context(), tenantA)
		if err != nil {
			t.Fatalf("PolicyByTenant: %v", err)
		}
		assertPolicy(t, got, tokenmint.DefaultPolicy(tenantA))
	})

	t.Run("PutAndGet", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		// Every field differs from the default, so a field that is not
		// stored shows up as the default value.
		first := tokenmint.Policy{
			TenantID:                 tenantA,
			MaxLifetimeDays:          365,
			InactivityDeactivateDays: 14,
			InactivityDeleteDays:     60,
			ExpiryNoticeDays:         tokenmint.NoticeDays{60, 14, 3},
			ExpiryDigest:             true,
			ExpiryDigestWeekday:      "friday",
			AccessTokenTTL:           900,
			RefreshTokenTTL:          7 * 24 * 3600,
			LoginFailuresPerMinute:   25,
			MaxTokensPerOwner:        20,
			UpdatedAt:                at(time.Hour),
		}
		second := tokenmint.Policy{
			TenantID:                 tenantA,
			MaxLifetimeDays:          0,
			InactivityDeactivateDays: 0,
			InactivityDeleteDays:     0,
			ExpiryNoticeDays:         tokenmint.NoticeDays{},
			ExpiryDigestWeekday:      "sunday",
			AccessTokenTTL:           60,
			RefreshTokenTTL:          300,
			LoginFailuresPerMinute:   1,
			MaxTokensPerOwner:        0,
			UpdatedAt:                at(2 * time.Hour),
		}
		for i, p := range []tokenmint.Policy{first, second} {
			if err := s.PutPolicy(t.Context(), p); err != nil {
				t.Fatalf("PutPolicy #%d: %v", i+1, err)
			}
			got, err := s.PolicyByTenant(t.Context(), tenantA)
			if err != nil {
				t.Fatalf("PolicyByTenant: %v", err)
			}
			assertPolicy(t, got, p)
		}
		// The other tenant still has the default.
		got, err := s.PolicyByTenant(t.Context(), tenantB)
		if err != nil {
			t.Fatalf("PolicyByTenant(B): %v", err)
		}
		assertPolicy(t, got, tokenmint.DefaultPolicy(tenantB))
	})
}

func assertPolicy(t *testing.T, got, want tokenmint.Policy) {
	t.Helper()
	gotT, wantT := got.UpdatedAt, want.UpdatedAt
	got.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
	if !got.Equal(want) {
		t.Errorf("policy = %+v, want %+v", got, want)
	}
	if !wantT.IsZero() {
		assertTime(t, "policy UpdatedAt", gotT, wantT)
	} else if !gotT.IsZero() {
		t.Errorf("policy UpdatedAt = %v, want zero", gotT)
	}
}
