package http_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestBadInputIsRefusedWithJSONErrorsAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	_, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "existing", "description": "keep"})
	huge := `{"type":"CIToken","name":"x","description":"` + strings.Repeat("a", 1<<20) + `"}`
	cases := []struct {
		name, method, path string
		body               any
		want               string
	}{
		{"malformed JSON", "POST", "/api/v1/tokens", `{"type":"CIToken",`, "malformed JSON"},
		{"not JSON", "POST", "/api/v1/tokens", `type=CIToken`, "malformed JSON"},
		{"empty body", "POST", "/api/v1/tokens", ``, "empty"},
		{"unknown field", "POST", "/api/v1/tokens", `{"type":"CIToken","name":"x","scopes":["all"]}`, `unknown field "scopes"`},
		{"trailing data", "POST", "/api/v1/tokens", `{"type":"CIToken","name":"x"}{}`, "single JSON object"},
		{"oversized body", "POST", "/api/v1/tokens", huge, "exceeds 1048576 bytes"},
		{"wrong type name", "POST", "/api/v1/tokens", `{"type":42,"name":"x"}`, `field "type" must be a string`},
		{"wrong type days", "POST", "/api/v1/tokens", `{"type":"CIToken","name":"x","days_to_live":"ten"}`, `"days_to_live" must be an integer`},
		{"wrong type date", "POST", "/api/v1/tokens", `{"type":"CIToken","name":"x","expires_at":"tomorrow"}`, "a date such as 2027-01-01"},
		{"body not an object", "POST", "/api/v1/tokens", `[]`, "request body must be a JSON object"},
		{"invalid UTF-8 name", "POST", "/api/v1/tokens", "{\"type\":\"CIToken\",\"name\":\"a\xffb\"}", "must be UTF-8"},
		{"days overflow", "POST", "/api/v1/tokens", `{"type":"UserToken","name":"x","days_to_live":213504}`, "days_to_live must be 1-36500"},
		{"rotate grace overflow", "POST", "/api/v1/tokens/" + id + "/rotate", `{"grace_seconds":18446744074}`, "grace period must be between 0 and 604800 seconds"},
		{"rotate negative grace", "POST", "/api/v1/tokens/" + id + "/rotate", `{"grace_seconds":-5}`, "grace period must be between"},
		{"rotate negative grace overflow", "POST", "/api/v1/tokens/" + id + "/rotate", `{"grace_seconds":-18446744073}`, "grace period must be between"},
		{"empty name", "POST", "/api/v1/tokens", `{"type":"CIToken","name":""}`, "name must be 1-100 characters"},
		{"name too long", "POST", "/api/v1/tokens", `{"type":"CIToken","name":"` + strings.Repeat("n", 101) + `"}`, "name must be 1-100 characters"},
		{"name with control chars", "POST", "/api/v1/tokens", `{"type":"CIToken","name":"a\u0007b"}`, "control characters"},
		{"description too long", "POST", "/api/v1/tokens", `{"type":"CIToken","name":"x","description":"` + strings.Repeat("d", 1025) + `"}`, "at most 1024"},
		{"unknown type", "POST", "/api/v1/tokens", `{"type":"NoSuchToken","name":"x"}`, `unknown token type "NoSuchToken"`},
		{"internal type", "POST", "/api/v1/tokens", `{"type":"WIESystemToken","name":"x"}`, "token type WIESystemToken is internal: only tokenmint itself creates tokens of it"},
		{"obsolete type", "POST", "/api/v1/tokens", `{"type":"CloudCtrlToken","name":"x"}`, "obsolete; use ScanCentralCtrlToken"},
		{"project scoped without project", "POST", "/api/v1/tokens", `{"type":"ProjectAnalysisToken","name":"x"}`, "project is required"},
		{"unknown project", "POST", "/api/v1/tokens", `{"type":"ProjectAnalysisToken","name":"x","project":"nope"}`, `project "nope" not found`},
		{"wrong content type", "POST", "/api/v1/tokens", `{"type":"CIToken","name":"x"}`, "Content-Type"},
		{"patch unknown field", "PATCH", "/api/v1/tokens/" + id, `{"descripton":"typo"}`, `unknown field "descripton"`},
		{"patch wrong type", "PATCH", "/api/v1/tokens/" + id, `{"active":"yes"}`, `"active" must be true or false`},
		{"patch nothing", "PATCH", "/api/v1/tokens/" + id, `{}`, "nothing to change"},
		{"user name out of bounds", "POST", "/api/v1/users", `{"username":"` + strings.Repeat("u", 65) + `","password":"long-enough"}`, "username must be"},
		{"user bad role", "POST", "/api/v1/users", `{"username":"ok","password":"long-enough","roles":["root"]}`, `unknown role "root"`},
		{"user short password", "POST", "/api/v1/users", `{"username":"ok","password":"short"}`, "password must be"},
		{"project bad name", "POST", "/api/v1/projects", `{"name":"has space"}`, "name must be"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tokens, audit := e.counts()
			var r response
			if c.name == "wrong content type" {
				r = e.admin.doWithContentType(c.method, c.path, c.body.(string), "text/plain")
			} else {
				r = e.admin.do(c.method, c.path, c.body)
			}
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
	// The existing token is untouched by the refused patches.
	if m := e.admin.do("GET", "/api/v1/tokens/"+id, nil).json(t); m["description"] != "keep" || m["status"] != "active" {
		t.Fatalf("token changed: %v", m)
	}
	// Unknown routes under /api answer with the JSON error shape too.
	if r := e.admin.do("GET", "/api/v1/nope", nil); r.status != 404 || r.errorCode(t) != "not_found" {
		t.Fatalf("unknown route: %d %s", r.status, r.body)
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
