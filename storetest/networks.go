package storetest

import (
	"testing"

	"tokenmint"
)

// testNetworks: a token's allowed networks and an application's default
// are kept in canonical form, read back by every token read (by ID, by
// secret, in lists), changed by UpdateToken like its other fields, and
// empty means unbound.
func testNetworks(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	mustTenants(t, s)
	cidrs := mustCIDRs(t, "2001:db8::/32", "192.0.2.0/24", "10.0.0.0/8")
	bound := newToken(tenantA, tokID(1))
	bound.AllowedCIDRs = cidrs
	mustToken(t, s, bound)
	open := mustToken(t, s, newToken(tenantA, tokID(2)))

	want := "10.0.0.0/8,192.0.2.0/24,2001:db8::/32"
	if got := mustTokenByID(t, s, tenantA, bound.ID).AllowedCIDRs.String(); got != want {
		t.Fatalf("TokenByID allowed_cidrs = %q, want %q", got, want)
	}
	if got := mustTokenByID(t, s, tenantA, open.ID).AllowedCIDRs; got.Bound() {
		t.Fatalf("a token created without networks reads back bound to %v", got)
	}
	bySecret, _, err := s.TokenBySecret(ctx, hashOf(secretOf(bound.ID)))
	if err != nil || bySecret.AllowedCIDRs.String() != want {
		t.Fatalf("TokenBySecret allowed_cidrs = %v, %v; want %q", bySecret, err, want)
	}
	list, err := s.ListTokens(ctx, tokenmint.TokenFilter{TenantID: tenantA, Now: t0, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, tok := range list {
		switch tok.ID {
		case bound.ID:
			seen++
			if tok.AllowedCIDRs.String() != want {
				t.Errorf("ListTokens allowed_cidrs = %q, want %q", tok.AllowedCIDRs.String(), want)
			}
		case open.ID:
			seen++
			if tok.AllowedCIDRs.Bound() {
				t.Errorf("ListTokens shows the unbound token bound to %v", tok.AllowedCIDRs)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("ListTokens returned %d of the 2 tokens", seen)
	}

	// Narrowing, then unbinding, through UpdateToken.
	tok := mustTokenByID(t, s, tenantA, bound.ID)
	tok.AllowedCIDRs = mustCIDRs(t, "192.0.2.128/25")
	tok.UpdatedAt = at(day)
	if err := s.UpdateToken(ctx, tok); err != nil {
		t.Fatalf("UpdateToken: %v", err)
	}
	if got := mustTokenByID(t, s, tenantA, bound.ID).AllowedCIDRs.String(); got != "192.0.2.128/25" {
		t.Fatalf("after narrowing: %q", got)
	}
	tok = mustTokenByID(t, s, tenantA, bound.ID)
	stale := *tok
	tok.AllowedCIDRs = nil
	if err := s.UpdateToken(ctx, tok); err != nil {
		t.Fatalf("UpdateToken: %v", err)
	}
	if got := mustTokenByID(t, s, tenantA, bound.ID).AllowedCIDRs; got.Bound() {
		t.Fatalf("after unbinding: %v", got)
	}
	// A stale write of the list is refused like any other stale write.
	stale.AllowedCIDRs = cidrs
	assertCode(t, s.UpdateToken(ctx, &stale), tokenmint.ECONFLICT)

	// An application's default.
	app := newApplication(tenantA, "app-0001", "ci-runner")
	app.DefaultAllowedCIDRs = mustCIDRs(t, "198.51.100.7")
	mustApplication(t, s, app)
	got, err := s.ApplicationByID(ctx, tenantA, app.ID)
	if err != nil || got.DefaultAllowedCIDRs.String() != "198.51.100.7/32" {
		t.Fatalf("ApplicationByID default_allowed_cidrs = %v, %v", got, err)
	}
	got.DefaultAllowedCIDRs = mustCIDRs(t, "198.51.100.0/24", "2001:db8:1::/48")
	if err := s.UpdateApplication(ctx, got); err != nil {
		t.Fatal(err)
	}
	if again, err := s.ApplicationByName(ctx, tenantA, "ci-runner"); err != nil || again.DefaultAllowedCIDRs.String() != "198.51.100.0/24,2001:db8:1::/48" {
		t.Fatalf("after update: %v, %v", again, err)
	}
	other := mustApplication(t, s, newApplication(tenantA, "app-0002", "plain"))
	if again, err := s.ApplicationByID(ctx, tenantA, other.ID); err != nil || again.DefaultAllowedCIDRs.Bound() {
		t.Fatalf("an application without a default reads back %v, %v", again, err)
	}
}

// mustCIDRs parses a list of networks that must be valid.
func mustCIDRs(t *testing.T, entries ...string) tokenmint.CIDRList {
	t.Helper()
	l, err := tokenmint.ParseCIDRList(entries)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
