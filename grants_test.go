package tokenmint_test

import (
	"testing"

	"tokenmint"
	"tokenmint/typesfile"
)

func TestEffectivePermissions(t *testing.T) {
	reg := typesfile.Defaults()
	ci, _ := reg.Lookup("CIToken")
	user, _ := reg.Lookup("UserToken")
	pat, _ := reg.Lookup("ProjectAnalysisToken")
	member := tokenmint.Grants{Enabled: true, TenantRoles: []string{"member"}}
	viewer := tokenmint.Grants{Enabled: true, TenantRoles: []string{"viewer"}}
	projectOnly := tokenmint.Grants{Enabled: true, ProjectRoles: map[string][]string{"p1": {"member"}}}
	disabled := member
	disabled.Enabled = false

	cases := []struct {
		name    string
		typ     *tokenmint.TokenType
		tok     tokenmint.Token
		g       tokenmint.Grants
		project string
		perm    tokenmint.Permission
		want    bool
	}{
		{"member CI upload", ci, tokenmint.Token{}, member, "", "results:upload", true},
		{"type lacks permission", ci, tokenmint.Token{}, member, "", "issues:audit", false},
		{"viewer write verb", ci, tokenmint.Token{}, viewer, "", "api:write", false},
		{"viewer read verb", ci, tokenmint.Token{}, viewer, "", "api:read", true},
		{"viewer user token reads only", user, tokenmint.Token{}, viewer, "", "reports:write", false},
		{"member user token not admin", user, tokenmint.Token{}, member, "", "users:manage", false},
		{"disabled owner", ci, tokenmint.Token{}, disabled, "", "api:read", false},
		{"scoped token own project", pat, tokenmint.Token{ProjectID: "p1"}, member, "p1", "results:upload", true},
		{"scoped token other project", pat, tokenmint.Token{ProjectID: "p1"}, member, "p2", "results:upload", false},
		{"project role applies on project", ci, tokenmint.Token{}, projectOnly, "p1", "results:upload", true},
		{"project role not tenant wide", ci, tokenmint.Token{}, projectOnly, "", "results:upload", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := tokenmint.EffectivePermissions(reg, c.typ, &c.tok, c.g, c.project).Has(c.perm)
			if got != c.want {
				t.Fatalf("Has(%s) = %v, want %v", c.perm, got, c.want)
			}
		})
	}
	purge, _ := reg.Lookup("PurgeProjectVersionToken")
	if tokenmint.CanCreate(reg, purge, member, "") {
		t.Error("a member must not be able to create a purge token")
	}
	if !tokenmint.CanCreate(reg, purge, tokenmint.Grants{Enabled: true, TenantRoles: []string{"admin"}}, "") {
		t.Error("an admin must be able to create a purge token")
	}
	obsolete, _ := reg.Lookup("CloudCtrlToken")
	if tokenmint.CanCreate(reg, obsolete, member, "") {
		t.Error("obsolete types must not be creatable")
	}
}
