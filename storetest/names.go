package storetest

import (
	"testing"

	"tokenmint"
)

// newAppToken returns an unsaved token of application appID named name.
func newAppToken(tenantID, id, appID, name string) *tokenmint.Token {
	tok := newToken(tenantID, id)
	tok.OwnerKind, tok.OwnerID, tok.Name, tok.Prefix = tokenmint.OwnerApplication, appID, name, "tma_"+id
	return tok
}

// Application names are unique in a tenant without regard to case, and
// found by name without regard to case. The names of an application's
// tokens that are not revoked are unique too, without regard to case;
// user tokens may share names.
func testNamesIgnoreCase(t *testing.T, newStore storeFunc) {
	t.Run("ApplicationNames", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		ctx := t.Context()
		a := mustApplication(t, s, newApplication(tenantA, "app-1", "forti-cwp"))
		assertCode(t, s.CreateApplication(ctx, newApplication(tenantA, "app-2", "FORTI-CWP")), tokenmint.ECONFLICT)
		mustApplication(t, s, newApplication(tenantB, "app-3", "FORTI-CWP"))
		other := mustApplication(t, s, newApplication(tenantA, "app-4", "fortinet"))
		other.Name = "Forti-Cwp"
		assertCode(t, s.UpdateApplication(ctx, other), tokenmint.ECONFLICT)
		assertApplication(t, must(t, s.ApplicationByName, tenantA, "FORTI-cwp"), a)
		a.Name = "FORTI-CWP"
		if err := s.UpdateApplication(ctx, a); err != nil {
			t.Fatalf("changing the case of its own name: %v", err)
		}
		assertApplication(t, must(t, s.ApplicationByName, tenantA, "forti-cwp"), a)
	})
	t.Run("ApplicationTokenNames", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		ctx := t.Context()
		mustApplication(t, s, newApplication(tenantA, "app-1", "ci"))
		mustApplication(t, s, newApplication(tenantA, "app-2", "cd"))
		first := mustToken(t, s, newAppToken(tenantA, tokID(1), "app-1", "nightly"))
		dup := newAppToken(tenantA, tokID(2), "app-1", "NIGHTLY")
		assertCode(t, s.CreateToken(ctx, dup, hashOf(secretOf(dup.ID))), tokenmint.ECONFLICT)
		if _, err := s.TokenByID(ctx, tenantA, dup.ID); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
			t.Errorf("the refused token was stored: %v", err)
		}
		mustToken(t, s, newAppToken(tenantA, tokID(3), "app-2", "nightly"))
		// Users' tokens may share names, with each other and with
		// applications' tokens.
		u1, u2 := newToken(tenantA, tokID(4)), newToken(tenantA, tokID(5))
		u1.Name, u2.Name = "nightly", "nightly"
		mustToken(t, s, u1)
		mustToken(t, s, u2)
		// A revoked token frees its name.
		first.StoredStatus, first.RevokedAt, first.UpdatedAt = tokenmint.StatusRevoked, ptr(at(day)), at(day)
		if err := s.UpdateToken(ctx, first); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		mustToken(t, s, newAppToken(tenantA, tokID(6), "app-1", "Nightly"))
	})
}

// Fixtures of migration 0007 (names ignore case): IDs in UUID form, as the
// server makes them, since renamed names end with part of the ID.
const (
	legacyApp1   = "00000000-0000-7000-8000-00000000a001"
	legacyApp2   = "00000000-0000-7000-8000-00000000a002"
	legacyTok1   = "00000000-0000-7000-8000-00000000b001"
	legacyTok2   = "00000000-0000-7000-8000-00000000b002"
	legacyTok3   = "00000000-0000-7000-8000-00000000b003"
	legacyTenant = tenantA
)

// SeedNamesDifferingInCase stores what a database migrated before 0007
// may hold: two applications named forti-cwp and FORTI-CWP, and under the
// first, tokens named nightly (revoked), Nightly and NIGHTLY. The backend's
// test calls it after undoing migration 0007 and then migrates again.
func SeedNamesDifferingInCase(t *testing.T, s tokenmint.Store) {
	t.Helper()
	mustTenants(t, s)
	mustApplication(t, s, newApplication(legacyTenant, legacyApp1, "forti-cwp"))
	mustApplication(t, s, newApplication(legacyTenant, legacyApp2, "FORTI-CWP"))
	revoked := newAppToken(legacyTenant, legacyTok1, legacyApp1, "nightly")
	revoked.StoredStatus, revoked.RevokedAt = tokenmint.StatusRevoked, ptr(t0)
	mustToken(t, s, revoked)
	mustToken(t, s, newAppToken(legacyTenant, legacyTok2, legacyApp1, "Nightly"))
	mustToken(t, s, newAppToken(legacyTenant, legacyTok3, legacyApp1, "NIGHTLY"))
}

// AssertNamesDifferingInCaseRenamed checks what migration 0007 made of
// SeedNamesDifferingInCase: the oldest of each set keeps its name, the
// others get their ID's last 12 characters appended (an application's
// name cut to fit 32 characters), a revoked token keeps its name, each
// rename is audited as the system's, and the new rule holds.
func AssertNamesDifferingInCaseRenamed(t *testing.T, s tokenmint.Store) {
	t.Helper()
	ctx := t.Context()
	for id, want := range map[string]string{legacyApp1: "forti-cwp", legacyApp2: "FORTI-CWP-00000000a002"} {
		a := must(t, s.ApplicationByID, legacyTenant, id)
		if a.Name != want {
			t.Errorf("application %s named %q, want %q", id, a.Name, want)
		}
		if err := tokenmint.ValidateApplicationName(a.Name); err != nil {
			t.Errorf("renamed application %q breaks the name rule: %v", a.Name, err)
		}
	}
	for id, want := range map[string]string{legacyTok1: "nightly", legacyTok2: "Nightly", legacyTok3: "NIGHTLY-00000000b003"} {
		if tok := mustTokenByID(t, s, legacyTenant, id); tok.Name != want {
			t.Errorf("token %s named %q, want %q", id, tok.Name, want)
		}
	}
	entries, err := s.ListAudit(ctx, tokenmint.AuditFilter{TenantID: legacyTenant, ActorKind: tokenmint.ActorSystem})
	if err != nil {
		t.Fatal(err)
	}
	renamed := map[string]bool{}
	for _, e := range entries {
		renamed[e.ObjectID] = true
	}
	if len(entries) != 2 || !renamed[legacyApp2] || !renamed[legacyTok3] {
		t.Errorf("audit of the renames = %+v, want one entry for %s and one for %s", entries, legacyApp2, legacyTok3)
	}
	assertCode(t, s.CreateApplication(ctx, newApplication(legacyTenant, "app-new", "Forti-Cwp")), tokenmint.ECONFLICT)
	dup := newAppToken(legacyTenant, tokID(9), legacyApp1, "nightly")
	assertCode(t, s.CreateToken(ctx, dup, hashOf(secretOf(dup.ID))), tokenmint.ECONFLICT)
}
