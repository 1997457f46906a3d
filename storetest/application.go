package storetest

import (
	"slices"
	"testing"
	"time"

	"tokenmint"
)

func newApplication(tenantID, id, name string) *tokenmint.Application {
	return &tokenmint.Application{
		ID: id, TenantID: tenantID, Name: name, Description: "the " + name + " integration",
		AccessTypes: []string{tokenmint.AccessReadOnly, "results:upload"}, Enabled: true,
		CreatedAt: t0, UpdatedAt: t0,
	}
}

func mustApplication(t *testing.T, s tokenmint.Store, a *tokenmint.Application) *tokenmint.Application {
	t.Helper()
	if err := s.CreateApplication(t.Context(), a); err != nil {
		t.Fatalf("CreateApplication(%s): %v", a.ID, err)
	}
	return a
}

func assertApplication(t *testing.T, got, want *tokenmint.Application) {
	t.Helper()
	if got.ID != want.ID || got.TenantID != want.TenantID || got.Name != want.Name ||
		got.Description != want.Description || got.Enabled != want.Enabled ||
		!slices.Equal(got.AccessTypes, want.AccessTypes) {
		t.Errorf("application = %+v, want %+v", got, want)
	}
	assertTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	assertTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func testApplications(t *testing.T, newStore storeFunc) {
	t.Run("CreateReadUpdate", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		a := mustApplication(t, s, newApplication(tenantA, "app-1", "ci"))
		assertApplication(t, must(t, s.ApplicationByID, tenantA, "app-1"), a)
		assertApplication(t, must(t, s.ApplicationByName, tenantA, "ci"), a)

		a.Name, a.Description, a.AccessTypes, a.Enabled, a.UpdatedAt = "ci2", "", []string{}, false, at(day)
		if err := s.UpdateApplication(t.Context(), a); err != nil {
			t.Fatalf("UpdateApplication: %v", err)
		}
		assertApplication(t, must(t, s.ApplicationByID, tenantA, "app-1"), a)
	})
	t.Run("NameUniquePerTenant", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustApplication(t, s, newApplication(tenantA, "app-1", "ci"))
		assertCode(t, s.CreateApplication(t.Context(), newApplication(tenantA, "app-2", "ci")), tokenmint.ECONFLICT)
		mustApplication(t, s, newApplication(tenantB, "app-3", "ci"))
		mustApplication(t, s, newApplication(tenantA, "app-4", "other"))
		b := newApplication(tenantA, "app-4", "ci")
		assertCode(t, s.UpdateApplication(t.Context(), b), tokenmint.ECONFLICT)
	})
	t.Run("TenantIsolation", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustApplication(t, s, newApplication(tenantA, "app-1", "ci"))
		ctx := t.Context()
		_, err := s.ApplicationByID(ctx, tenantB, "app-1")
		assertCode(t, err, tokenmint.ENOTFOUND)
		_, err = s.ApplicationByName(ctx, tenantB, "ci")
		assertCode(t, err, tokenmint.ENOTFOUND)
		assertCode(t, s.UpdateApplication(ctx, newApplication(tenantB, "app-1", "ci")), tokenmint.ENOTFOUND)
		assertCode(t, s.DeleteApplication(ctx, tenantB, "app-1"), tokenmint.ENOTFOUND)
		list, err := s.ListApplications(ctx, tenantB, tokenmint.Page{})
		if err != nil || len(list) != 0 {
			t.Errorf("ListApplications(B) = %v, %v; want none", list, err)
		}
	})
	t.Run("ListByID", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustApplication(t, s, newApplication(tenantA, "app-1", "zeta"))
		mustApplication(t, s, newApplication(tenantA, "app-2", "alpha"))
		list, err := s.ListApplications(t.Context(), tenantA, tokenmint.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "zeta" || list[1].Name != "alpha" {
			t.Errorf("ListApplications = %v, want zeta, alpha (by ID)", list)
		}
	})
	t.Run("DeleteRemovesCredentials", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustApplication(t, s, newApplication(tenantA, "app-1", "ci"))
		c := newCredential(tenantA, "app-1", "cred-1")
		if err := s.CreateClientCredential(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteApplication(t.Context(), tenantA, "app-1"); err != nil {
			t.Fatalf("DeleteApplication: %v", err)
		}
		_, err := s.ApplicationByID(t.Context(), tenantA, "app-1")
		assertCode(t, err, tokenmint.ENOTFOUND)
		_, err = s.ClientCredentialByClientID(t.Context(), c.ClientID)
		assertCode(t, err, tokenmint.ENOTFOUND)
	})
}

func newCredential(tenantID, appID, id string) *tokenmint.ClientCredential {
	return &tokenmint.ClientCredential{
		ID: id, TenantID: tenantID, ApplicationID: appID, ClientID: "client-" + id,
		SecretHash: hashOf("secret-" + id), Prefix: "tmc_abcd", CreatedAt: t0,
	}
}

func testClientCredentials(t *testing.T, newStore storeFunc) {
	t.Run("CreateFindRevoke", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		ctx := t.Context()
		mustApplication(t, s, newApplication(tenantA, "app-1", "ci"))
		c1, c2 := newCredential(tenantA, "app-1", "cred-1"), newCredential(tenantA, "app-1", "cred-2")
		c2.CreatedAt = at(1)
		for _, c := range []*tokenmint.ClientCredential{c2, c1} {
			if err := s.CreateClientCredential(ctx, c); err != nil {
				t.Fatalf("CreateClientCredential: %v", err)
			}
		}
		got, err := s.ClientCredentialByClientID(ctx, "client-cred-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "cred-1" || got.TenantID != tenantA || got.ApplicationID != "app-1" ||
			!slices.Equal(got.SecretHash, c1.SecretHash) || got.Prefix != c1.Prefix || got.RevokedAt != nil {
			t.Errorf("credential = %+v, want %+v", got, c1)
		}
		assertTime(t, "CreatedAt", got.CreatedAt, t0)

		list, err := s.ListClientCredentials(ctx, tenantA, "app-1", tokenmint.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != "cred-1" || list[1].ID != "cred-2" {
			t.Fatalf("ListClientCredentials = %v, want cred-1, cred-2", list)
		}
		for _, c := range list {
			if c.SecretHash != nil {
				t.Errorf("listed credential %s carries its hash", c.ID)
			}
		}

		if err := s.RevokeClientCredential(ctx, tenantA, "app-1", "cred-1", at(day)); err != nil {
			t.Fatalf("RevokeClientCredential: %v", err)
		}
		if err := s.RevokeClientCredential(ctx, tenantA, "app-1", "cred-1", at(2*day)); err != nil {
			t.Fatalf("RevokeClientCredential again: %v", err)
		}
		got, _ = s.ClientCredentialByClientID(ctx, "client-cred-1")
		assertTimePtr(t, "RevokedAt", got.RevokedAt, ptr(at(day)))
		other, _ := s.ClientCredentialByClientID(ctx, "client-cred-2")
		if other.RevokedAt != nil {
			t.Error("revoking one credential revoked another")
		}

		// Last use: recorded, never moved back, listed, one credential only.
		if other.LastUsedAt != nil {
			t.Errorf("a new credential has LastUsedAt %v", other.LastUsedAt)
		}
		for _, when := range []time.Time{at(3 * day), at(2 * day)} {
			if err := s.TouchClientCredential(ctx, "cred-2", when); err != nil {
				t.Fatalf("TouchClientCredential: %v", err)
			}
		}
		other, _ = s.ClientCredentialByClientID(ctx, "client-cred-2")
		assertTimePtr(t, "LastUsedAt", other.LastUsedAt, ptr(at(3*day)))
		list, _ = s.ListClientCredentials(ctx, tenantA, "app-1", tokenmint.Page{})
		assertTimePtr(t, "listed LastUsedAt", list[1].LastUsedAt, ptr(at(3*day)))
		if list[0].LastUsedAt != nil {
			t.Error("touching one credential touched another")
		}
	})
	t.Run("Errors", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		ctx := t.Context()
		mustApplication(t, s, newApplication(tenantA, "app-1", "ci"))
		if err := s.CreateClientCredential(ctx, newCredential(tenantA, "app-1", "cred-1")); err != nil {
			t.Fatal(err)
		}
		dup := newCredential(tenantA, "app-1", "cred-2")
		dup.ClientID = "client-cred-1"
		assertCode(t, s.CreateClientCredential(ctx, dup), tokenmint.ECONFLICT)
		assertCode(t, s.CreateClientCredential(ctx, newCredential(tenantB, "app-1", "cred-3")), tokenmint.ENOTFOUND)
		assertCode(t, s.CreateClientCredential(ctx, newCredential(tenantA, "nope", "cred-4")), tokenmint.ENOTFOUND)
		_, err := s.ClientCredentialByClientID(ctx, "unknown")
		assertCode(t, err, tokenmint.ENOTFOUND)
		assertCode(t, s.RevokeClientCredential(ctx, tenantB, "app-1", "cred-1", t0), tokenmint.ENOTFOUND)
		assertCode(t, s.RevokeClientCredential(ctx, tenantA, "app-1", "nope", t0), tokenmint.ENOTFOUND)
	})
}
