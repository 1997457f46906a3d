package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"tokenmint"
)

// checkPaging reads a list whole (Page{}) and page by page with several
// limits, the cursor being the key of the last row of the previous page,
// and compares the keys with want, which is in the list's order: pages
// must never overlap, skip a row or exceed their limit.
func checkPaging[T any](t *testing.T, name string, want []string, list func(tokenmint.Page) ([]T, error), key func(T) string) {
	t.Helper()
	keys := func(items []T) []string {
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = key(it)
		}
		return out
	}
	all, err := list(tokenmint.Page{})
	if err != nil {
		t.Fatalf("%s whole: %v", name, err)
	}
	if got := keys(all); !slices.Equal(got, want) {
		t.Fatalf("%s whole = %v, want %v", name, got, want)
	}
	for _, limit := range []int{1, 2, 3, len(want), len(want) + 1} {
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > len(want)+1 {
				t.Fatalf("%s limit %d: more pages than rows (%v)", name, limit, got)
			}
			page, err := list(tokenmint.Page{After: after, Limit: limit})
			if err != nil {
				t.Fatalf("%s limit %d after %q: %v", name, limit, after, err)
			}
			if len(page) > limit {
				t.Fatalf("%s limit %d after %q: %d rows", name, limit, after, len(page))
			}
			got = append(got, keys(page)...)
			if len(page) < limit {
				break
			}
			after = key(page[len(page)-1])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s by pages of %d = %v, want %v", name, limit, got, want)
		}
	}
	if len(want) > 0 {
		rest, err := list(tokenmint.Page{After: want[len(want)-1], Limit: 10})
		if err != nil || len(rest) != 0 {
			t.Errorf("%s after the last row = %v, %v; want none", name, keys(rest), err)
		}
	}
}

// seqIDs returns prefix-01 … prefix-n, in ID order.
func seqIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", prefix, i+1)
	}
	return out
}

// reversed returns a copy of s in reverse order: the fixtures are created
// in the opposite of ID order, so a list that sorts by insertion (or by
// name) instead of by ID fails.
func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// testPaging checks every list paged by key (users, projects, project
// members, applications, client credentials, webhooks, a token's usage):
// ordered by ID (usage by IP text), After excludes, Limit caps, 0 means
// every row, and another tenant's rows never show.
func testPaging(t *testing.T, newStore storeFunc) {
	t.Run("Users", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		want := seqIDs("usr", 5)
		for i, id := range reversed(want) {
			mustUser(t, s, tenantA, id, fmt.Sprintf("a%d", i)) // names in the opposite order
		}
		mustUser(t, s, tenantB, "usr-00", "other")
		checkPaging(t, "ListUsers", want, func(pg tokenmint.Page) ([]*tokenmint.User, error) {
			return s.ListUsers(t.Context(), tenantA, pg)
		}, func(u *tokenmint.User) string { return u.ID })
	})
	t.Run("Projects", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		want := seqIDs("prj", 6)
		for i, id := range reversed(want) {
			mustProject(t, s, tenantA, id, fmt.Sprintf("p%d", i))
		}
		mustProject(t, s, tenantB, "prj-00", "other")
		checkPaging(t, "ListProjects", want, func(pg tokenmint.Page) ([]*tokenmint.Project, error) {
			return s.ListProjects(t.Context(), tokenmint.ProjectFilter{TenantID: tenantA, Page: pg})
		}, func(p *tokenmint.Project) string { return p.ID })
		// The visible set of a project-only member: pages are full pages
		// of visible projects, never a page thinned by a filter after
		// the limit. prj-00 is tenant B's and never shows.
		visible := []string{"prj-05", "prj-02", "prj-00", "prj-06", "no-such"}
		checkPaging(t, "ListProjects(IDs)", []string{"prj-02", "prj-05", "prj-06"}, func(pg tokenmint.Page) ([]*tokenmint.Project, error) {
			return s.ListProjects(t.Context(), tokenmint.ProjectFilter{TenantID: tenantA, IDs: visible, Page: pg})
		}, func(p *tokenmint.Project) string { return p.ID })
		none, err := s.ListProjects(t.Context(), tokenmint.ProjectFilter{TenantID: tenantA, IDs: []string{}})
		if err != nil || len(none) != 0 {
			t.Errorf("ListProjects with an empty ID list = %v, %v; want none", none, err)
		}
	})
	t.Run("Members", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustProject(t, s, tenantA, "prj-01", "one")
		mustProject(t, s, tenantA, "prj-02", "two")
		want := seqIDs("usr", 5)
		for i, id := range reversed(want) {
			mustUser(t, s, tenantA, id, fmt.Sprintf("a%d", i))
			for _, prj := range []string{"prj-01", "prj-02"} {
				m := &tokenmint.Membership{TenantID: tenantA, ProjectID: prj, UserID: id, Role: tokenmint.RoleMember, CreatedAt: t0}
				if err := s.PutMembership(t.Context(), m); err != nil {
					t.Fatal(err)
				}
			}
		}
		checkPaging(t, "ListMemberships", want, func(pg tokenmint.Page) ([]*tokenmint.Membership, error) {
			return s.ListMemberships(t.Context(), tokenmint.MembershipFilter{TenantID: tenantA, ProjectID: "prj-02", AfterUserID: pg.After, Limit: pg.Limit})
		}, func(m *tokenmint.Membership) string { return m.UserID })
	})
	t.Run("Applications", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		want := seqIDs("app", 5)
		for i, id := range reversed(want) {
			mustApplication(t, s, newApplication(tenantA, id, fmt.Sprintf("a%d", i)))
		}
		mustApplication(t, s, newApplication(tenantB, "app-00", "other"))
		checkPaging(t, "ListApplications", want, func(pg tokenmint.Page) ([]*tokenmint.Application, error) {
			return s.ListApplications(t.Context(), tenantA, pg)
		}, func(a *tokenmint.Application) string { return a.ID })
	})
	t.Run("ClientCredentials", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		mustApplication(t, s, newApplication(tenantA, "app-1", "one"))
		mustApplication(t, s, newApplication(tenantA, "app-2", "two"))
		want := seqIDs("crd", 5)
		for i, id := range reversed(want) {
			c := newCredential(tenantA, "app-1", id)
			c.CreatedAt = at(time.Duration(i) * time.Minute) // the greatest ID is the oldest
			if err := s.CreateClientCredential(t.Context(), c); err != nil {
				t.Fatalf("CreateClientCredential(%d): %v", i, err)
			}
		}
		if err := s.CreateClientCredential(t.Context(), newCredential(tenantA, "app-2", "crd-00")); err != nil {
			t.Fatal(err)
		}
		checkPaging(t, "ListClientCredentials", want, func(pg tokenmint.Page) ([]*tokenmint.ClientCredential, error) {
			return s.ListClientCredentials(t.Context(), tenantA, "app-1", pg)
		}, func(c *tokenmint.ClientCredential) string { return c.ID })
	})
	t.Run("Webhooks", func(t *testing.T) {
		s := newStore(t)
		mustTenants(t, s)
		want := seqIDs("wh", 5)
		for _, id := range reversed(want) {
			if err := s.CreateWebhook(t.Context(), newWebhook(tenantA, id)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateWebhook(t.Context(), newWebhook(tenantB, "wh-00")); err != nil {
			t.Fatal(err)
		}
		checkPaging(t, "ListWebhooks", want, func(pg tokenmint.Page) ([]*tokenmint.Webhook, error) {
			return s.ListWebhooks(t.Context(), tenantA, pg)
		}, func(w *tokenmint.Webhook) string { return w.ID })
	})
	t.Run("TokenUsage", func(t *testing.T) {
		s := newStore(t)
		unlimited, limited, _ := usageFixture(t, s)
		// Ordered by IP text, bytewise, whatever the last use.
		want := []string{"10.0.0.2", "192.0.2.1", "192.0.2.10", "198.51.100.7", "2001:db8::1", "2001:db8::a"}
		var batch []tokenmint.UsageRecord
		for i, ip := range want {
			batch = append(batch, rec(unlimited.ID, ip, 0, time.Duration(i)*time.Minute, 1))
		}
		batch = append(batch, rec(limited.ID, "10.0.0.1", 0, 0, 1))
		if err := s.RecordUsage(t.Context(), batch); err != nil {
			t.Fatal(err)
		}
		checkPaging(t, "TokenUsage", want, func(pg tokenmint.Page) ([]tokenmint.IPUsage, error) {
			return s.TokenUsage(t.Context(), tenantA, unlimited.ID, pg)
		}, func(u tokenmint.IPUsage) string { return u.IP })
	})
}
