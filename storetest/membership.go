package storetest

import (
	"slices"
	"testing"
	"time"

	"tokenmint"
)

func testMemberships(t *testing.T, newStore storeFunc) {
	// setup creates two projects and two users in tenant A, a project and
	// user in tenant B, and four memberships.
	setup := func(t *testing.T) tokenmint.Store {
		s := newStore(t)
		mustTenants(t, s)
		mustProject(t, s, tenantA, "prj-0001", "webgoat")
		mustProject(t, s, tenantA, "prj-0002", "juiceshop")
		mustProject(t, s, tenantB, "prj-0003", "dvwa")
		mustUser(t, s, tenantA, "usr-0001", "alice")
		mustUser(t, s, tenantA, "usr-0002", "bob")
		mustUser(t, s, tenantB, "usr-0003", "carol")
		for _, m := range []tokenmint.Membership{
			{TenantID: tenantA, ProjectID: "prj-0001", UserID: "usr-0001", Role: tokenmint.RoleAdmin},
			{TenantID: tenantA, ProjectID: "prj-0001", UserID: "usr-0002", Role: tokenmint.RoleViewer},
			{TenantID: tenantA, ProjectID: "prj-0002", UserID: "usr-0001", Role: tokenmint.RoleMember},
			{TenantID: tenantB, ProjectID: "prj-0003", UserID: "usr-0003", Role: tokenmint.RoleMember},
		} {
			m.CreatedAt = t0
			if err := s.PutMembership(t.Context(), &m); err != nil {
				t.Fatalf("PutMembership(%s, %s): %v", m.ProjectID, m.UserID, err)
			}
		}
		return s
	}

	t.Run("List", func(t *testing.T) {
		s := setup(t)
		tests := []struct {
			name   string
			filter tokenmint.MembershipFilter
			want   []string // "project/user=role", sorted
		}{
			{"tenant", tokenmint.MembershipFilter{TenantID: tenantA},
				[]string{"prj-0001/usr-0001=admin", "prj-0001/usr-0002=viewer", "prj-0002/usr-0001=member"}},
			{"by project", tokenmint.MembershipFilter{TenantID: tenantA, ProjectID: "prj-0001"},
				[]string{"prj-0001/usr-0001=admin", "prj-0001/usr-0002=viewer"}},
			{"by user", tokenmint.MembershipFilter{TenantID: tenantA, UserID: "usr-0001"},
				[]string{"prj-0001/usr-0001=admin", "prj-0002/usr-0001=member"}},
			{"by project and user", tokenmint.MembershipFilter{TenantID: tenantA, ProjectID: "prj-0002", UserID: "usr-0001"},
				[]string{"prj-0002/usr-0001=member"}},
			{"other tenant's project", tokenmint.MembershipFilter{TenantID: tenantB, ProjectID: "prj-0001"}, nil},
			{"other tenant's user", tokenmint.MembershipFilter{TenantID: tenantA, UserID: "usr-0003"}, nil},
			{"tenant B", tokenmint.MembershipFilter{TenantID: tenantB}, []string{"prj-0003/usr-0003=member"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ms, err := s.ListMemberships(t.Context(), tt.filter)
				if err != nil {
					t.Fatalf("ListMemberships: %v", err)
				}
				if got := sorted(membershipKeys(ms)); !slices.Equal(got, tt.want) {
					t.Errorf("ListMemberships(%+v) = %v, want %v", tt.filter, got, tt.want)
				}
				for _, m := range ms {
					if m.TenantID != tt.filter.TenantID {
						t.Errorf("membership %s/%s has tenant %q, want %q", m.ProjectID, m.UserID, m.TenantID, tt.filter.TenantID)
					}
					assertTime(t, "CreatedAt", m.CreatedAt, t0)
				}
			})
		}
	})

	t.Run("PutReplaces", func(t *testing.T) {
		s := setup(t)
		m := &tokenmint.Membership{TenantID: tenantA, ProjectID: "prj-0001", UserID: "usr-0002", Role: tokenmint.RoleAdmin, CreatedAt: at(time.Hour)}
		if err := s.PutMembership(t.Context(), m); err != nil {
			t.Fatalf("PutMembership: %v", err)
		}
		ms, err := s.ListMemberships(t.Context(), tokenmint.MembershipFilter{TenantID: tenantA, ProjectID: "prj-0001"})
		if err != nil {
			t.Fatalf("ListMemberships: %v", err)
		}
		want := []string{"prj-0001/usr-0001=admin", "prj-0001/usr-0002=admin"}
		if got := sorted(membershipKeys(ms)); !slices.Equal(got, want) {
			t.Errorf("after replacing bob's role: %v, want %v (one membership per project and user)", got, want)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := setup(t)
		if err := s.DeleteMembership(t.Context(), tenantA, "prj-0001", "usr-0001"); err != nil {
			t.Fatalf("DeleteMembership: %v", err)
		}
		ms, err := s.ListMemberships(t.Context(), tokenmint.MembershipFilter{TenantID: tenantA})
		if err != nil {
			t.Fatalf("ListMemberships: %v", err)
		}
		want := []string{"prj-0001/usr-0002=viewer", "prj-0002/usr-0001=member"}
		if got := sorted(membershipKeys(ms)); !slices.Equal(got, want) {
			t.Errorf("after delete: %v, want %v", got, want)
		}

		tests := []struct {
			name                        string
			tenantID, projectID, userID string
		}{
			{"already deleted", tenantA, "prj-0001", "usr-0001"},
			{"never existed", tenantA, "prj-0002", "usr-0002"},
			{"other tenant", tenantA, "prj-0003", "usr-0003"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				assertCode(t, s.DeleteMembership(t.Context(), tt.tenantID, tt.projectID, tt.userID), tokenmint.ENOTFOUND)
			})
		}
		// Tenant B's membership survived the refused delete.
		ms, err = s.ListMemberships(t.Context(), tokenmint.MembershipFilter{TenantID: tenantB})
		if err != nil || len(ms) != 1 {
			t.Errorf("tenant B memberships = %v, %v; want one", membershipKeys(ms), err)
		}
	})

	// A membership must join a project and a user of its own tenant; anything
	// else is ENOTFOUND, so no role can reach across tenants.
	t.Run("PutUnknown", func(t *testing.T) {
		s := setup(t)
		tests := []struct {
			name string
			m    tokenmint.Membership
		}{
			{"unknown project", tokenmint.Membership{TenantID: tenantA, ProjectID: "prj-missing", UserID: "usr-0001"}},
			{"unknown user", tokenmint.Membership{TenantID: tenantA, ProjectID: "prj-0001", UserID: "usr-missing"}},
			{"project of other tenant", tokenmint.Membership{TenantID: tenantA, ProjectID: "prj-0003", UserID: "usr-0001"}},
			{"user of other tenant", tokenmint.Membership{TenantID: tenantA, ProjectID: "prj-0001", UserID: "usr-0003"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.m.Role, tt.m.CreatedAt = tokenmint.RoleMember, t0
				assertCode(t, s.PutMembership(t.Context(), &tt.m), tokenmint.ENOTFOUND)
			})
		}
	})
}

// membershipKeys renders memberships as "project/user=role".
func membershipKeys(ms []*tokenmint.Membership) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ProjectID+"/"+m.UserID+"="+m.Role)
	}
	return out
}
