package service_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/secret"
	"tokenmint/service"
	"tokenmint/sqlite"
)

// usageCallStore counts the store's usage writes: the flush is one
// RecordUsageOnce, daily counts and failures included.
type usageCallStore struct {
	tokenmint.Store
	once, plain atomic.Int64
}

func (s *usageCallStore) RecordUsageOnce(ctx context.Context, id string, batch []tokenmint.UsageRecord) error {
	s.once.Add(1)
	return s.Store.RecordUsageOnce(ctx, id, batch)
}

func (s *usageCallStore) RecordUsage(ctx context.Context, batch []tokenmint.UsageRecord) error {
	s.plain.Add(1)
	return s.Store.RecordUsage(ctx, batch)
}

// Successful verifications count on the token's day and refusals of a
// known token on the tenant's; neither writes until the flush, which is one
// store call (one transaction) for all of it.
func TestDailyCountsAndFailuresGoOutInTheUsageFlush(t *testing.T) {
	var store *usageCallStore
	svc, ctx, db, clock := newServiceWith(t, func(db *sqlite.DB) tokenmint.Store {
		store = &usageCallStore{Store: db}
		return store
	}, nil)
	used, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "used"})
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "revoked"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RevokeToken(ctx, revoked.Token.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.Usage().Flush(ctx); err != nil { // whatever creation buffered
		t.Fatal(err)
	}
	store.once.Store(0)
	verify := func(req service.VerifyRequest, wantCode string) {
		t.Helper()
		req.IP = "192.0.2.1"
		_, err := svc.Verify(context.Background(), req)
		if tokenmint.ErrorCode(err) != wantCode && !(wantCode == "" && err == nil) {
			t.Fatalf("Verify: %v, want code %q", err, wantCode)
		}
	}
	for range 3 {
		verify(service.VerifyRequest{Token: used.Plain}, "")
	}
	verify(service.VerifyRequest{Token: used.Plain, Permission: "users:manage"}, tokenmint.EFORBIDDEN)
	verify(service.VerifyRequest{Token: revoked.Plain}, tokenmint.EUNAUTHORIZED)
	// Not counted: introspection of a refused token, and a token nobody
	// knows (it belongs to no tenant).
	verify(service.VerifyRequest{Token: revoked.Plain, Inspect: true}, tokenmint.EUNAUTHORIZED)
	verify(service.VerifyRequest{Token: secret.NewToken(tokenmint.KindUser)}, tokenmint.EUNAUTHORIZED)

	today := tokenmint.UnixDay(clock.Now())
	tenantID := used.Token.TenantID
	if days, err := db.TokenDailyUses(ctx, tenantID, used.Token.ID, today, today); err != nil || len(days) != 0 {
		t.Fatalf("daily uses before the flush = %v, %v; want none written yet", days, err)
	}
	if err := svc.Usage().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, m := store.once.Load(), store.plain.Load(); n != 1 || m != 0 {
		t.Errorf("the flush made %d RecordUsageOnce and %d RecordUsage calls, want one RecordUsageOnce", n, m)
	}

	days, err := svc.TokenDailyUsage(ctx, used.Token.ID, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 7 {
		t.Fatalf("%d days, want 7", len(days))
	}
	todayDate := clock.Now().UTC().Format(time.DateOnly)
	for i, d := range days {
		want := int64(0)
		if i == 6 {
			want = 3
		}
		if d.Uses != want {
			t.Errorf("day %d (%s): %d uses, want %d", i, d.Date, d.Uses, want)
		}
	}
	if days[6].Date != todayDate || days[0].Date != clock.Now().AddDate(0, 0, -6).Format(time.DateOnly) {
		t.Errorf("days run from %s to %s, want the 7 days up to today %s", days[0].Date, days[6].Date, todayDate)
	}

	dash, err := svc.Dashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	failed := dash.FailedVerifications
	if len(failed) != service.DashboardDays || failed[len(failed)-1].Date != todayDate || failed[len(failed)-1].Count != 2 {
		t.Errorf("failed verifications = %+v, want %d days ending today with 2", failed, service.DashboardDays)
	}
	if len(dash.BusiestTokens) != 1 || dash.BusiestTokens[0].ID != used.Token.ID || dash.BusiestTokens[0].Uses != 3 {
		t.Errorf("busiest tokens = %+v, want %s with 3 uses", dash.BusiestTokens, used.Token.ID)
	}
}

// The lifecycle jobs keep 90 days of daily counts: on day 89 after a use
// it is still there, on day 90 it is gone (for failures alike).
func TestJobsPruneDailyCountsAfterNinetyDays(t *testing.T) {
	svc, ctx, db, clock := newService(t)
	// No inactivity rules: the token must outlive the counts.
	zero := 0
	if _, err := svc.PutPolicy(ctx, service.PolicyInput{InactivityDeactivateDays: &zero, InactivityDeleteDays: &zero}); err != nil {
		t.Fatal(err)
	}
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "u"})
	if err != nil {
		t.Fatal(err)
	}
	tok := issued.Token
	if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, IP: "192.0.2.1", Permission: "users:manage"}); err == nil {
		t.Fatal("a permission the token lacks was allowed")
	}
	// The usage write-back (Run in a server) writes the use and the failure.
	if err := svc.Usage().FlushDue(ctx); err != nil {
		t.Fatal(err)
	}
	first := tokenmint.UnixDay(clock.Now())
	counts := func() (uses, failed int) {
		t.Helper()
		u, err := db.TokenDailyUses(ctx, tok.TenantID, tok.ID, first, first)
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.Dashboard(ctx, tokenmint.DashboardQuery{TenantID: tok.TenantID, Now: clock.Now(), Top: 1, FailedSinceDay: first})
		if err != nil {
			t.Fatal(err)
		}
		return len(u), len(d.Failed)
	}
	for _, step := range []struct {
		advance     time.Duration
		uses, fails int
	}{
		{0, 1, 1},
		{89 * tokenmint.Day, 1, 1}, // the 90th day counting the first
		{tokenmint.Day, 0, 0},
	} {
		clock.Advance(step.advance)
		if err := svc.RunJobs(ctx); err != nil {
			t.Fatal(err)
		}
		if u, f := counts(); u != step.uses || f != step.fails {
			t.Errorf("%s after the use: %d days of uses and %d of failures kept, want %d and %d",
				clock.Now().Format(time.DateOnly), u, f, step.uses, step.fails)
		}
	}
}
