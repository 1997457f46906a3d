package tokenmint

import (
	"reflect"
	"strings"
	"testing"
)

func TestMapGroups(t *testing.T) {
	mappings := []SSOMapping{
		{Group: "tm-admins", Role: RoleAdmin},
		{Group: "devs", Role: RoleMember},
		{Group: "all", Role: RoleViewer},
		{Group: "app1-dev", Project: "app1", Role: RoleMember},
		{Group: "app1-ops", Project: "App1", Role: RoleAdmin},
		{Group: "app2-read", Project: "app2", Role: RoleViewer},
	}
	for _, c := range []struct {
		groups   []string
		tenant   []string
		projects []ProjectRole
	}{
		{nil, []string{}, nil},
		{[]string{"sales"}, []string{}, nil},
		{[]string{"all", "devs"}, []string{RoleMember, RoleViewer}, nil},
		// The broadest role on a project wins; project names ignore case.
		{[]string{"app1-dev", "app1-ops", "app2-read"}, []string{}, []ProjectRole{{"app1", RoleAdmin}, {"app2", RoleViewer}}},
		// Group names are exact.
		{[]string{"TM-ADMINS"}, []string{}, nil},
	} {
		tr, pr := MapGroups(mappings, c.groups)
		if !reflect.DeepEqual(tr, c.tenant) || !reflect.DeepEqual(pr, c.projects) {
			t.Errorf("MapGroups(%v) = %v, %v; want %v, %v", c.groups, tr, pr, c.tenant, c.projects)
		}
	}
}

func TestParseSSOMapping(t *testing.T) {
	for in, want := range map[string]SSOMapping{
		"tm-admins=admin":                        {Group: "tm-admins", Role: "admin"},
		" app1-dev = app1:member ":               {Group: "app1-dev", Project: "app1", Role: "member"},
		"cn=ops,ou=groups,dc=acme,dc=com=viewer": {Group: "cn=ops,ou=groups,dc=acme,dc=com", Role: "viewer"},
	} {
		got, err := ParseSSOMapping(in)
		if err != nil || got != want {
			t.Errorf("ParseSSOMapping(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if back, _ := ParseSSOMapping(got.String()); back != got {
			t.Errorf("String() of %+v does not read back: %q", got, got.String())
		}
	}
	for _, in := range []string{"", "admins", "=admin", "admins="} {
		if _, err := ParseSSOMapping(in); ErrorCode(err) != EINVALID {
			t.Errorf("ParseSSOMapping(%q) = %v; want EINVALID", in, err)
		}
	}
}

func TestSSOProviderValidate(t *testing.T) {
	ok := func() *SSOProvider {
		p := &SSOProvider{IssuerURL: "https://idp.example.com/realms/acme", ClientID: "tokenmint",
			Mappings: []SSOMapping{{Group: "staff", Role: RoleViewer}}}
		p.Normalize()
		return p
	}
	p := ok()
	if err := p.Validate(); err != nil {
		t.Fatalf("valid provider: %v", err)
	}
	if p.Name != "idp.example.com" || p.GroupsClaim != "groups" || p.Scopes[0] != "openid" {
		t.Errorf("defaults: name %q claim %q scopes %v", p.Name, p.GroupsClaim, p.Scopes)
	}
	q := ok()
	q.Scopes = []string{"email"}
	q.Normalize()
	if q.Scopes[0] != "openid" {
		t.Errorf("openid not added: %v", q.Scopes)
	}
	for name, change := range map[string]func(*SSOProvider){
		"issuer_url":       func(p *SSOProvider) { p.IssuerURL = "idp.example.com" },
		"query":            func(p *SSOProvider) { p.IssuerURL = "https://idp.example.com/?x=1" },
		"client_id":        func(p *SSOProvider) { p.ClientID = "" },
		"at least one":     func(p *SSOProvider) { p.Mappings = nil },
		"unknown role":     func(p *SSOProvider) { p.Mappings = []SSOMapping{{Group: "g", Role: "owner"}} },
		"break_glass_user": func(p *SSOProvider) { p.LocalPasswordsDisabled = true },
		"scope":            func(p *SSOProvider) { p.Scopes = []string{"open id"} },
	} {
		p := ok()
		change(p)
		if err := p.Validate(); ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), strings.Split(name, " ")[0]) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestLocalLoginAllowed(t *testing.T) {
	var none *SSOProvider
	on := &SSOProvider{}
	off := &SSOProvider{LocalPasswordsDisabled: true, BreakGlassUser: "root"}
	for _, c := range []struct {
		p    *SSOProvider
		user string
		want bool
	}{
		{none, "alice", true}, {on, "alice", true}, {off, "alice", false}, {off, "root", true}, {off, "ROOT", false},
	} {
		if got := c.p.LocalLoginAllowed(c.user); got != c.want {
			t.Errorf("LocalLoginAllowed(%q) with %+v = %v", c.user, c.p, got)
		}
	}
}
