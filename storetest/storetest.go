// Package storetest is the conformance suite of tokenmint.Store. Every
// backend runs it unchanged from its own tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) tokenmint.Store { return MustOpenDB(t) })
//		storetest.RunConcurrency(t, func(t *testing.T) tokenmint.Store { return MustOpenDB(t) })
//	}
//
// newStore must return a fresh, empty, migrated store on every call and
// arrange for it to be closed (t.Cleanup); each subtest calls it once. The
// suite uses only the Store interface and fixed times, so a failure means
// the backend breaks the contract, never that the clock moved.
//
// Where store.go leaves a behaviour open, the suite pins one choice that
// every backend must share, so callers see the same store whatever the
// database:
//
//   - Times come back in UTC (time.UTC) at microsecond precision.
//   - Update and Delete methods of a missing object, or of an object of
//     another tenant, return ENOTFOUND (DeleteSession included). IDs are
//     global: a token ID taken in one tenant is ECONFLICT in another, since
//     RotateTokenSecret and SpendUse take no tenant.
//   - UpdateUser and UpdateToken save only the fields their doc comments
//     name; the rest of the struct is ignored. UpdateToken of a token that
//     is missing (or in another tenant) is ENOTFOUND whatever the version;
//     of a token changed since it was read, ECONFLICT.
//   - PutMembership of a project or user that is unknown in the
//     membership's tenant is ENOTFOUND.
//   - ListTokens and ListAudit return 100 rows when Limit is 0; an empty
//     TenantID matches every tenant (for background jobs). AuditFilter.Since
//     is inclusive, Until exclusive.
//   - SpendUse is called for limited-use tokens only (MaxUses > 0); the
//     suite pins nothing for MaxUses 0. It records now as the token's
//     last_used_at (never moving it back) and is ENOTFOUND for an unknown
//     token.
//   - RecordUsage skips records of tokens that do not exist in the record's
//     tenant (deleted since the request) without failing the batch, and
//     never moves last_used_at back. TokenUsage is ENOTFOUND for a token
//     not in the tenant, empty for a token never used.
//   - RecordUsage and RecordUsageOnce add tokenmint.DailyCounts(batch) in
//     the batch's transaction (a record without a TokenID counts failed
//     verifications of its tenant); a batch may name a (token, IP) pair
//     once per UTC day. TokenDailyUses is ENOTFOUND for a token not in the
//     tenant and leaves out days without uses.
//   - A RotateTokenSecret whose new hash is taken is ECONFLICT and changes
//     nothing.
//   - ListUsers, ListProjects, ListApplications, ListClientCredentials and
//     ListWebhooks are ordered by ID, the members of a project by user ID,
//     TokenUsage by IP (text, bytewise); a Page's After excludes and a
//     Limit of 0 returns every row.
//   - Client IDs are global; a credential of an application unknown in its
//     tenant is ENOTFOUND. ListClientCredentials omits secret hashes.
//     Revoking a credential or a refresh family again keeps the first
//     revocation time. RotateRefreshToken of an unknown token is ENOTFOUND.
package storetest

import (
	"testing"

	"tokenmint"
)

// storeFunc is the constructor a backend passes to Run.
type storeFunc = func(t *testing.T) tokenmint.Store

// Run runs the behavioural tests of every Store method as subtests.
func Run(t *testing.T, newStore func(t *testing.T) tokenmint.Store) {
	groups := []struct {
		name string
		run  func(*testing.T, storeFunc)
	}{
		{"Ping", testPing},
		{"Attempts", testAttempts},
		{"Tenants", testTenants},
		{"Users", testUsers},
		{"Paging", testPaging},
		{"TokenQuota", testTokenQuota},
		{"Projects", testProjects},
		{"Memberships", testMemberships},
		{"Policies", testPolicies},
		{"ExpiryWarnings", testExpiryWarnings},
		{"Tokens", testTokens},
		{"TokenAudit", testTokenAudit},
		{"TokenVersion", testTokenVersion},
		{"ListTokens", testListTokens},
		{"RotateTokenSecret", testRotateTokenSecret},
		{"SpendUse", testSpendUse},
		{"DeleteToken", testDeleteToken},
		{"Usage", testUsage},
		{"UsageBatches", testUsageBatches},
		{"UsagePairTwice", testUsagePairTwice},
		{"DailyCounts", testDailyCounts},
		{"Dashboard", testDashboard},
		{"Sessions", testSessions},
		{"Audit", testAudit},
		{"AuditActor", testAuditActor},
		{"Leases", testLeases},
		{"Lifecycle", testLifecycle},
		{"IPBlocks", testIPBlocks},
		{"Networks", testNetworks},
		{"Outbox", testOutbox},
		{"OutboxClaimFence", testOutboxClaimFence},
		{"Webhooks", testWebhooks},
		{"Applications", testApplications},
		{"NamesIgnoreCase", testNamesIgnoreCase},
		{"ClientCredentials", testClientCredentials},
		{"RefreshTokens", testRefreshTokens},
		{"SigningKeys", testSigningKeys},
		{"SSO", testSSO},
		{"TokenRequests", testTokenRequests},
		{"RateLimitSubjects", testRateLimitSubjects},
		{"BadText", testBadText},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, newStore) })
	}
}

func testPing(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
