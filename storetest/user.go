package storetest

import (
	"slices"
	"testing"
	"time"

	"tokenmint"
)

func testUsers(t *testing.T, newStore storeFunc) {
	t.Run("CreateAndRead", func(t *testing.T) {
		// Roles come back as the same slice, in order; no roles at all
		// comes back empty.
		tests := []struct {
			name  string
			roles []string
		}{
			{"no roles", nil},
			{"one role", []string{tokenmint.RoleAdmin}},
			{"several roles in order", []string{tokenmint.RoleViewer, tokenmint.RoleMember}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := newStore(t)
				mustTenants(t, s)
				want := newUser(tenantA, "usr-0001", "alice")
				want.Roles = tt.roles
				want.Enabled = false
				want.UpdatedAt = at(time.Minute)
				if err := s.CreateUser(t.Context(), want); err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				byID, err := s.UserByID(t.Context(), tenantA, want.ID)
				if err != nil {
					t.Fatalf("UserByID: %v", err)
				}
				assertUser(t, byID, want)
				byName, err := s.UserByUsername(t.Context(), tenantA, want.Username)
				if err != nil {
					t.Fatalf("UserByUsername: %v", err)
				}
				assertUser(t, byName, want)
			})
		}
	})

	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		orig := mustUser(t, s, tenantA, "usr-0001", "alice")
		other := mustUser(t, s, tenantA, "usr-0002", "bob")

		// UpdateUser saves email, password hash, roles, enabled and
		// updated_at; username and created_at stay as created.
		upd := *orig
		upd.Email = "alice@corp.example"
		upd.PasswordHash = "$argon2id$new"
		upd.Roles = []string{tokenmint.RoleAdmin, tokenmint.RoleViewer}
		upd.Enabled = false
		upd.UpdatedAt = at(time.Hour)
		upd.Username = "mallory"
		upd.CreatedAt = at(2 * time.Hour)
		if err := s.UpdateUser(t.Context(), &upd); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		want := upd
		want.Username, want.CreatedAt = orig.Username, orig.CreatedAt
		assertUser(t, must(t, s.UserByID, tenantA, orig.ID), &want)

		// Clearing roles and enabling again round-trips too.
		upd.Roles, upd.Enabled, upd.UpdatedAt = nil, true, at(3*time.Hour)
		if err := s.UpdateUser(t.Context(), &upd); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		want.Roles, want.Enabled, want.UpdatedAt = nil, true, at(3*time.Hour)
		assertUser(t, must(t, s.UserByID, tenantA, orig.ID), &want)

		// The other user is untouched.
		assertUser(t, must(t, s.UserByID, tenantA, other.ID), other)
	})

	t.Run("UpdateNotFound", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		u := mustUser(t, s, tenantA, "usr-0001", "alice")
		tests := []struct {
			name     string
			tenantID string
			id       string
		}{
			{"unknown id", tenantA, "usr-missing"},
			{"other tenant", tenantB, u.ID},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				upd := *u
				upd.TenantID, upd.ID, upd.Email = tt.tenantID, tt.id, "changed@example.com"
				assertCode(t, s.UpdateUser(t.Context(), &upd), tokenmint.ENOTFOUND)
			})
		}
		// The refused updates changed nothing.
		assertUser(t, must(t, s.UserByID, tenantA, u.ID), u)
	})

	t.Run("TenantIsolation", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		u := mustUser(t, s, tenantA, "usr-0001", "alice")
		tests := []struct {
			name string
			call func() error
		}{
			{"by id in other tenant", func() error { _, err := s.UserByID(t.Context(), tenantB, u.ID); return err }},
			{"by username in other tenant", func() error { _, err := s.UserByUsername(t.Context(), tenantB, u.Username); return err }},
			{"unknown id", func() error { _, err := s.UserByID(t.Context(), tenantA, "usr-missing"); return err }},
			{"unknown username", func() error { _, err := s.UserByUsername(t.Context(), tenantA, "nobody"); return err }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { assertCode(t, tt.call(), tokenmint.ENOTFOUND) })
		}
	})

	t.Run("UsernameUniquePerTenant", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustUser(t, s, tenantA, "usr-0001", "alice")
		assertCode(t, s.CreateUser(t.Context(), newUser(tenantA, "usr-0002", "alice")), tokenmint.ECONFLICT)
		assertCode(t, s.CreateUser(t.Context(), newUser(tenantA, "usr-0001", "alice2")), tokenmint.ECONFLICT)

		// The same username in another tenant is another person.
		inB := mustUser(t, s, tenantB, "usr-0003", "alice")
		got, err := s.UserByUsername(t.Context(), tenantB, "alice")
		if err != nil {
			t.Fatalf("UserByUsername(B): %v", err)
		}
		assertUser(t, got, inB)
		got, err = s.UserByUsername(t.Context(), tenantA, "alice")
		if err != nil {
			t.Fatalf("UserByUsername(A): %v", err)
		}
		if got.ID != "usr-0001" {
			t.Errorf("alice in tenant A = %s, want usr-0001", got.ID)
		}
	})

	t.Run("List", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustUser(t, s, tenantA, "usr-0002", "carol")
		mustUser(t, s, tenantA, "usr-0001", "alice")
		mustUser(t, s, tenantB, "usr-0003", "bob")

		tests := []struct {
			tenantID string
			want     []string
		}{
			{tenantA, []string{"usr-0001", "usr-0002"}},
			{tenantB, []string{"usr-0003"}},
			{"ten-empty", nil},
		}
		for _, tt := range tests {
			t.Run(tt.tenantID, func(t *testing.T) {
				users, err := s.ListUsers(t.Context(), tt.tenantID, tokenmint.Page{})
				if err != nil {
					t.Fatalf("ListUsers: %v", err)
				}
				var ids []string
				for _, u := range users {
					if u.TenantID != tt.tenantID {
						t.Errorf("ListUsers(%s) returned user %s of tenant %s", tt.tenantID, u.ID, u.TenantID)
					}
					ids = append(ids, u.ID)
				}
				if !slices.Equal(sorted(ids), tt.want) {
					t.Errorf("ListUsers(%s) = %v, want %v (any order)", tt.tenantID, ids, tt.want)
				}
			})
		}
	})
}
