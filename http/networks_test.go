package http_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tokenmint/service"
	"tokenmint/typesfile"
)

// doFrom is c.do sent on behalf of client IP ip (X-Forwarded-For; the
// lifecycle test server trusts the loopback as its proxy).
func (c *client) doFrom(ip, method, path string, body any) response {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, strings.NewReader(fmt.Sprint(body)))
	if body == nil {
		req, err = http.NewRequest(method, c.e.srv.URL+path, nil)
	}
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("X-Forwarded-For", ip)
	return roundTrip(c.e.t, c.http, req)
}

// Bad networks are 400 naming the entry and change nothing; 33 networks
// are too many; accepted ones are shown canonical, IPv6 included, and an
// unbound token shows none.
func TestCreateTokenAllowedCIDRsValidation(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	tokens, audits := e.counts()
	for _, bad := range []any{
		[]string{"192.0.2.0/24", "192.0.2.0/33"},
		[]string{"not-a-network"},
		[]string{"fe80::1%eth0"},
		"10.0.0.0/8", // a string, not a list
	} {
		r := e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "bad", "allowed_cidrs": bad})
		expect(t, r, http.StatusBadRequest, fmt.Sprintf("allowed_cidrs %v", bad))
		if s, ok := bad.([]string); ok && !strings.Contains(r.message(t), s[len(s)-1]) {
			t.Errorf("message %q does not name the bad entry %q", r.message(t), s[len(s)-1])
		}
	}
	many := make([]string, 33)
	for i := range many {
		many[i] = fmt.Sprintf("10.%d.0.0/16", i)
	}
	r := e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "many", "allowed_cidrs": many})
	expect(t, r, http.StatusBadRequest, "33 networks")
	if !strings.Contains(r.message(t), "at most 32") {
		t.Errorf("33 networks: %q", r.message(t))
	}
	if tk, au := e.counts(); tk != tokens || au != audits {
		t.Fatalf("refused creations changed tokens %d→%d, audit %d→%d", tokens, tk, audits, au)
	}
	r = e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "ok", "allowed_cidrs": []string{"2001:DB8::1/32", "192.0.2.7", "::ffff:198.51.100.0/120"}})
	expect(t, r, http.StatusCreated, "valid networks")
	got := fmt.Sprint(r.json(t)["allowed_cidrs"])
	if got != "[192.0.2.7/32 198.51.100.0/24 2001:db8::/32]" {
		t.Errorf("allowed_cidrs = %s", got)
	}
	_, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "open"})
	if body := string(e.admin.do("GET", "/api/v1/tokens/"+id, nil).body); strings.Contains(body, "allowed_cidrs") {
		t.Errorf("an unbound token shows allowed_cidrs: %s", body)
	}
}

// A single-use token bound to a network is refused from outside (403,
// audited) without spending its use, works from inside in IPv4-mapped
// form, and a PATCH narrowing its networks is refused at once.
func TestVerifyBoundTokenOverHTTP(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	plain, _, id := e.admin.createToken(map[string]any{"type": "ScanCentralOneTimeJobToken", "name": "job", "allowed_cidrs": []string{"192.0.2.0/24", "2001:db8::/32"}})
	r := e.verifyFrom(plain, "198.51.100.1")
	expect(t, r, http.StatusForbidden, "outside")
	if r.message(t) != "token is not allowed from this network" {
		t.Errorf("message %q", r.message(t))
	}
	expect(t, e.verifyFrom(plain, "2001:db9::1"), http.StatusForbidden, "outside, IPv6")
	if items := auditItems(t, e.admin, "action=token.verify&outcome=denied&object="+id); len(items) != 2 {
		t.Errorf("refusals audited %d times, want 2", len(items))
	}
	if m := e.admin.do("GET", "/api/v1/tokens/"+id, nil).json(t); m["uses"] != float64(0) {
		t.Fatalf("uses after refusals = %v, want 0", m["uses"])
	}
	expect(t, e.verifyFrom(plain, "::ffff:192.0.2.9"), http.StatusOK, "inside, IPv4-mapped")
	expect(t, e.verifyFrom(plain, "192.0.2.9"), http.StatusUnauthorized, "second use")

	ci, _, ciID := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci", "allowed_cidrs": []string{"2001:db8::/32"}})
	expect(t, e.verifyFrom(ci, "2001:db8:5::1"), http.StatusOK, "IPv6 inside")
	expect(t, e.admin.do("PATCH", "/api/v1/tokens/"+ciID, map[string]any{"allowed_cidrs": []string{"2001:db8:ffff::/48"}}), http.StatusOK, "narrow")
	expect(t, e.verifyFrom(ci, "2001:db8:5::1"), http.StatusForbidden, "after narrowing")
	expect(t, e.verifyFrom(ci, "2001:db8:ffff::1"), http.StatusOK, "inside the narrowed network")
	r = e.admin.do("PATCH", "/api/v1/tokens/"+ciID, map[string]any{"allowed_cidrs": []string{"2001:db8::/129"}, "description": "changed"})
	expect(t, r, http.StatusBadRequest, "PATCH with junk")
	m := e.admin.do("GET", "/api/v1/tokens/"+ciID, nil).json(t)
	if fmt.Sprint(m["allowed_cidrs"]) != "[2001:db8:ffff::/48]" || m["description"] != "" {
		t.Errorf("a refused PATCH changed the token: %v", m)
	}
}

// A bound token presented from outside cannot manage anything; from
// inside, what it creates stays within its networks.
func TestBoundPresenterOverHTTP(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	plain, _, _ := e.admin.createToken(map[string]any{"type": "UserToken", "name": "bound", "allowed_cidrs": []string{"10.0.0.0/8"}})
	c := e.withToken(plain)
	expect(t, c.doFrom("198.51.100.1", "GET", "/api/v1/tokens", nil), http.StatusForbidden, "list from outside")
	r := c.doFrom("10.1.1.1", "POST", "/api/v1/tokens", `{"type":"CIToken","name":"child"}`)
	expect(t, r, http.StatusCreated, "create from inside")
	if got := fmt.Sprint(r.json(t)["allowed_cidrs"]); got != "[10.0.0.0/8]" {
		t.Errorf("child allowed_cidrs = %s, want the presenter's", got)
	}
	r = c.doFrom("10.1.1.1", "POST", "/api/v1/tokens", `{"type":"CIToken","name":"broad","allowed_cidrs":["0.0.0.0/0"]}`)
	expect(t, r, http.StatusForbidden, "broader than the presenter")
	if items := auditItems(t, e.admin, "action=token.create&outcome=denied"); len(items) != 1 {
		t.Errorf("the refusal was audited %d times, want once", len(items))
	}
}

// Token exchange is a verify of the bound token: refused from outside; the
// JWT it gives is checked against the source token's networks when the
// server verifies it.
func TestExchangeAndIntrospectionOfBoundToken(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	plain, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci", "allowed_cidrs": []string{"192.0.2.0/24"}})
	exchange := func(ip string) response {
		return e.formFrom(ip, "/oauth/token", "", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
			"subject_token": {plain}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}})
	}
	if r := exchange("198.51.100.1"); r.status == http.StatusOK {
		t.Fatalf("exchange from outside: %d %s", r.status, r.body)
	}
	r := exchange("192.0.2.1")
	expect(t, r, http.StatusOK, "exchange from inside")
	jwt := r.json(t)["access_token"].(string)
	expect(t, e.verifyFrom(jwt, "192.0.2.50"), http.StatusOK, "JWT from inside")
	expect(t, e.verifyFrom(jwt, "198.51.100.1"), http.StatusForbidden, "JWT from outside")

	_, id, sec, _ := e.appClient("rs", "introspect")
	introspect := func(raw, ip string) response {
		v := url.Values{"token": {raw}}
		if ip != "" {
			v.Set("client_ip", ip)
		}
		return e.form("/oauth/introspect", basicAuth(id, sec), v)
	}
	for _, raw := range []string{plain, jwt} {
		if r := introspect(raw, "192.0.2.8"); r.json(t)["active"] != true {
			t.Errorf("introspection from inside: %s", r.body)
		}
		if r := introspect(raw, "::ffff:192.0.2.8"); r.json(t)["active"] != true {
			t.Errorf("introspection from inside, mapped: %s", r.body)
		}
		if r := introspect(raw, "198.51.100.1"); r.json(t)["active"] != false {
			t.Errorf("introspection from outside: %s", r.body)
		}
		if r := introspect(raw, ""); r.json(t)["active"] != false {
			t.Errorf("introspection without client_ip: %s", r.body)
		}
	}
}

// An application's default networks are set and shown through the API and
// bind its tokens created without networks of their own.
func TestApplicationDefaultAllowedCIDRsOverHTTP(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	r := e.admin.do("POST", "/api/v1/applications", map[string]any{"name": "runner", "access_types": []string{"read-only"}, "default_allowed_cidrs": []string{"203.0.113.0/24"}})
	expect(t, r, http.StatusCreated, "create application")
	app := r.json(t)
	appID := app["id"].(string)
	if fmt.Sprint(app["default_allowed_cidrs"]) != "[203.0.113.0/24]" {
		t.Errorf("default_allowed_cidrs = %v", app["default_allowed_cidrs"])
	}
	r = e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "t1"})
	expect(t, r, http.StatusCreated, "application token")
	if fmt.Sprint(r.json(t)["allowed_cidrs"]) != "[203.0.113.0/24]" {
		t.Errorf("application token allowed_cidrs = %v", r.json(t)["allowed_cidrs"])
	}
	tok := r.json(t)["token"].(string)
	expect(t, e.verifyFrom(tok, "203.0.113.4"), http.StatusOK, "app token inside")
	expect(t, e.verifyFrom(tok, "198.51.100.4"), http.StatusForbidden, "app token outside")
	expect(t, e.admin.do("PATCH", "/api/v1/applications/"+appID, map[string]any{"default_allowed_cidrs": []string{"junk"}}), http.StatusBadRequest, "junk default")
	r = e.admin.do("PATCH", "/api/v1/applications/"+appID, map[string]any{"default_allowed_cidrs": []string{}})
	expect(t, r, http.StatusOK, "clear default")
	if fmt.Sprint(r.json(t)["default_allowed_cidrs"]) != "[]" {
		t.Errorf("cleared default shows %v", r.json(t)["default_allowed_cidrs"])
	}
}

// A type with require_allowed_cidrs says so in the types list and refuses
// a token bound to nothing with 400, saying why.
func TestTypeRequiringNetworksOverHTTP(t *testing.T) {
	reg, err := typesfile.Parse("types.yaml", []byte("types:\n  - name: DeployToken\n    description: deploys\n    permissions: [api:read]\n    default_days_to_live: 30\n    require_allowed_cidrs: true\n  - name: CIToken\n    description: ci\n    permissions: [api:read]\n    default_days_to_live: 30\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := startEnv(t, io.Discard, false, func(c *service.Config) { c.Types = reg })
	types := string(e.admin.do("GET", "/api/v1/token-types", nil).body)
	if !strings.Contains(types, `"name":"DeployToken"`) || strings.Count(types, `"require_allowed_cidrs":true`) != 1 {
		t.Errorf("token types: %s", types)
	}
	r := e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "DeployToken", "name": "deploy"})
	expect(t, r, http.StatusBadRequest, "required networks missing")
	if !strings.Contains(r.message(t), "requires allowed_cidrs") {
		t.Errorf("message %q", r.message(t))
	}
	expect(t, e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "DeployToken", "name": "deploy", "allowed_cidrs": []string{"10.0.0.0/8"}}), http.StatusCreated, "with networks")
}
