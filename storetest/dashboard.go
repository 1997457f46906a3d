package storetest

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"tokenmint"
)

// testDailyCounts checks the daily counts a usage batch adds in its own
// transaction, their reading and their pruning.
func testDailyCounts(t *testing.T, newStore storeFunc) {
	d0 := tokenmint.UnixDay(t0)
	failure := func(tenantID string, after time.Duration, n int64) tokenmint.UsageRecord {
		return tokenmint.UsageRecord{TenantID: tenantID, First: at(after), Last: at(after), Count: n}
	}
	t.Run("FromBatches", func(t *testing.T) {
		s := newStore(t)
		unlimited, limited, inB := usageFixture(t, s)
		batch := []tokenmint.UsageRecord{
			rec(unlimited.ID, "192.0.2.1", time.Minute, 2*time.Minute, 3),
			rec(unlimited.ID, "192.0.2.2", time.Minute, 5*time.Minute, 2),
			// The same token and IP on the next day: a batch that spans
			// midnight names the pair once per day.
			rec(unlimited.ID, "192.0.2.1", day, day+time.Minute, 4),
			rec(limited.ID, "192.0.2.1", time.Minute, time.Minute, 1),
			// A token deleted since, and one of another tenant named in
			// this one: skipped, the batch still applies.
			rec("tok-gone", "192.0.2.1", time.Minute, time.Minute, 9),
			rec(inB.ID, "192.0.2.1", time.Minute, time.Minute, 9),
			failure(tenantA, time.Minute, 7),
			failure(tenantB, time.Minute, 2),
		}
		// Sent three times under one ID (a lost acknowledgement): counted once.
		for range 3 {
			if err := s.RecordUsageOnce(t.Context(), "batch-1", batch); err != nil {
				t.Fatalf("RecordUsageOnce: %v", err)
			}
		}
		if err := s.RecordUsageOnce(t.Context(), "batch-2", []tokenmint.UsageRecord{rec(unlimited.ID, "192.0.2.1", 10*time.Minute, 10*time.Minute, 1)}); err != nil {
			t.Fatalf("RecordUsageOnce: %v", err)
		}
		// A batch without an ID counts its days too.
		if err := s.RecordUsage(t.Context(), []tokenmint.UsageRecord{rec(unlimited.ID, "192.0.2.1", 2*day, 2*day, 5), failure(tenantA, 2*day, 1)}); err != nil {
			t.Fatalf("RecordUsage: %v", err)
		}
		assertDays(t, s, tenantA, unlimited.ID, d0-1, d0+2, []tokenmint.DayCount{{Day: d0, Count: 6}, {Day: d0 + 1, Count: 4}, {Day: d0 + 2, Count: 5}})
		assertDays(t, s, tenantA, unlimited.ID, d0+1, d0+1, []tokenmint.DayCount{{Day: d0 + 1, Count: 4}})
		assertDays(t, s, tenantA, limited.ID, d0, d0+2, []tokenmint.DayCount{{Day: d0, Count: 1}})
		assertDays(t, s, tenantB, inB.ID, d0, d0+2, []tokenmint.DayCount{})
		// The per-IP usage beside them is unchanged by the daily counts.
		assertUses(t, s, unlimited.ID, 15)
		assertUsage(t, s, tenantA, unlimited.ID, []tokenmint.IPUsage{
			{IP: "192.0.2.1", FirstUsed: at(time.Minute), LastUsed: at(2 * day), Count: 13},
			{IP: "192.0.2.2", FirstUsed: at(time.Minute), LastUsed: at(5 * time.Minute), Count: 2},
		})

		_, err := s.TokenDailyUses(t.Context(), tenantB, unlimited.ID, d0, d0)
		assertCode(t, err, tokenmint.ENOTFOUND)
		_, err = s.TokenDailyUses(t.Context(), tenantA, "tok-gone", d0, d0)
		assertCode(t, err, tokenmint.ENOTFOUND)

		for _, c := range []struct {
			tenantID string
			want     []tokenmint.DayCount
		}{
			{tenantA, []tokenmint.DayCount{{Day: d0, Count: 7}, {Day: d0 + 2, Count: 1}}},
			{tenantB, []tokenmint.DayCount{{Day: d0, Count: 2}}},
		} {
			d, err := s.Dashboard(t.Context(), tokenmint.DashboardQuery{TenantID: c.tenantID, Now: at(2 * day), Top: 10, FailedSinceDay: d0 - 5})
			if err != nil {
				t.Fatalf("Dashboard(%s): %v", c.tenantID, err)
			}
			if !slices.Equal(d.Failed, c.want) {
				t.Errorf("failed verifications of %s = %v, want %v", c.tenantID, d.Failed, c.want)
			}
		}

		// Deleting a token deletes its days.
		if err := s.DeleteToken(t.Context(), tenantA, limited.ID); err != nil {
			t.Fatalf("DeleteToken: %v", err)
		}
		n, err := s.PruneDailyCounts(t.Context(), d0+100)
		if err != nil {
			t.Fatalf("PruneDailyCounts: %v", err)
		}
		if n != 3+3 { // unlimited's three days, A's two and B's one day of failures
			t.Errorf("PruneDailyCounts removed %d rows, want 6", n)
		}
	})
	// Flushes of several instances at once add up, whatever their order,
	// and none is lost or fails (PostgreSQL: same lock order everywhere).
	t.Run("ConcurrentFlushes", func(t *testing.T) {
		s := newStore(t)
		unlimited, limited, _ := usageFixture(t, s)
		const flushes = 8
		var wg sync.WaitGroup
		for i := range flushes {
			wg.Go(func() {
				batch := []tokenmint.UsageRecord{
					rec(unlimited.ID, "192.0.2.1", time.Minute, time.Minute, 1),
					rec(limited.ID, "192.0.2.1", time.Minute, time.Minute, 2),
					rec(unlimited.ID, "192.0.2.2", day, day, 3),
					failure(tenantA, time.Minute, 1),
					failure(tenantB, time.Minute, 1),
				}
				if err := s.RecordUsageOnce(t.Context(), "batch-"+strconv.Itoa(i), batch); err != nil {
					t.Errorf("RecordUsageOnce: %v", err)
				}
			})
		}
		wg.Wait()
		assertDays(t, s, tenantA, unlimited.ID, d0, d0+1, []tokenmint.DayCount{{Day: d0, Count: flushes}, {Day: d0 + 1, Count: 3 * flushes}})
		assertDays(t, s, tenantA, limited.ID, d0, d0+1, []tokenmint.DayCount{{Day: d0, Count: 2 * flushes}})
		d, err := s.Dashboard(t.Context(), tokenmint.DashboardQuery{TenantID: tenantB, Now: at(day), Top: 1, FailedSinceDay: d0})
		if err != nil {
			t.Fatalf("Dashboard: %v", err)
		}
		if want := []tokenmint.DayCount{{Day: d0, Count: flushes}}; !slices.Equal(d.Failed, want) {
			t.Errorf("failed verifications = %v, want %v", d.Failed, want)
		}
	})
	t.Run("Prune", func(t *testing.T) {
		s := newStore(t)
		unlimited, _, _ := usageFixture(t, s)
		var batch []tokenmint.UsageRecord
		for i := range 5 {
			off := time.Duration(i) * day
			batch = append(batch, rec(unlimited.ID, "192.0.2."+string(rune('1'+i)), off, off, int64(i+1)), failure(tenantA, off, 10))
		}
		if err := s.RecordUsageOnce(t.Context(), "batch-1", batch); err != nil {
			t.Fatalf("RecordUsageOnce: %v", err)
		}
		n, err := s.PruneDailyCounts(t.Context(), d0+3)
		if err != nil {
			t.Fatalf("PruneDailyCounts: %v", err)
		}
		if n != 6 { // three days of uses and three of failures
			t.Errorf("PruneDailyCounts removed %d rows, want 6", n)
		}
		assertDays(t, s, tenantA, unlimited.ID, d0-10, d0+10, []tokenmint.DayCount{{Day: d0 + 3, Count: 4}, {Day: d0 + 4, Count: 5}})
		d, err := s.Dashboard(t.Context(), tokenmint.DashboardQuery{TenantID: tenantA, Now: at(5 * day), Top: 10, FailedSinceDay: d0 - 10})
		if err != nil {
			t.Fatalf("Dashboard: %v", err)
		}
		if want := []tokenmint.DayCount{{Day: d0 + 3, Count: 10}, {Day: d0 + 4, Count: 10}}; !slices.Equal(d.Failed, want) {
			t.Errorf("failed verifications after pruning = %v, want %v", d.Failed, want)
		}
		if n, err := s.PruneDailyCounts(t.Context(), d0+3); err != nil || n != 0 {
			t.Errorf("PruneDailyCounts again = %d, %v; want 0, nil", n, err)
		}
	})
}

// assertDays checks a token's daily uses between two days.
func assertDays(t *testing.T, s tokenmint.Store, tenantID, tokenID string, from, to int64, want []tokenmint.DayCount) {
	t.Helper()
	got, err := s.TokenDailyUses(t.Context(), tenantID, tokenID, from, to)
	if err != nil {
		t.Fatalf("TokenDailyUses(%s): %v", tokenID, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("TokenDailyUses(%s, %d..%d) = %v, want %v", tokenID, from, to, got, want)
	}
}

// dashboardFixture fills tenant A with tokens of every kind the dashboard
// tells apart, and returns the time the dashboard is asked at (day 100).
func dashboardFixture(t *testing.T, s tokenmint.Store) time.Time {
	t.Helper()
	mustTenants(t, s)
	mustUser(t, s, tenantA, "usr-0001", "alice")
	mustApplication(t, s, newApplication(tenantA, "app-1", "ci-bot"))
	tok := func(n int, typ string, created time.Duration, expires *time.Time, mod func(*tokenmint.Token)) {
		x := newToken(tenantA, tokID(n))
		x.Type, x.CreatedAt, x.ExpiresAt = typ, at(created), expires
		if mod != nil {
			mod(x)
		}
		mustToken(t, s, x)
	}
	tok(1, "ci", 0, ptr(at(120*day)), nil) // expiring, never used: unused too
	tok(2, "ci", 0, nil, nil)              // no expiry, used on day 95
	tok(3, "deploy", 90*day, ptr(at(200*day)), nil)
	tok(4, "ci", 0, nil, func(x *tokenmint.Token) { // revoked: counted nowhere
		x.StoredStatus, x.RevokedAt = tokenmint.StatusRevoked, ptr(at(50*day))
	})
	tok(5, "ci", 0, ptr(at(50*day)), nil) // expired: counted nowhere
	tok(6, "app", 0, nil, func(x *tokenmint.Token) { x.OwnerKind, x.OwnerID = tokenmint.OwnerApplication, "app-1" })
	tok(7, "ci", 0, nil, func(x *tokenmint.Token) { x.StoredStatus = tokenmint.StatusInactive })
	bTok := newToken(tenantB, tokID(8))
	bTok.ExpiresAt = nil
	mustToken(t, s, bTok)

	failure := func(tenantID string, after time.Duration, n int64) tokenmint.UsageRecord {
		return tokenmint.UsageRecord{TenantID: tenantID, First: at(after), Last: at(after), Count: n}
	}
	batch := []tokenmint.UsageRecord{
		rec(tokID(2), "192.0.2.1", 95*day, 95*day, 5),
		rec(tokID(3), "192.0.2.1", 91*day, 91*day, 5),
		rec(tokID(6), "192.0.2.1", 99*day, 99*day, 8),
		rec(tokID(6), "192.0.2.2", 10*day, 10*day, 100), // long before the window
		{TenantID: tenantB, TokenID: tokID(8), IP: "192.0.2.1", First: at(99 * day), Last: at(99 * day), Count: 1000},
		failure(tenantA, 98*day, 3),
		failure(tenantA, 60*day, 2), // before the window
		failure(tenantB, 98*day, 50),
	}
	if err := s.RecordUsage(t.Context(), batch); err != nil {
		t.Fatalf("RecordUsage: %v", err)
	}
	return at(100 * day)
}

// testDashboard checks the dashboard's aggregates and the token list's
// filters that explain them: each figure is the number of rows of its list.
func testDashboard(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	now := dashboardFixture(t, s)
	d0 := tokenmint.UnixDay(t0)
	q := tokenmint.DashboardQuery{
		TenantID: tenantA, Now: now, ExpiresBy: now.Add(30 * day), IdleSince: now.Add(-30 * day),
		BusySinceDay: d0 + 71, Top: 2, FailedSinceDay: d0 + 71,
	}
	d, err := s.Dashboard(t.Context(), q)
	if err != nil {
		t.Fatalf("Dashboard: %v", err)
	}
	if d.Active != 4 || d.Expiring != 1 || d.Unused != 1 || d.NoExpiry != 2 {
		t.Errorf("active %d, expiring %d, unused %d, no expiry %d; want 4, 1, 1, 2", d.Active, d.Expiring, d.Unused, d.NoExpiry)
	}
	if want := []tokenmint.TypeCount{{Type: "app", Count: 1}, {Type: "ci", Count: 2}, {Type: "deploy", Count: 1}}; !slices.Equal(d.PerType, want) {
		t.Errorf("per type = %v, want %v", d.PerType, want)
	}
	// Top 2 of three used tokens; a tie (5 and 5) goes by ID.
	wantBusy := []tokenmint.BusyToken{
		{ID: tokID(6), Name: "token " + tokID(6), Type: "app", OwnerKind: tokenmint.OwnerApplication, OwnerID: "app-1", OwnerName: "ci-bot", Uses: 8},
		{ID: tokID(2), Name: "token " + tokID(2), Type: "ci", OwnerKind: tokenmint.OwnerUser, OwnerID: "usr-0001", OwnerName: "alice", Uses: 5},
	}
	if !slices.Equal(d.BusiestTokens, wantBusy) {
		t.Errorf("busiest tokens = %+v, want %+v", d.BusiestTokens, wantBusy)
	}
	if want := []tokenmint.BusyApplication{{ID: "app-1", Name: "ci-bot", Uses: 8}}; !slices.Equal(d.BusiestApplications, want) {
		t.Errorf("busiest applications = %+v, want %+v", d.BusiestApplications, want)
	}
	if want := []tokenmint.DayCount{{Day: d0 + 98, Count: 3}}; !slices.Equal(d.Failed, want) {
		t.Errorf("failed verifications = %v, want %v", d.Failed, want)
	}
	q.Top = 10
	if d, err = s.Dashboard(t.Context(), q); err != nil {
		t.Fatalf("Dashboard: %v", err)
	}
	if got := len(d.BusiestTokens); got != 3 {
		t.Errorf("%d busiest tokens with Top 10, want 3", got)
	}

	// The lists behind the figures.
	by, idle := now.Add(30*day), now.Add(-30*day)
	for _, c := range []struct {
		name string
		f    tokenmint.TokenFilter
		want []string
	}{
		{"expiring", tokenmint.TokenFilter{Status: tokenmint.StatusActive, ExpiresBy: &by}, []string{tokID(1)}},
		{"unused", tokenmint.TokenFilter{Status: tokenmint.StatusActive, IdleSince: &idle}, []string{tokID(1)}},
		{"no expiry", tokenmint.TokenFilter{Status: tokenmint.StatusActive, NoExpiry: true}, []string{tokID(2), tokID(6)}},
		{"type", tokenmint.TokenFilter{Status: tokenmint.StatusActive, Type: "ci"}, []string{tokID(1), tokID(2)}},
		// Without the status: an expired token is not expiring, and the
		// revoked, inactive and expired ones are idle or without expiry.
		{"expiring any status", tokenmint.TokenFilter{ExpiresBy: &by}, []string{tokID(1)}},
		{"unused any status", tokenmint.TokenFilter{IdleSince: &idle}, []string{tokID(1), tokID(4), tokID(5), tokID(7)}},
		{"no expiry any status", tokenmint.TokenFilter{NoExpiry: true}, []string{tokID(2), tokID(4), tokID(6), tokID(7)}},
	} {
		c.f.TenantID, c.f.Now = tenantA, now
		toks, err := s.ListTokens(t.Context(), c.f)
		if err != nil {
			t.Fatalf("ListTokens(%s): %v", c.name, err)
		}
		if got := sorted(tokenIDs(toks)); !slices.Equal(got, c.want) {
			t.Errorf("ListTokens(%s) = %v, want %v", c.name, got, c.want)
		}
	}

	// A tenant with nothing has zeros and empty lists, not nulls.
	empty, err := s.Dashboard(t.Context(), tokenmint.DashboardQuery{TenantID: "ten-none", Now: now, Top: 10})
	if err != nil {
		t.Fatalf("Dashboard(empty tenant): %v", err)
	}
	if empty.Active != 0 || empty.PerType == nil || empty.BusiestTokens == nil || empty.BusiestApplications == nil || empty.Failed == nil {
		t.Errorf("dashboard of an empty tenant = %+v", empty)
	}
}
