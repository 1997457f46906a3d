package storetest

import (
	"testing"

	"tokenmint"
)

func testTenants(t *testing.T, newStore storeFunc) {
	t.Run("CreateAndRead", func(t *testing.T) {
		s := newStore(t)
		want := &tokenmint.Tenant{ID: "ten-0001", Name: "default", CreatedAt: t0}
		if err := s.CreateTenant(t.Context(), want); err != nil {
			t.Fatalf("CreateTenant: %v", err)
		}
		byID, err := s.TenantByID(t.Context(), want.ID)
		if err != nil {
			t.Fatalf("TenantByID: %v", err)
		}
		byName, err := s.TenantByName(t.Context(), want.Name)
		if err != nil {
			t.Fatalf("TenantByName: %v", err)
		}
		for _, got := range []*tokenmint.Tenant{byID, byName} {
			if got.ID != want.ID || got.Name != want.Name {
				t.Errorf("tenant = %+v, want %+v", *got, *want)
			}
			assertTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
		}
	})

	t.Run("Conflicts", func(t *testing.T) {
		tests := []struct {
			name   string
			tenant tokenmint.Tenant
		}{
			{"duplicate name", tokenmint.Tenant{ID: "ten-0002", Name: "acme", CreatedAt: t0}},
			{"duplicate id", tokenmint.Tenant{ID: "ten-0001", Name: "globex", CreatedAt: t0}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := newStore(t)
				if err := s.CreateTenant(t.Context(), &tokenmint.Tenant{ID: "ten-0001", Name: "acme", CreatedAt: t0}); err != nil {
					t.Fatalf("CreateTenant: %v", err)
				}
				assertCode(t, s.CreateTenant(t.Context(), &tt.tenant), tokenmint.ECONFLICT)
				// The first tenant is untouched by the refused one.
				got, err := s.TenantByID(t.Context(), "ten-0001")
				if err != nil || got.Name != "acme" {
					t.Errorf("TenantByID after conflict = %+v, %v; want acme", got, err)
				}
			})
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		tests := []struct {
			name string
			call func() error
		}{
			{"by id", func() error { _, err := s.TenantByID(t.Context(), "ten-missing"); return err }},
			{"by name", func() error { _, err := s.TenantByName(t.Context(), "missing"); return err }},
			{"by name is not by id", func() error { _, err := s.TenantByName(t.Context(), tenantA); return err }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { assertCode(t, tt.call(), tokenmint.ENOTFOUND) })
		}
	})
}
