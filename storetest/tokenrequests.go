package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
)

// newTokenRequest returns an unsaved pending request fixture of requester.
func newTokenRequest(tenantID, id, requesterID string) *tokenmint.TokenRequest {
	days := 30
	return &tokenmint.TokenRequest{
		ID: id, TenantID: tenantID, RequesterID: requesterID, Type: "DeployToken", Name: "deploy " + id,
		Description: "ships releases", ProjectID: "", Expiry: tokenmint.ExpiryRequest{DaysToLive: &days},
		Justification: "release pipeline\nneeds it", Status: tokenmint.RequestPending,
		CreatedAt: t0, UpdatedAt: t0, ExpiresAt: at(7 * day),
	}
}

func mustTokenRequest(t *testing.T, s tokenmint.Store, r *tokenmint.TokenRequest) {
	t.Helper()
	if err := s.CreateTokenRequest(t.Context(), r); err != nil {
		t.Fatalf("CreateTokenRequest(%s): %v", r.ID, err)
	}
}

func assertTokenRequest(t *testing.T, got, want *tokenmint.TokenRequest) {
	t.Helper()
	if got.ID != want.ID || got.TenantID != want.TenantID || got.RequesterID != want.RequesterID ||
		got.Type != want.Type || got.Name != want.Name || got.Description != want.Description ||
		got.ProjectID != want.ProjectID || got.Justification != want.Justification || got.Status != want.Status ||
		got.DecidedBy != want.DecidedBy || got.Reason != want.Reason || got.TokenID != want.TokenID ||
		got.Expiry.NoExpiry != want.Expiry.NoExpiry {
		t.Errorf("token request = %+v, want %+v", *got, *want)
	}
	if (got.Expiry.DaysToLive == nil) != (want.Expiry.DaysToLive == nil) ||
		got.Expiry.DaysToLive != nil && *got.Expiry.DaysToLive != *want.Expiry.DaysToLive {
		t.Errorf("token request DaysToLive = %v, want %v", got.Expiry.DaysToLive, want.Expiry.DaysToLive)
	}
	if got.AllowedCIDRs.String() != want.AllowedCIDRs.String() || got.RateLimit != want.RateLimit {
		t.Errorf("token request networks %q, rate limit %v; want %q, %v",
			got.AllowedCIDRs.String(), got.RateLimit, want.AllowedCIDRs.String(), want.RateLimit)
	}
	assertTimePtr(t, "request Expiry.ExpiresAt", got.Expiry.ExpiresAt, want.Expiry.ExpiresAt)
	assertTimePtr(t, "request Expiry.ExpiresOn", got.Expiry.ExpiresOn, want.Expiry.ExpiresOn)
	assertTimePtr(t, "request DecidedAt", got.DecidedAt, want.DecidedAt)
	assertTime(t, "request CreatedAt", got.CreatedAt, want.CreatedAt)
	assertTime(t, "request UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	assertTime(t, "request ExpiresAt", got.ExpiresAt, want.ExpiresAt)
}

func testTokenRequests(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	mustTenants(t, s)
	mustUser(t, s, tenantA, "usr-a1", "alice")
	mustUser(t, s, tenantA, "usr-a2", "carol")
	mustUser(t, s, tenantB, "usr-b1", "bob")

	r1 := newTokenRequest(tenantA, "req-0001", "usr-a1")
	r2 := newTokenRequest(tenantA, "req-0002", "usr-a2")
	r2.Expiry = tokenmint.ExpiryRequest{ExpiresAt: ptr(at(40 * day))}
	r2.ProjectID = "prj-1"
	// The token's networks and own rate limit round-trip (r1 has neither).
	cidrs, err := tokenmint.ParseCIDRList([]string{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	r2.AllowedCIDRs = cidrs
	r2.RateLimit = tokenmint.RateLimit{Requests: 30, PerSeconds: 60}
	r3 := newTokenRequest(tenantA, "req-0003", "usr-a1")
	r3.Expiry = tokenmint.ExpiryRequest{ExpiresOn: ptr(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))}
	r4 := newTokenRequest(tenantB, "req-0004", "usr-b1")
	r4.Expiry = tokenmint.ExpiryRequest{NoExpiry: true}
	for _, r := range []*tokenmint.TokenRequest{r1, r2, r3, r4} {
		mustTokenRequest(t, s, r)
	}
	assertCode(t, s.CreateTokenRequest(ctx, newTokenRequest(tenantA, "req-0001", "usr-a1")), tokenmint.ECONFLICT)
	// A requester must be a user of the request's tenant.
	assertCode(t, s.CreateTokenRequest(ctx, newTokenRequest(tenantA, "req-0009", "usr-b1")), tokenmint.ENOTFOUND)

	for _, r := range []*tokenmint.TokenRequest{r1, r2, r3, r4} {
		assertTokenRequest(t, must(t, s.TokenRequestByID, r.TenantID, r.ID), r)
	}
	_, err = s.TokenRequestByID(ctx, tenantB, r1.ID)
	assertCode(t, err, tokenmint.ENOTFOUND)

	ids := func(f tokenmint.TokenRequestFilter) []string {
		t.Helper()
		list, err := s.ListTokenRequests(ctx, f)
		if err != nil {
			t.Fatalf("ListTokenRequests(%+v): %v", f, err)
		}
		out := []string{}
		for _, r := range list {
			out = append(out, r.ID)
		}
		return out
	}
	assertIDs(t, "tenant A", ids(tokenmint.TokenRequestFilter{TenantID: tenantA}), "req-0003", "req-0002", "req-0001")
	assertIDs(t, "alice's", ids(tokenmint.TokenRequestFilter{TenantID: tenantA, RequesterID: "usr-a1"}), "req-0003", "req-0001")
	assertIDs(t, "page", ids(tokenmint.TokenRequestFilter{TenantID: tenantA, Before: "req-0003", Limit: 1}), "req-0002")
	assertIDs(t, "expiring", ids(tokenmint.TokenRequestFilter{TenantID: tenantA, Status: tokenmint.RequestPending, ExpiresBy: ptr(at(7 * day))}), "req-0003", "req-0002", "req-0001")
	assertIDs(t, "not yet expiring", ids(tokenmint.TokenRequestFilter{TenantID: tenantA, ExpiresBy: ptr(at(7*day - time.Microsecond))}))

	// Approve r1: a decision from pending, while the request is open.
	collectBy := at(8 * day)
	ok, err := s.TransitionTokenRequest(ctx, tokenmint.RequestTransition{
		TenantID: tenantA, ID: r1.ID, From: tokenmint.RequestPending, To: tokenmint.RequestApproved,
		At: at(day), DecidedBy: "usr-a2", ExpiresAt: &collectBy,
	})
	if err != nil || !ok {
		t.Fatalf("approve = %v, %v; want true", ok, err)
	}
	r1.Status, r1.DecidedBy, r1.DecidedAt, r1.UpdatedAt, r1.ExpiresAt = tokenmint.RequestApproved, "usr-a2", ptr(at(day)), at(day), collectBy
	assertTokenRequest(t, must(t, s.TokenRequestByID, tenantA, r1.ID), r1)
	assertIDs(t, "approved", ids(tokenmint.TokenRequestFilter{TenantID: tenantA, Status: tokenmint.RequestApproved}), "req-0001")

	// A second decision from pending changes nothing.
	ok, err = s.TransitionTokenRequest(ctx, tokenmint.RequestTransition{
		TenantID: tenantA, ID: r1.ID, From: tokenmint.RequestPending, To: tokenmint.RequestDenied,
		At: at(day), DecidedBy: "usr-a2", Reason: "too late",
	})
	if err != nil || ok {
		t.Fatalf("second decision = %v, %v; want false, nil", ok, err)
	}
	// Issue it: the token ID is recorded, the decision kept.
	ok, err = s.TransitionTokenRequest(ctx, tokenmint.RequestTransition{
		TenantID: tenantA, ID: r1.ID, From: tokenmint.RequestApproved, To: tokenmint.RequestIssued, At: at(2 * day), TokenID: "tok-9",
	})
	if err != nil || !ok {
		t.Fatalf("issue = %v, %v; want true", ok, err)
	}
	r1.Status, r1.TokenID, r1.UpdatedAt = tokenmint.RequestIssued, "tok-9", at(2*day)
	assertTokenRequest(t, must(t, s.TokenRequestByID, tenantA, r1.ID), r1)
	// Taking a claim back applies only while the request names that token.
	ok, err = s.TransitionTokenRequest(ctx, tokenmint.RequestTransition{
		TenantID: tenantA, ID: r1.ID, From: tokenmint.RequestIssued, To: tokenmint.RequestApproved, At: at(2 * day), WithTokenID: "tok-8",
	})
	if err != nil || ok {
		t.Fatalf("take back naming another token = %v, %v; want false, nil", ok, err)
	}
	assertTokenRequest(t, must(t, s.TokenRequestByID, tenantA, r1.ID), r1)

	// A request whose time ran out takes no decision, only the expiry.
	ok, err = s.TransitionTokenRequest(ctx, tokenmint.RequestTransition{
		TenantID: tenantA, ID: r2.ID, From: tokenmint.RequestPending, To: tokenmint.RequestApproved, At: at(7 * day), DecidedBy: "usr-a1",
	})
	if err != nil || ok {
		t.Fatalf("approval at the expiry = %v, %v; want false, nil", ok, err)
	}
	ok, err = s.TransitionTokenRequest(ctx, tokenmint.RequestTransition{
		TenantID: tenantA, ID: r3.ID, From: tokenmint.RequestPending, To: tokenmint.RequestExpired, At: at(6 * day), Reason: "not decided within 7 days", Lapsed: true,
	})
	if err != nil || ok {
		t.Fatalf("expiry before the time = %v, %v; want false, nil", ok, err)
	}
	ok, err = s.TransitionTokenRequest(ctx, tokenmint.RequestTransition{
		TenantID: tenantA, ID: r2.ID, From: tokenmint.RequestPending, To: tokenmint.RequestExpired, At: at(7 * day), Reason: "not decided within 7 days", Lapsed: true,
	})
	if err != nil || !ok {
		t.Fatalf("expiry = %v, %v; want true", ok, err)
	}
	r2.Status, r2.Reason, r2.UpdatedAt = tokenmint.RequestExpired, "not decided within 7 days", at(7*day)
	assertTokenRequest(t, must(t, s.TokenRequestByID, tenantA, r2.ID), r2)

	// Another tenant's request, or none, is not found.
	_, err = s.TransitionTokenRequest(ctx, tokenmint.RequestTransition{TenantID: tenantB, ID: r3.ID, From: tokenmint.RequestPending, To: tokenmint.RequestCancelled, At: at(day)})
	assertCode(t, err, tokenmint.ENOTFOUND)
	_, err = s.TransitionTokenRequest(ctx, tokenmint.RequestTransition{TenantID: tenantA, ID: "req-none", From: tokenmint.RequestPending, To: tokenmint.RequestCancelled, At: at(day)})
	assertCode(t, err, tokenmint.ENOTFOUND)
	assertTokenRequest(t, must(t, s.TokenRequestByID, tenantA, r3.ID), r3)
}

func assertIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: IDs = %v, want %v", what, got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: IDs = %v, want %v", what, got, want)
			return
		}
	}
}

// Eight administrators deciding one request at once: exactly one decision
// wins. Eight collections of one approved request at once: exactly one
// issues it.
func testConcurrentTokenRequests(t *testing.T, newStore storeFunc) {
	const n = 8
	s := newStore(t)
	mustTenants(t, s)
	mustUser(t, s, tenantA, "usr-a1", "alice")
	r := newTokenRequest(tenantA, "req-0001", "usr-a1")
	mustTokenRequest(t, s, r)

	var won atomic.Int64
	var winner atomic.Value
	race(n, func(i int) {
		to := tokenmint.RequestApproved
		if i%2 == 1 {
			to = tokenmint.RequestDenied
		}
		ok, err := s.TransitionTokenRequest(t.Context(), tokenmint.RequestTransition{
			TenantID: tenantA, ID: r.ID, From: tokenmint.RequestPending, To: to, At: at(day), DecidedBy: "usr-admin",
		})
		if err != nil {
			t.Errorf("decision %d: %v", i, err)
			return
		}
		if ok {
			won.Add(1)
			winner.Store(to)
		}
	})
	if got := won.Load(); got != 1 {
		t.Fatalf("%d concurrent decisions: %d won, want exactly 1", n, got)
	}
	got := must(t, s.TokenRequestByID, tenantA, r.ID)
	if got.Status != winner.Load() {
		t.Fatalf("status = %s, want the winner's %s", got.Status, winner.Load())
	}
	if got.Status != tokenmint.RequestApproved {
		// Make it approved for the collection race.
		r2 := newTokenRequest(tenantA, "req-0002", "usr-a1")
		r2.Status = tokenmint.RequestApproved
		mustTokenRequest(t, s, r2)
		r = r2
	}

	won.Store(0)
	var tokenID atomic.Value
	race(n, func(i int) {
		id := "tok-" + string(rune('a'+i))
		ok, err := s.TransitionTokenRequest(t.Context(), tokenmint.RequestTransition{
			TenantID: tenantA, ID: r.ID, From: tokenmint.RequestApproved, To: tokenmint.RequestIssued, At: at(2 * day), TokenID: id,
		})
		if err != nil {
			t.Errorf("collection %d: %v", i, err)
			return
		}
		if ok {
			won.Add(1)
			tokenID.Store(id)
		}
	})
	if got := won.Load(); got != 1 {
		t.Fatalf("%d concurrent collections: %d issued, want exactly 1", n, got)
	}
	if got := must(t, s.TokenRequestByID, tenantA, r.ID); got.Status != tokenmint.RequestIssued || got.TokenID != tokenID.Load() {
		t.Fatalf("request = %s with token %q, want issued with the winner's %q", got.Status, got.TokenID, tokenID.Load())
	}
}
