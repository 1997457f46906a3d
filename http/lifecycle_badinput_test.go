package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// Bad input to the lifecycle endpoints is a 400 with the JSON error shape
// that says what is wrong, and writes nothing (not even an audit entry).
func TestLifecycleBadInputWritesNothing(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	_, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "target"})
	r := e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/h", "events": []string{"token.created"}})
	expect(t, r, http.StatusCreated, "webhook")
	wh := r.json(t)["id"].(string)
	for _, c := range []struct {
		name, method, path string
		body               any
		want               string
	}{
		{"policy unknown field", "PUT", "/api/v1/policies", `{"max_lifetime":5}`, `unknown field "max_lifetime"`},
		{"policy wrong type", "PUT", "/api/v1/policies", `{"max_lifetime_days":"5"}`, `"max_lifetime_days" must be an integer`},
		{"policy out of range", "PUT", "/api/v1/policies", `{"expiry_notice_days":400}`, "each entry of expiry_notice_days must be 1-365 days"},
		{"policy deactivate after delete", "PUT", "/api/v1/policies", `{"inactivity_deactivate_days":100}`, "must not exceed"},
		{"policy malformed", "PUT", "/api/v1/policies", `{"max_lifetime_days":`, "malformed JSON"},
		{"block bad IP", "PUT", "/api/v1/tokens/" + id + "/blocked-ips/300.1.1.1", nil, "not an IPv4 or IPv6"},
		{"block bad prefix", "PUT", "/api/v1/tokens/" + id + "/blocked-ips/10.0.0.0%2F40", nil, "not an IPv4 or IPv6"},
		{"unblock bad IP", "DELETE", "/api/v1/tokens/" + id + "/blocked-ips/x", nil, "not an IPv4 or IPv6"},
		{"webhook no url", "POST", "/api/v1/webhooks", `{"events":["token.created"]}`, "url is required"},
		{"webhook relative url", "POST", "/api/v1/webhooks", `{"url":"/hook","events":["token.created"]}`, "absolute http or https"},
		{"webhook duplicate event", "POST", "/api/v1/webhooks", `{"url":"https://e.example/h","events":["token.created","token.created"]}`, "listed twice"},
		{"webhook events wrong type", "POST", "/api/v1/webhooks", `{"url":"https://e.example/h","events":"token.created"}`, `"events" must be`},
		{"webhook patch nothing", "PATCH", "/api/v1/webhooks/" + wh, `{}`, "nothing to change"},
		{"webhook patch unknown event", "PATCH", "/api/v1/webhooks/" + wh, `{"events":["token.stolen"]}`, `unknown event "token.stolen"`},
		{"webhook patch short secret", "PATCH", "/api/v1/webhooks/" + wh, `{"secret":"abc"}`, "secret must be"},
		{"leak report without token", "POST", "/api/v1/tokens/revoke-leaked", `{}`, "token is required"},
		{"leak report unknown field", "POST", "/api/v1/tokens/revoke-leaked", `{"token":"x","why":"y"}`, `unknown field "why"`},
		{"audit bad since", "GET", "/api/v1/audit?since=monday", nil, "since must be an RFC 3339 time"},
		{"audit bad limit", "GET", "/api/v1/audit?limit=501", nil, "limit must be 1-500"},
		{"audit bad outcome", "GET", "/api/v1/audit?outcome=won", nil, "outcome must be"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tokens, audit := e.counts()
			r := e.admin.do(c.method, c.path, c.body)
			if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
				t.Fatalf("got %d %s, want 400 invalid", r.status, truncate(r.body))
			}
			if msg := r.message(t); !strings.Contains(msg, c.want) {
				t.Fatalf("message %q does not say %q", msg, c.want)
			}
			if tk, au := e.counts(); tk != tokens || au != audit {
				t.Fatalf("refused request wrote: tokens %d→%d, audit %d→%d", tokens, tk, audit, au)
			}
		})
	}
	if r := e.admin.do("GET", "/api/v1/tokens/"+id+"/blocked-ips", nil); !strings.Contains(string(r.body), `"items":[]`) {
		t.Errorf("refused blocks were stored: %s", r.body)
	}
	if m := e.admin.do("GET", "/api/v1/webhooks/"+wh, nil).json(t); len(m["events"].([]any)) != 1 || m["events"].([]any)[0] != "token.created" {
		t.Errorf("refused patches changed the webhook: %v", m)
	}
}
