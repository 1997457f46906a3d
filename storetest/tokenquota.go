package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"tokenmint"
)

// quotaToken is an unsaved token of owner (kind, id) in tenant A.
func quotaToken(id, kind, owner string) *tokenmint.Token {
	tok := newToken(tenantA, id)
	tok.OwnerKind, tok.OwnerID = kind, owner
	return tok
}

// testTokenQuota checks CreateToken under tokenmint.WithTokenQuota: the
// owner's live tokens (not revoked, expired or used up) are counted in
// the creation's transaction, and concurrent creations for one owner
// never overshoot the quota.
func testTokenQuota(t *testing.T, newStore storeFunc) {
	now := at(10 * day)
	quota := func(ctx context.Context, max int) context.Context {
		return tokenmint.WithTokenQuota(ctx, tokenmint.TokenQuota{Max: max, Now: now})
	}
	t.Run("CountsLiveTokensOfTheOwner", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		ctx := quota(t.Context(), 3)
		n := 0
		create := func(tok *tokenmint.Token) error {
			n++
			return s.CreateToken(ctx, tok, hashOf(tok.ID))
		}
		// Tokens that are not live do not count.
		revoked := quotaToken("tok-r", tokenmint.OwnerUser, "usr-1")
		revoked.StoredStatus, revoked.RevokedAt = tokenmint.StatusRevoked, ptr(at(day))
		expired := quotaToken("tok-e", tokenmint.OwnerUser, "usr-1")
		expired.ExpiresAt = ptr(now) // expiring exactly now is expired
		used := quotaToken("tok-u", tokenmint.OwnerUser, "usr-1")
		used.MaxUses, used.Uses = 1, 1
		for _, tok := range []*tokenmint.Token{revoked, expired, used} {
			if err := s.CreateToken(t.Context(), tok, hashOf(tok.ID)); err != nil {
				t.Fatal(err)
			}
		}
		// An inactive token counts: it can be reactivated.
		inactive := quotaToken("tok-i", tokenmint.OwnerUser, "usr-1")
		inactive.StoredStatus = tokenmint.StatusInactive
		if err := create(inactive); err != nil {
			t.Fatalf("inactive token within the quota: %v", err)
		}
		noExpiry := quotaToken("tok-n", tokenmint.OwnerUser, "usr-1")
		noExpiry.ExpiresAt = nil
		for _, tok := range []*tokenmint.Token{noExpiry, quotaToken("tok-3", tokenmint.OwnerUser, "usr-1")} {
			if err := create(tok); err != nil {
				t.Fatalf("token %d within the quota: %v", n, err)
			}
		}
		err := create(quotaToken("tok-4", tokenmint.OwnerUser, "usr-1"))
		if !tokenmint.IsTokenQuotaError(err) || tokenmint.ErrorCode(err) != tokenmint.ECONFLICT {
			t.Fatalf("token beyond the quota: %v, want the quota's ECONFLICT", err)
		}
		if _, err := s.TokenByID(t.Context(), tenantA, "tok-4"); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
			t.Errorf("refused token stored: %v", err)
		}
		// Other owners, another kind of owner with the same ID, and
		// another tenant have their own count.
		for _, tok := range []*tokenmint.Token{
			quotaToken("tok-5", tokenmint.OwnerUser, "usr-2"),
			quotaToken("tok-6", tokenmint.OwnerApplication, "usr-1"),
		} {
			if err := create(tok); err != nil {
				t.Errorf("token of another owner: %v", err)
			}
		}
		inB := newToken(tenantB, "tok-b")
		inB.OwnerID = "usr-1"
		if err := s.CreateToken(ctx, inB, hashOf(inB.ID)); err != nil {
			t.Errorf("token of the same owner ID in another tenant: %v", err)
		}
		// Without a quota, or with 0, there is no limit.
		if err := s.CreateToken(t.Context(), quotaToken("tok-7", tokenmint.OwnerUser, "usr-1"), hashOf("tok-7")); err != nil {
			t.Errorf("token without a quota: %v", err)
		}
		if err := s.CreateToken(quota(t.Context(), 0), quotaToken("tok-8", tokenmint.OwnerUser, "usr-1"), hashOf("tok-8")); err != nil {
			t.Errorf("token with quota 0: %v", err)
		}
		// Five are live now, beyond the quota of 3: deleting three
		// makes room for one.
		err = s.CreateToken(ctx, quotaToken("tok-9", tokenmint.OwnerUser, "usr-1"), hashOf("tok-9"))
		if !tokenmint.IsTokenQuotaError(err) {
			t.Errorf("token beyond the quota after unlimited ones: %v", err)
		}
		for _, id := range []string{"tok-i", "tok-7", "tok-8"} {
			if err := s.DeleteToken(t.Context(), tenantA, id); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateToken(ctx, quotaToken("tok-9", tokenmint.OwnerUser, "usr-1"), hashOf("tok-9")); err != nil {
			t.Errorf("token after deleting some: %v", err)
		}
	})
	t.Run("ConcurrentCreationsNeverOvershoot", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		const max, tries = 5, 24
		ctx := quota(t.Context(), max)
		var wg sync.WaitGroup
		errs := make([]error, tries)
		for i := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("tok-%02d", i)
				errs[i] = s.CreateToken(ctx, quotaToken(id, tokenmint.OwnerUser, "usr-1"), hashOf(id))
			}()
		}
		wg.Wait()
		created := 0
		for i, err := range errs {
			switch {
			case err == nil:
				created++
			case !tokenmint.IsTokenQuotaError(err):
				t.Errorf("creation %d: %v, want success or the quota's refusal", i, err)
			}
		}
		toks, err := s.ListTokens(t.Context(), tokenmint.TokenFilter{TenantID: tenantA, OwnerKind: tokenmint.OwnerUser, OwnerID: "usr-1", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if created != max || len(toks) != max {
			t.Errorf("%d concurrent creations with a quota of %d: %d acknowledged, %d stored; want %d", tries, max, created, len(toks), max)
		}
	})
}
