package storetest

import (
	"slices"
	"testing"
	"time"

	"tokenmint"
)

// Undo0016 is the SQL, the same on every backend, that takes a migrated
// database back to the schema before migration 0016, keeping what the
// older schema holds (the single expiry_notice_days number, the notices of
// kind "expiring").
var Undo0016 = []string{
	`DROP TABLE token_expiry_notices`,
	`DROP TABLE expiry_digests`,
	`ALTER TABLE policies DROP COLUMN expiry_notice_windows`,
	`ALTER TABLE policies DROP COLUMN expiry_digest`,
	`ALTER TABLE policies DROP COLUMN expiry_digest_weekday`,
	`DELETE FROM schema_migrations WHERE version = '0016_expiry_warnings.sql'`,
}

// tenantC is the tenant of the migration test that set its notice to 0.
const tenantC = "ten-c"

// SeedBefore0016 stores, through a schema at the latest migration, what a
// database before 0016 holds once the backend's test has run Undo0016:
// tenant A's policy with a 7-day notice, tenant C's with none (0), tenant
// B without a policy, and a token of A (expiring at day 90) already told
// at its single window.
func SeedBefore0016(t *testing.T, s tokenmint.Store) {
	t.Helper()
	ctx := t.Context()
	mustTenants(t, s)
	if err := s.CreateTenant(ctx, &tokenmint.Tenant{ID: tenantC, Name: "initech", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	for id, days := range map[string]tokenmint.NoticeDays{tenantA: {7}, tenantC: {}} {
		p := tokenmint.DefaultPolicy(id)
		p.ExpiryNoticeDays, p.UpdatedAt = days, at(time.Hour)
		if err := s.PutPolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	mustToken(t, s, newToken(tenantA, tokID(1)))
	n := tokenmint.Notice{TenantID: tenantA, TokenID: tokID(1), Kind: tokenmint.NoticeExpiring, ExpiresAt: at(90 * day), SentAt: at(83 * day)}
	if ok, err := s.RecordNotice(ctx, n, lifecycleEvent(tenantA, tokenmint.EventTokenExpiring, tokID(1), 83*day)); err != nil || !ok {
		t.Fatalf("RecordNotice = %v, %v", ok, err)
	}
}

// Assert0016Migrated checks, after migrating again, that the number became
// a list (7 → [7], 0 → [], no policy → the default [30, 7, 1]) and that the
// notice already sent counts for its window: the token is not told again at
// 7 or 30 days, but still at 1.
func Assert0016Migrated(t *testing.T, s tokenmint.Store) {
	t.Helper()
	ctx := t.Context()
	for id, want := range map[string]tokenmint.NoticeDays{tenantA: {7}, tenantB: {30, 7, 1}, tenantC: {}} {
		p, err := s.PolicyByTenant(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.ExpiryNoticeDays, want) || p.ExpiryDigest || p.ExpiryDigestWeekday != "monday" {
			t.Errorf("tenant %s after 0016: notice days %v, digest %v on %q; want %v, off, monday", id, p.ExpiryNoticeDays, p.ExpiryDigest, p.ExpiryDigestWeekday, want)
		}
	}
	for _, c := range []struct {
		window int
		want   []string
	}{{30, []string{}}, {7, []string{}}, {1, []string{tokID(1)}}} {
		toks, err := s.TokensDueNotice(ctx, tenantA, at(89*day+time.Hour), at(95*day), c.window, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := tokenIDs(toks); !slices.Equal(got, c.want) {
			t.Errorf("due for the %d-day window after 0016 = %v, want %v", c.window, got, c.want)
		}
	}
}
