package storetest

import (
	"slices"
	"testing"

	"tokenmint"
)

func testProjects(t *testing.T, newStore storeFunc) {
	t.Run("CreateAndRead", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		want := mustProject(t, s, tenantA, "prj-0001", "webgoat")
		byID := must(t, s.ProjectByID, tenantA, want.ID)
		byName := must(t, s.ProjectByName, tenantA, want.Name)
		for _, got := range []*tokenmint.Project{byID, byName} {
			if got.ID != want.ID || got.TenantID != want.TenantID || got.Name != want.Name || got.Description != want.Description {
				t.Errorf("project = %+v, want %+v", *got, *want)
			}
			assertTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
		}
	})

	t.Run("NameUniquePerTenant", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustProject(t, s, tenantA, "prj-0001", "webgoat")
		tests := []struct {
			name    string
			project tokenmint.Project
		}{
			{"duplicate name", tokenmint.Project{ID: "prj-0002", TenantID: tenantA, Name: "webgoat", CreatedAt: t0}},
			{"duplicate id", tokenmint.Project{ID: "prj-0001", TenantID: tenantA, Name: "juiceshop", CreatedAt: t0}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				assertCode(t, s.CreateProject(t.Context(), &tt.project), tokenmint.ECONFLICT)
			})
		}
		// The same name in another tenant is another project.
		inB := mustProject(t, s, tenantB, "prj-0003", "webgoat")
		if got := must(t, s.ProjectByName, tenantB, "webgoat"); got.ID != inB.ID {
			t.Errorf("webgoat in tenant B = %s, want %s", got.ID, inB.ID)
		}
		if got := must(t, s.ProjectByName, tenantA, "webgoat"); got.ID != "prj-0001" {
			t.Errorf("webgoat in tenant A = %s, want prj-0001", got.ID)
		}
	})

	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		p := mustProject(t, s, tenantA, "prj-0001", "webgoat")
		mustProject(t, s, tenantA, "prj-0002", "juiceshop")
		p.Name, p.Description = "webgoat-8", "the 8.x line"
		if err := s.UpdateProject(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		if got := must(t, s.ProjectByName, tenantA, "webgoat-8"); got.ID != p.ID || got.Description != "the 8.x line" {
			t.Errorf("after update: %+v", *got)
		}
		if _, err := s.ProjectByName(t.Context(), tenantA, "webgoat"); tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
			t.Errorf("the old name still finds the project: %v", err)
		}
		taken := *p
		taken.Name = "juiceshop"
		assertCode(t, s.UpdateProject(t.Context(), &taken), tokenmint.ECONFLICT)
		assertCode(t, s.UpdateProject(t.Context(), &tokenmint.Project{ID: "prj-none", TenantID: tenantA, Name: "x"}), tokenmint.ENOTFOUND)
		otherTenant := *p
		otherTenant.TenantID, otherTenant.Name = tenantB, "hijack"
		assertCode(t, s.UpdateProject(t.Context(), &otherTenant), tokenmint.ENOTFOUND)
		if got := must(t, s.ProjectByID, tenantA, p.ID); got.Name != "webgoat-8" {
			t.Errorf("a refused update changed the project: %+v", *got)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		p := mustProject(t, s, tenantA, "prj-0001", "webgoat")
		tests := []struct {
			name string
			call func() error
		}{
			{"by id in other tenant", func() error { _, err := s.ProjectByID(t.Context(), tenantB, p.ID); return err }},
			{"by name in other tenant", func() error { _, err := s.ProjectByName(t.Context(), tenantB, p.Name); return err }},
			{"unknown id", func() error { _, err := s.ProjectByID(t.Context(), tenantA, "prj-missing"); return err }},
			{"unknown name", func() error { _, err := s.ProjectByName(t.Context(), tenantA, "missing"); return err }},
			{"delete in other tenant", func() error { return s.DeleteProject(t.Context(), tenantB, p.ID) }},
			{"delete unknown", func() error { return s.DeleteProject(t.Context(), tenantA, "prj-missing") }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { assertCode(t, tt.call(), tokenmint.ENOTFOUND) })
		}
		// The refused delete from tenant B left the project in place.
		must(t, s.ProjectByID, tenantA, p.ID)
	})

	t.Run("List", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustProject(t, s, tenantA, "prj-0002", "zeta")
		mustProject(t, s, tenantA, "prj-0001", "alpha")
		mustProject(t, s, tenantB, "prj-0003", "beta")
		tests := []struct {
			tenantID string
			want     []string
		}{
			{tenantA, []string{"prj-0001", "prj-0002"}},
			{tenantB, []string{"prj-0003"}},
			{"ten-empty", nil},
		}
		for _, tt := range tests {
			t.Run(tt.tenantID, func(t *testing.T) {
				projects, err := s.ListProjects(t.Context(), tokenmint.ProjectFilter{TenantID: tt.tenantID})
				if err != nil {
					t.Fatalf("ListProjects: %v", err)
				}
				var ids []string
				for _, p := range projects {
					ids = append(ids, p.ID)
				}
				if !slices.Equal(sorted(ids), tt.want) {
					t.Errorf("ListProjects(%s) = %v, want %v (any order)", tt.tenantID, ids, tt.want)
				}
			})
		}
	})

	t.Run("DeleteRemovesMemberships", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		gone := mustProject(t, s, tenantA, "prj-0001", "webgoat")
		kept := mustProject(t, s, tenantA, "prj-0002", "juiceshop")
		u := mustUser(t, s, tenantA, "usr-0001", "alice")
		for _, p := range []*tokenmint.Project{gone, kept} {
			m := &tokenmint.Membership{TenantID: tenantA, ProjectID: p.ID, UserID: u.ID, Role: tokenmint.RoleMember, CreatedAt: t0}
			if err := s.PutMembership(t.Context(), m); err != nil {
				t.Fatalf("PutMembership: %v", err)
			}
		}
		if err := s.DeleteProject(t.Context(), tenantA, gone.ID); err != nil {
			t.Fatalf("DeleteProject: %v", err)
		}
		_, err := s.ProjectByID(t.Context(), tenantA, gone.ID)
		assertCode(t, err, tokenmint.ENOTFOUND)

		ms, err := s.ListMemberships(t.Context(), tokenmint.MembershipFilter{TenantID: tenantA, UserID: u.ID})
		if err != nil {
			t.Fatalf("ListMemberships: %v", err)
		}
		if len(ms) != 1 || ms[0].ProjectID != kept.ID {
			t.Errorf("memberships of %s after deleting %s = %v, want only %s", u.ID, gone.ID, membershipKeys(ms), kept.ID)
		}
		ms, err = s.ListMemberships(t.Context(), tokenmint.MembershipFilter{TenantID: tenantA, ProjectID: gone.ID})
		if err != nil {
			t.Fatalf("ListMemberships: %v", err)
		}
		if len(ms) != 0 {
			t.Errorf("memberships of deleted project = %v, want none", membershipKeys(ms))
		}
		// A new project may take the deleted one's name.
		mustProject(t, s, tenantA, "prj-0003", gone.Name)
	})
}
