package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"tokenmint"
)

// lifecycleEvent is a fixture event about a token.
func lifecycleEvent(tenantID, typ, tokenID string, d time.Duration) *tokenmint.Event {
	data, _ := json.Marshal(tokenmint.EventData{Token: tokenmint.EventToken{ID: tokenID}})
	return &tokenmint.Event{TenantID: tenantID, Type: typ, TokenID: tokenID, Time: at(d), Data: data}
}

// pendingTypes lists the types of undispatched events, oldest first.
func pendingTypes(t *testing.T, s tokenmint.Store) []string {
	t.Helper()
	evs, err := s.PendingEvents(t.Context(), 0)
	if err != nil {
		t.Fatalf("PendingEvents: %v", err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Type+" "+e.TokenID)
	}
	return out
}

func testLifecycle(t *testing.T, newStore storeFunc) {
	t.Run("ListTenants", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		ts, err := s.ListTenants(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tn := range ts {
			ids = append(ids, tn.ID)
			assertTime(t, "tenant CreatedAt", tn.CreatedAt, t0)
		}
		if !slices.Equal(sorted(ids), []string{tenantA, tenantB}) {
			t.Errorf("ListTenants = %v", ids)
		}
	})

	t.Run("IdleTokens", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		mustTenants(t, s)
		for i := 1; i <= 5; i++ {
			mustToken(t, s, newToken(tenantA, tokID(i)))
		}
		mustToken(t, s, newToken(tenantB, tokID(9)))
		// tok-0002 is used on day 10; tok-0003 deactivated and reactivated
		// on day 20; tok-0004 created on day 3.
		if err := s.RecordUsage(ctx, []tokenmint.UsageRecord{rec(tokID(2), "192.0.2.1", 10*day, 10*day, 1)}); err != nil {
			t.Fatal(err)
		}
		t3 := mustTokenByID(t, s, tenantA, tokID(3))
		t3.StoredStatus, t3.UpdatedAt = tokenmint.StatusInactive, at(15*day)
		if err := s.UpdateToken(ctx, t3); err != nil {
			t.Fatal(err)
		}
		t3.StoredStatus, t3.UpdatedAt = tokenmint.StatusActive, at(20*day)
		if err := s.UpdateToken(ctx, t3); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteToken(ctx, tenantA, tokID(4)); err != nil {
			t.Fatal(err)
		}
		t4 := newToken(tenantA, tokID(4))
		t4.CreatedAt = at(3 * day)
		mustToken(t, s, t4)
		t5 := mustTokenByID(t, s, tenantA, tokID(5))
		t5.StoredStatus, t5.RevokedAt, t5.UpdatedAt = tokenmint.StatusRevoked, ptr(at(day)), at(day)
		if err := s.UpdateToken(ctx, t5); err != nil {
			t.Fatal(err)
		}
		idle := func(since time.Duration, status, after string, limit int) []string {
			t.Helper()
			toks, err := s.IdleTokens(ctx, tenantA, at(since), status, after, limit)
			if err != nil {
				t.Fatalf("IdleTokens: %v", err)
			}
			return tokenIDs(toks)
		}
		for _, c := range []struct {
			since  time.Duration
			status string
			after  string
			limit  int
			want   []string
		}{
			{0, "", "", 0, []string{tokID(1), tokID(5)}},                                      // activity at or before t0
			{5 * day, "", "", 0, []string{tokID(1), tokID(4), tokID(5)}},                      // created on day 3
			{12 * day, "", "", 0, []string{tokID(1), tokID(2), tokID(4), tokID(5)}},           // used on day 10
			{20 * day, "", "", 0, []string{tokID(1), tokID(2), tokID(3), tokID(4), tokID(5)}}, // reactivated on day 20
			{12 * day, tokenmint.StatusActive, "", 0, []string{tokID(1), tokID(2), tokID(4)}},
			{12 * day, tokenmint.StatusRevoked, "", 0, []string{tokID(5)}},
			{12 * day, "", tokID(1), 2, []string{tokID(2), tokID(4)}},
		} {
			if got := idle(c.since, c.status, c.after, c.limit); !slices.Equal(got, c.want) {
				t.Errorf("IdleTokens(since day %v, %q, after %q, limit %d) = %v, want %v", c.since/day, c.status, c.after, c.limit, got, c.want)
			}
		}
	})

	t.Run("DeactivateIdleToken", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		mustTenants(t, s)
		mustToken(t, s, newToken(tenantA, tokID(1)))
		mustToken(t, s, newToken(tenantA, tokID(2)))
		if err := s.RecordUsage(ctx, []tokenmint.UsageRecord{rec(tokID(2), "192.0.2.1", 10*day, 10*day, 1)}); err != nil {
			t.Fatal(err)
		}
		deactivate := func(id string, idleSince, now time.Duration) bool {
			t.Helper()
			ok, err := s.DeactivateIdleToken(ctx, tenantA, id, at(idleSince), at(now), lifecycleEvent(tenantA, tokenmint.EventTokenDeactivated, id, now))
			if err != nil {
				t.Fatalf("DeactivateIdleToken(%s): %v", id, err)
			}
			return ok
		}
		if !deactivate(tokID(1), 5*day, 35*day) {
			t.Fatal("idle active token not deactivated")
		}
		tok := mustTokenByID(t, s, tenantA, tokID(1))
		if tok.StoredStatus != tokenmint.StatusInactive {
			t.Errorf("status = %s, want inactive", tok.StoredStatus)
		}
		assertTime(t, "UpdatedAt", tok.UpdatedAt, at(35*day))
		if deactivate(tokID(1), 5*day, 36*day) {
			t.Error("an inactive token was deactivated again")
		}
		if deactivate(tokID(2), 5*day, 36*day) {
			t.Error("a token used after idleSince was deactivated")
		}
		if got := pendingTypes(t, s); !slices.Equal(got, []string{"token.deactivated " + tokID(1)}) {
			t.Errorf("events = %v, want one for the one change", got)
		}
		_, err := s.DeactivateIdleToken(ctx, tenantB, tokID(2), at(20*day), at(36*day), nil)
		assertCode(t, err, tokenmint.ENOTFOUND)
		_, err = s.DeactivateIdleToken(ctx, tenantA, tokID(9), at(20*day), at(36*day), nil)
		assertCode(t, err, tokenmint.ENOTFOUND)

		// A reactivation (inactive -> active) starts the idle count again.
		tok.StoredStatus, tok.UpdatedAt = tokenmint.StatusActive, at(40*day)
		if err := s.UpdateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if deactivate(tokID(1), 39*day, 41*day) {
			t.Error("a token reactivated after idleSince was deactivated")
		}
		if !deactivate(tokID(1), 40*day, 70*day) {
			t.Error("a token idle since its reactivation was not deactivated")
		}
	})

	t.Run("DeleteIdleToken", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		mustTenants(t, s)
		mustToken(t, s, newToken(tenantA, tokID(1)))
		mustToken(t, s, newToken(tenantA, tokID(2)))
		if err := s.RecordUsage(ctx, []tokenmint.UsageRecord{rec(tokID(2), "192.0.2.1", 10*day, 10*day, 1)}); err != nil {
			t.Fatal(err)
		}
		if err := s.BlockIP(ctx, &tokenmint.IPBlock{TenantID: tenantA, TokenID: tokID(1), Prefix: "192.0.2.1", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		del := func(tenantID, id string, idleSince time.Duration) bool {
			t.Helper()
			ok, err := s.DeleteIdleToken(ctx, tenantID, id, at(idleSince), lifecycleEvent(tenantID, tokenmint.EventTokenDeleted, id, 90*day))
			if err != nil {
				t.Fatalf("DeleteIdleToken(%s): %v", id, err)
			}
			return ok
		}
		if del(tenantA, tokID(2), 5*day) {
			t.Error("a token used after idleSince was deleted")
		}
		if del(tenantB, tokID(1), 5*day) {
			t.Error("a token was deleted through another tenant")
		}
		if !del(tenantA, tokID(1), 5*day) {
			t.Fatal("idle token not deleted")
		}
		_, err := s.TokenByID(ctx, tenantA, tokID(1))
		assertCode(t, err, tokenmint.ENOTFOUND)
		if _, _, err := s.TokenBySecret(ctx, hashOf(secretOf(tokID(1)))); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
			t.Errorf("the deleted token's secret still resolves: %v", err)
		}
		if del(tenantA, tokID(1), 5*day) {
			t.Error("deleted twice")
		}
		if got := pendingTypes(t, s); !slices.Equal(got, []string{"token.deleted " + tokID(1)}) {
			t.Errorf("events = %v, want one", got)
		}
	})

	t.Run("ExpiringTokensAndNotices", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		mustTenants(t, s)
		// Expiries: tok-0001 day 90, tok-0002 day 85, tok-0003 never,
		// tok-0004 day 88 but revoked, tok-0005 day 86 but exhausted.
		mustToken(t, s, newToken(tenantA, tokID(1)))
		t2 := newToken(tenantA, tokID(2))
		t2.ExpiresAt = ptr(at(85 * day))
		mustToken(t, s, t2)
		t3 := newToken(tenantA, tokID(3))
		t3.ExpiresAt = nil
		mustToken(t, s, t3)
		t4 := newToken(tenantA, tokID(4))
		t4.ExpiresAt = ptr(at(88 * day))
		mustToken(t, s, t4)
		t4.StoredStatus, t4.RevokedAt = tokenmint.StatusRevoked, ptr(at(day))
		if err := s.UpdateToken(ctx, t4); err != nil {
			t.Fatal(err)
		}
		t5 := newToken(tenantA, tokID(5))
		t5.ExpiresAt, t5.MaxUses = ptr(at(86*day)), 1
		mustToken(t, s, t5)
		if ok, err := s.SpendUse(ctx, tokID(5), at(day)); err != nil || !ok {
			t.Fatal(ok, err)
		}
		mustToken(t, s, newToken(tenantB, tokID(9)))
		expiring := func(from, to time.Duration, kind string) []string {
			t.Helper()
			toks, err := s.ExpiringTokens(ctx, tenantA, at(from), at(to), kind, 0)
			if err != nil {
				t.Fatalf("ExpiringTokens: %v", err)
			}
			return tokenIDs(toks)
		}
		if got := expiring(80*day, 90*day, tokenmint.NoticeExpiring); !slices.Equal(got, []string{tokID(2), tokID(1)}) {
			t.Fatalf("ExpiringTokens(80..90] = %v, want soonest first, no revoked, exhausted or endless ones", got)
		}
		if got := expiring(85*day, 89*day, tokenmint.NoticeExpiring); len(got) != 0 {
			t.Errorf("ExpiringTokens(85..89] = %v: from is exclusive", got)
		}
		notice := func(id string, kind string, exp time.Duration) (bool, error) {
			return s.RecordNotice(ctx, tokenmint.Notice{TenantID: tenantA, TokenID: id, Kind: kind, ExpiresAt: at(exp), SentAt: at(80 * day)},
				lifecycleEvent(tenantA, tokenmint.EventTokenExpiring, id, 80*day))
		}
		if ok, err := notice(tokID(2), tokenmint.NoticeExpiring, 85*day); err != nil || !ok {
			t.Fatalf("RecordNotice = %v, %v", ok, err)
		}
		if ok, err := notice(tokID(2), tokenmint.NoticeExpiring, 85*day); err != nil || ok {
			t.Errorf("second RecordNotice = %v, %v; want false", ok, err)
		}
		if got := expiring(80*day, 90*day, tokenmint.NoticeExpiring); !slices.Equal(got, []string{tokID(1)}) {
			t.Errorf("after the notice: %v", got)
		}
		if got := expiring(80*day, 90*day, tokenmint.NoticeExpired); !slices.Equal(got, []string{tokID(2), tokID(1)}) {
			t.Errorf("notices are per kind: %v", got)
		}
		if got := pendingTypes(t, s); !slices.Equal(got, []string{"token.expiring " + tokID(2)}) {
			t.Errorf("events = %v, want one", got)
		}
		// Extending moves the expiry and arms the notice again.
		t2 = mustTokenByID(t, s, tenantA, tokID(2))
		t2.ExpiresAt = ptr(at(87 * day))
		if err := s.UpdateToken(ctx, t2); err != nil {
			t.Fatal(err)
		}
		if got := expiring(80*day, 90*day, tokenmint.NoticeExpiring); !slices.Equal(got, []string{tokID(2), tokID(1)}) {
			t.Errorf("after extension: %v", got)
		}
		_, err := notice(tokID(9), tokenmint.NoticeExpiring, 90*day)
		assertCode(t, err, tokenmint.ENOTFOUND)
		_, err = notice(tokID(8), tokenmint.NoticeExpiring, 90*day)
		assertCode(t, err, tokenmint.ENOTFOUND)
	})
}
