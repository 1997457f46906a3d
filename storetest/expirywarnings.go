package storetest

import (
	"slices"
	"testing"
	"time"

	"tokenmint"
)

func testExpiryWarnings(t *testing.T, newStore storeFunc) {
	t.Run("NoticesPerWindow", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		mustTenants(t, s)
		// tok-0001 expires at day 90, tok-0002 at day 85; tok-0003 of the
		// other tenant at day 90.
		mustToken(t, s, newToken(tenantA, tokID(1)))
		t2 := newToken(tenantA, tokID(2))
		t2.ExpiresAt = ptr(at(85 * day))
		mustToken(t, s, t2)
		mustToken(t, s, newToken(tenantB, tokID(3)))
		due := func(now time.Duration, w int) []string {
			t.Helper()
			toks, err := s.TokensDueNotice(ctx, tenantA, at(now), at(now+time.Duration(w)*day), w, 0)
			if err != nil {
				t.Fatalf("TokensDueNotice: %v", err)
			}
			return tokenIDs(toks)
		}
		record := func(id string, exp time.Duration, w int) (bool, error) {
			return s.RecordExpiryNotice(ctx, tokenmint.ExpiryNotice{TenantID: tenantA, TokenID: id, ExpiresAt: at(exp), WindowDays: w, SentAt: at(80 * day)},
				lifecycleEvent(tenantA, tokenmint.EventTokenExpiring, id, 80*day))
		}
		if got := due(60*day, 30); !slices.Equal(got, []string{tokID(2), tokID(1)}) {
			t.Fatalf("due at day 60 for 30 days = %v, want soonest first", got)
		}
		if ok, err := record(tokID(1), 90*day, 30); err != nil || !ok {
			t.Fatalf("RecordExpiryNotice = %v, %v", ok, err)
		}
		if ok, err := record(tokID(1), 90*day, 30); err != nil || ok {
			t.Errorf("second RecordExpiryNotice = %v, %v; want false", ok, err)
		}
		if got := pendingTypes(t, s); !slices.Equal(got, []string{"token.expiring " + tokID(1)}) {
			t.Errorf("events = %v, want one", got)
		}
		if got := due(60*day, 30); !slices.Equal(got, []string{tokID(2)}) {
			t.Errorf("after the 30-day notice: %v", got)
		}
		// The 7-day window is a new notice for the same expiry.
		if got := due(84*day, 7); !slices.Equal(got, []string{tokID(2), tokID(1)}) {
			t.Errorf("due for 7 days after a 30-day notice = %v, want both", got)
		}
		// A notice for a nearer window covers the farther ones.
		if ok, err := record(tokID(2), 85*day, 7); err != nil || !ok {
			t.Fatalf("RecordExpiryNotice(7) = %v, %v", ok, err)
		}
		if got := due(80*day, 30); !slices.Equal(got, []string{}) {
			t.Errorf("due for 30 days after tok-0002's 7-day notice = %v, want none", got)
		}
		if got := due(84*day, 1); !slices.Equal(got, []string{tokID(2)}) {
			t.Errorf("due for 1 day = %v, want tok-0002", got)
		}
		// Extending moves the expiry and arms every window again.
		t2 = mustTokenByID(t, s, tenantA, tokID(2))
		t2.ExpiresAt = ptr(at(88 * day))
		if err := s.UpdateToken(ctx, t2); err != nil {
			t.Fatal(err)
		}
		if got := due(80*day, 30); !slices.Equal(got, []string{tokID(2)}) {
			t.Errorf("after the extension: %v", got)
		}
		_, err := record(tokID(3), 90*day, 30)
		assertCode(t, err, tokenmint.ENOTFOUND)
		_, err = record(tokID(8), 90*day, 30)
		assertCode(t, err, tokenmint.ENOTFOUND)
	})

	t.Run("Digests", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		mustTenants(t, s)
		// usr-0001 owns tok-0001 (day 90) and tok-0002 (day 70); usr-0002
		// owns tok-0003 (day 80) and tok-0004 (day 75, revoked); an
		// application owns tok-0005 (day 72); tok-0006 expires at day 100,
		// past the window.
		for i, c := range []struct {
			owner, kind string
			exp         time.Duration
		}{{"usr-0001", "user", 90 * day}, {"usr-0001", "user", 70 * day}, {"usr-0002", "user", 80 * day},
			{"usr-0002", "user", 75 * day}, {"app-0001", "application", 72 * day}, {"usr-0001", "user", 100 * day}} {
			tok := newToken(tenantA, tokID(i+1))
			tok.OwnerID, tok.OwnerKind, tok.ExpiresAt = c.owner, c.kind, ptr(at(c.exp))
			mustToken(t, s, tok)
		}
		t4 := mustTokenByID(t, s, tenantA, tokID(4))
		t4.StoredStatus, t4.RevokedAt = tokenmint.StatusRevoked, ptr(at(day))
		if err := s.UpdateToken(ctx, t4); err != nil {
			t.Fatal(err)
		}
		toks, err := s.DigestTokens(ctx, tenantA, at(65*day), at(95*day))
		if err != nil {
			t.Fatalf("DigestTokens: %v", err)
		}
		if got := tokenIDs(toks); !slices.Equal(got, []string{tokID(2), tokID(1), tokID(3)}) {
			t.Errorf("DigestTokens = %v, want by owner then expiry, users' live tokens only", got)
		}
		if toks, err := s.DigestTokens(ctx, tenantB, at(65*day), at(95*day)); err != nil || len(toks) != 0 {
			t.Errorf("DigestTokens(B) = %v, %v", tokenIDs(toks), err)
		}
		d := tokenmint.ExpiryDigest{TenantID: tenantA, UserID: "usr-0001", WeekDay: 20000, SentAt: at(65 * day)}
		ev := &tokenmint.Event{TenantID: tenantA, Type: tokenmint.EventExpiryDigest, Time: at(65 * day), Data: []byte(`{}`)}
		if ok, err := s.RecordExpiryDigest(ctx, d, ev); err != nil || !ok {
			t.Fatalf("RecordExpiryDigest = %v, %v", ok, err)
		}
		if ok, err := s.RecordExpiryDigest(ctx, d, ev); err != nil || ok {
			t.Errorf("second RecordExpiryDigest = %v, %v; want false", ok, err)
		}
		d.WeekDay += 7
		if ok, err := s.RecordExpiryDigest(ctx, d, ev); err != nil || !ok {
			t.Errorf("next week's RecordExpiryDigest = %v, %v; want true", ok, err)
		}
		if got := pendingTypes(t, s); len(got) != 2 || got[0] != tokenmint.EventExpiryDigest+" " {
			t.Errorf("events = %q, want two digests", got)
		}
	})

	t.Run("ExpiryDays", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		mustTenants(t, s)
		// Three tokens expire on t0's day 90 (at different hours), one on
		// day 91, one revoked on day 90, one in tenant B on day 90.
		for i, exp := range []time.Duration{90 * day, 90*day + time.Hour, 90*day - time.Hour, 91 * day, 90 * day} {
			tok := newToken(tenantA, tokID(i+1))
			tok.ExpiresAt = ptr(at(exp))
			mustToken(t, s, tok)
		}
		t5 := mustTokenByID(t, s, tenantA, tokID(5))
		t5.StoredStatus, t5.RevokedAt = tokenmint.StatusRevoked, ptr(at(day))
		if err := s.UpdateToken(ctx, t5); err != nil {
			t.Fatal(err)
		}
		mustToken(t, s, newToken(tenantB, tokID(9)))
		got, err := s.ExpiryDays(ctx, tenantA, at(0), at(365*day))
		if err != nil {
			t.Fatalf("ExpiryDays: %v", err)
		}
		d90 := tokenmint.UnixDay(at(90 * day))
		want := []tokenmint.DayCount{{Day: d90, Count: 3}, {Day: d90 + 1, Count: 1}}
		if !slices.Equal(got, want) {
			t.Errorf("ExpiryDays = %v, want %v", got, want)
		}
		if got, err := s.ExpiryDays(ctx, tenantA, at(90*day+time.Hour), at(365*day)); err != nil || !slices.Equal(got, []tokenmint.DayCount{{Day: d90 + 1, Count: 1}}) {
			t.Errorf("ExpiryDays from day 90 + 1h = %v, %v; want the expired ones left out", got, err)
		}
	})
}
