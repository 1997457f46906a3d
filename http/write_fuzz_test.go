package http_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// writeEndpoint is a write route FuzzWriteEndpoints sends bodies to, and
// the read that shows the state the write may change.
type writeEndpoint struct {
	method, path, snapshot string
}

// FuzzWriteEndpoints sends arbitrary JSON bodies to the write endpoints
// through the real handler, in an admin's session: the answer is never a
// 5xx nor anything but JSON, and an answer that refuses the input (4xx)
// leaves the state as it was (the endpoint's own read answers the same
// before and after). In paths, {token}, {user}, {app}, {project} and
// {hook} are IDs of objects the target creates first.
func FuzzWriteEndpoints(f *testing.F) {
	e := newFuzzEnv(f)
	ids := map[string]string{
		"{token}":   e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/tokens", `{"name":"fuzz","type":"UserToken"}`)["id"].(string),
		"{user}":    e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/users", `{"username":"fuzz-user","password":"fuzz-password-1","roles":[]}`)["id"].(string),
		"{app}":     e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/applications", `{"name":"fuzz-app","access_types":["read-only"]}`)["id"].(string),
		"{project}": e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/projects", `{"name":"fuzz-project"}`)["id"].(string),
		"{hook}":    e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/webhooks", `{"url":"https://192.0.2.1/hook","events":["token.revoked"]}`)["id"].(string),
	}
	var pairs []string
	for k, v := range ids {
		pairs = append(pairs, k, v)
	}
	expand := strings.NewReplacer(pairs...)
	endpoints := []writeEndpoint{
		{"POST", "/api/v1/tokens", "/api/v1/tokens"},
		{"PATCH", "/api/v1/tokens/{token}", "/api/v1/tokens/{token}"},
		{"POST", "/api/v1/users", "/api/v1/users"},
		{"PATCH", "/api/v1/users/{user}", "/api/v1/users/{user}"},
		{"PUT", "/api/v1/policies", "/api/v1/policies"},
		{"POST", "/api/v1/applications", "/api/v1/applications"},
		{"PATCH", "/api/v1/applications/{app}", "/api/v1/applications/{app}"},
		{"POST", "/api/v1/webhooks", "/api/v1/webhooks"},
		{"PATCH", "/api/v1/webhooks/{hook}", "/api/v1/webhooks/{hook}"},
		{"POST", "/api/v1/projects", "/api/v1/projects"},
		{"PATCH", "/api/v1/projects/{project}", "/api/v1/projects/{project}"},
		{"PUT", "/api/v1/projects/{project}/members/{user}", "/api/v1/projects/{project}/members"},
		{"POST", "/api/v1/tokens/{token}/rotate", "/api/v1/tokens/{token}"},
	}
	seeds := [][]string{
		{`{"name":"t1","type":"UserToken","description":"d","expires_at":"2026-02-01"}`, `{"name":"t2","type":"ProjectAnalysisToken","project":"fuzz-project"}`, `{"name":"","type":"UserToken"}`, `{"name":"t3","type":"Nope"}`, `{"name":"t4","type":"UserToken","expires_at":"yesterday"}`, `{"name":"t5","type":"UserToken","permissions":["api:read","x"]}`},
		{`{"description":"new"}`, `{"descripton":"typo"}`, `{"active":"yes"}`, `{"expires_at":"2030-01-01T00:00:00Z"}`, `{"name":null}`},
		{`{"username":"u1","password":"password-123456","roles":["admin"]}`, `{"username":"u2","password":"x","roles":[]}`, `{"username":"fuzz-user","password":"password-123456"}`, `{"username":"u3","password":"password-123456","roles":["god"]}`},
		{`{"roles":["admin"]}`, `{"roles":[]}`, `{"enabled":false}`, `{"password":"short"}`, `{"roles":"admin"}`},
		{`{"max_lifetime_days":30}`, `{"max_lifetime_days":-1}`, `{"expiry_notice_days":14}`, `{"max_lifetime_days":1e400}`, `{"unknown":1}`},
		{`{"name":"a1","description":"d","access_types":["read-only"]}`, `{"name":"fuzz-app","access_types":[]}`, `{"name":"a2","access_types":["nope"]}`},
		{`{"description":"new","enabled":false}`, `{"access_types":["results:upload"]}`, `{"enabled":"no"}`},
		{`{"url":"https://192.0.2.2/x","events":["token.revoked","token.leaked"]}`, `{"url":"http://127.0.0.1/x","events":["token.revoked"]}`, `{"url":"https://[::ffff:127.0.0.1]/x"}`, `{"url":"ftp://x/","events":["nope"]}`, `{"url":"https://[::7f00:1]/"}`},
		{`{"enabled":false}`, `{"url":"http://169.254.169.254/"}`, `{"events":[]}`},
		{`{"name":"p1"}`, `{"name":"fuzz-project"}`, `{"name":""}`, `{"name":"../.."}`},
		{`{"description":"x"}`, `{"name":"renamed"}`, `{"name":123}`},
		{`{"role":"member"}`, `{"role":"admin"}`, `{"role":"owner"}`, `{}`},
		{``, `{}`, `{"expires_at":"2026-03-01"}`, `{"grace_period_hours":-5}`},
	}
	for i, bodies := range seeds {
		for _, b := range bodies {
			f.Add(uint8(i), []byte(b))
		}
	}
	for _, junk := range []string{"", "null", "[]", "{", `{"a":1}{"b":2}`, "\xff\xfe", strings.Repeat("[", 10000), `{"name":"` + strings.Repeat("x", 5000) + `"}`} {
		f.Add(uint8(0), []byte(junk))
	}

	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ep := endpoints[int(which)%len(endpoints)]
		path, snapshot := expand.Replace(ep.path), expand.Replace(ep.snapshot)
		before := e.admin(t, "GET", snapshot, "")
		r := e.admin(t, ep.method, path, string(body))
		checkNoServerError(t, ep.method+" "+ep.path, r)
		if r.status < 400 {
			return
		}
		after := e.admin(t, "GET", snapshot, "")
		if before.status != after.status || !bytes.Equal(before.body, after.body) {
			t.Fatalf("%s %s %q refused (%d %s) but changed %s:\nbefore %d %s\nafter  %d %s",
				ep.method, ep.path, body, r.status, r.body, snapshot, before.status, before.body, after.status, after.body)
		}
	})
}
