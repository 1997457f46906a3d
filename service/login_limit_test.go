package service_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/secret"
	"tokenmint/service"
)

// loginFailures counts the failed logins of the default tenant in the
// audit: one per password actually checked.
func loginFailures(t *testing.T, store tokenmint.Store, tenantID string) int {
	t.Helper()
	es, err := store.ListAudit(t.Context(), tokenmint.AuditFilter{TenantID: tenantID, Action: "login", Outcome: service.OutcomeFailure, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// loginFrom tries a password for a user of the default tenant from ip and
// classifies the answer: "ok", "refused" (wrong password), "throttled".
func loginFrom(t *testing.T, svc *service.Service, ip, user, password string) string {
	t.Helper()
	_, err := svc.CheckPassword(service.ContextWithClientIP(context.Background(), ip), "", user, password)
	var rl *service.RateLimitError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &rl):
		if rl.RetryAfter <= 0 {
			t.Errorf("429 without a Retry-After: %v", rl.RetryAfter)
		}
		return "throttled"
	case tokenmint.ErrorCode(err) == tokenmint.EUNAUTHORIZED:
		return "refused"
	default:
		t.Fatalf("login: %v", err)
		return ""
	}
}

// Concurrent wrong logins for one user from one IP are cut at the limit
// before any password is hashed: the attempt is counted first. Before,
// the throttle checked, hashed, then counted, so all of them were tried.
func TestConcurrentLoginsAreCutAtTheLimitBeforeHashing(t *testing.T) {
	// The real argon2id cost: each check takes tens of milliseconds, the
	// time in which the old throttle let every concurrent guess through.
	svc, ctx, db, _ := newServiceWith(t, nil, func(c *service.Config) { c.PasswordParams = &secret.DefaultPasswordParams })
	tenant, _ := db.TenantByName(ctx, "default")
	const n = 40
	results := make([]string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := svc.CheckPassword(service.ContextWithClientIP(context.Background(), "198.51.100.7"), "", "admin", "wrong-password")
			var rl *service.RateLimitError
			switch {
			case errors.As(err, &rl):
				results[i] = "throttled"
			case tokenmint.ErrorCode(err) == tokenmint.EUNAUTHORIZED:
				results[i] = "refused"
			default:
				results[i] = "other: " + err.Error()
			}
		}()
	}
	close(start)
	wg.Wait()
	count := map[string]int{}
	for _, r := range results {
		count[r]++
	}
	// Some may be refused for lack of a password-check slot (a slow
	// machine): those were not tried and their attempt was given back.
	limit := tokenmint.DefaultLoginFailuresPerMinute
	if count["refused"] == 0 || count["refused"] > limit || count["refused"]+count["throttled"] != n {
		t.Fatalf("%d concurrent wrong logins: %v, want at most %d refused and the rest throttled", n, count, limit)
	}
	if hashed := loginFailures(t, db, tenant.ID); hashed != count["refused"] {
		t.Errorf("%d passwords were checked, want %d", hashed, count["refused"])
	}
	// One at a time, the rest of the allowance is tried, then no more.
	for i := count["refused"]; i < limit; i++ {
		if got := loginFrom(t, svc, "198.51.100.7", "admin", "wrong-password"); got != "refused" {
			t.Fatalf("attempt %d of %d after the burst: %s", i+1, limit, got)
		}
	}
	if got := loginFrom(t, svc, "198.51.100.7", "admin", "test-admin-password"); got != "throttled" {
		t.Errorf("past the limit: %s, want throttled", got)
	}
	if hashed := loginFailures(t, db, tenant.ID); hashed != limit {
		t.Errorf("%d passwords were checked in all, want %d (the limit)", hashed, limit)
	}
}

// Wrong passwords sent from other IPs do not keep the owner out: the
// count is per user and IP, with a per-user ceiling ten times higher.
// Past that ceiling, the operator's set-password is the way back in.
func TestLoginSprayFromOtherIPsDoesNotLockTheOwnerOut(t *testing.T) {
	svc, ctx, db, clock := newService(t)
	const owner = "192.0.2.10"
	limit := tokenmint.DefaultLoginFailuresPerMinute
	for i := range limit {
		if got := loginFrom(t, svc, "203.0.113.1", "admin", "wrong-password"); got != "refused" {
			t.Fatalf("guess %d: %s", i, got)
		}
	}
	if got := loginFrom(t, svc, "203.0.113.1", "ADMIN", "wrong-password"); got != "throttled" {
		t.Errorf("the guessing IP past its limit, name in other case: %s, want throttled", got)
	}
	if got := loginFrom(t, svc, owner, "admin", "test-admin-password"); got != "ok" {
		t.Fatalf("the owner from their own IP after another IP's guesses: %s, want ok", got)
	}
	// A success is given back: the owner signing in often is not counted.
	for range 2 * limit {
		if got := loginFrom(t, svc, owner, "admin", "test-admin-password"); got != "ok" {
			t.Fatalf("the owner signing in again: %s", got)
		}
	}
	// Guesses from many IPs reach the per-user ceiling.
	for ip := 2; ip <= 10; ip++ {
		for range limit {
			loginFrom(t, svc, "203.0.113."+strconv.Itoa(ip), "admin", "wrong-password")
		}
	}
	if got := loginFrom(t, svc, "203.0.113.11", "admin", "wrong-password"); got != "throttled" {
		t.Errorf("a guess past the per-user ceiling of %d: %s, want throttled", 10*limit, got)
	}
	if got := loginFrom(t, svc, owner, "admin", "test-admin-password"); got != "throttled" {
		t.Errorf("the owner past the per-user ceiling: %s, want throttled", got)
	}
	if _, err := svc.OperatorSetPassword(ctx, "", "admin", "operator-new-password"); err != nil {
		t.Fatalf("OperatorSetPassword: %v", err)
	}
	if got := loginFrom(t, svc, owner, "admin", "operator-new-password"); got != "ok" {
		t.Errorf("the owner after the operator set the password: %s, want ok", got)
	}
	if got := loginFrom(t, svc, "203.0.113.50", "admin", "wrong-password"); got != "refused" {
		t.Errorf("the operator cleared the user's counts; a guess from a new IP: %s, want refused", got)
	}
	if got := loginFrom(t, svc, "203.0.113.1", "admin", "operator-new-password"); got != "throttled" {
		t.Errorf("the guessing IP keeps its own count: %s, want throttled", got)
	}
	clock.Advance(61 * time.Second)
	if got := loginFrom(t, svc, "203.0.113.1", "admin", "operator-new-password"); got != "ok" {
		t.Errorf("after the window: %s", got)
	}
	_ = db
}
