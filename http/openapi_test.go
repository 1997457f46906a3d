package http_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The OpenAPI document (openapi.json) must describe exactly the routes the
// handlers register: these tests read the route table from the package's
// Go sources, compare it with the document, and call every documented
// operation on a running server.

var openAPIMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// route is one method and path as OpenAPI writes it.
type route struct{ method, path string }

func (r route) String() string { return r.method + " " + r.path }

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// documentedRoutes lists the operations of the document.
func documentedRoutes(t *testing.T, doc map[string]any) map[route]map[string]any {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("document has no paths object")
	}
	out := map[route]map[string]any{}
	for p, item := range paths {
		ops, ok := item.(map[string]any)
		if !ok {
			t.Fatalf("path item %s is not an object", p)
		}
		for _, m := range openAPIMethods {
			if op, ok := ops[m].(map[string]any); ok {
				out[route{strings.ToUpper(m), p}] = op
			}
		}
	}
	return out
}

var (
	restWildcard = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\.\.\.\}`)
	pathParam    = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)
)

// openAPIPath turns a ServeMux path into an OpenAPI path template:
// {name...} becomes {name} and a trailing {$} is dropped (leaving the
// slash before it).
func openAPIPath(p string) string {
	p = restWildcard.ReplaceAllString(p, "{$1}")
	return strings.TrimSuffix(p, "{$}")
}

// registeredRoutes returns every "METHOD /path" registered in the
// package's non-test sources (muxPatterns), except the UI's pages, its root
// redirect and the /api/ catch-all.
func registeredRoutes(t *testing.T) map[route]string {
	t.Helper()
	out := map[route]string{}
	for _, p := range muxPatterns(t) {
		pattern := strings.TrimSpace(p.method + " " + p.path)
		switch {
		case strings.HasPrefix(p.path, "/ui/"), pattern == "GET /{$}", pattern == "/api/":
			continue
		case p.method == "" || !strings.HasPrefix(p.path, "/"):
			t.Errorf("%s: pattern %q has no method or no path; document it or teach this test about it", p.pos, pattern)
			continue
		}
		r := route{p.method, openAPIPath(p.path)}
		if prev, dup := out[r]; dup {
			t.Errorf("%s: %s registered twice (also at %s)", p.pos, r, prev)
		}
		out[r] = p.pos
	}
	return out
}

func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	v, _ := doc["openapi"].(string)
	if !strings.HasPrefix(v, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	for _, k := range []string{"info", "paths", "components"} {
		if _, ok := doc[k].(map[string]any); !ok {
			t.Errorf("document has no %s object", k)
		}
	}
	seen := map[string]route{}
	for r, op := range documentedRoutes(t, doc) {
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", r)
		} else if prev, dup := seen[id]; dup {
			t.Errorf("operationId %s used by %s and %s", id, prev, r)
		}
		seen[id] = r
		if s, _ := op["summary"].(string); s == "" {
			t.Errorf("%s has no summary", r)
		}
		resps, _ := op["responses"].(map[string]any)
		ok := refusesMethod(op)
		for code := range resps {
			ok = ok || strings.HasPrefix(code, "2")
		}
		if !ok {
			t.Errorf("%s documents no success response", r)
		}
	}
}

// refusesMethod reports whether an operation is registered only to refuse
// its method with a JSON error (its one documented answer is 405), as the
// token endpoints do for GET.
func refusesMethod(op map[string]any) bool {
	resps, _ := op["responses"].(map[string]any)
	_, ok := resps["405"]
	return ok && len(resps) == 1
}

// TestOpenAPIMatchesRoutes: the document lists exactly the routes the
// handlers register.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	documented := documentedRoutes(t, loadOpenAPI(t))
	registered := registeredRoutes(t)
	var missing, extra []string
	for r, pos := range registered {
		if _, ok := documented[r]; !ok {
			missing = append(missing, r.String()+" ("+pos+")")
		}
	}
	for r := range documented {
		if _, ok := registered[r]; !ok {
			extra = append(extra, r.String())
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("routes registered but missing from openapi.json:\n\t%s", strings.Join(missing, "\n\t"))
	}
	if len(extra) > 0 {
		t.Errorf("operations in openapi.json that no handler registers:\n\t%s", strings.Join(extra, "\n\t"))
	}
}

// TestOpenAPIPathParameters: every {name} in a path is declared as a path
// parameter of its operations, and no path parameter is declared that the
// path does not have.
func TestOpenAPIPathParameters(t *testing.T) {
	doc := loadOpenAPI(t)
	paths := doc["paths"].(map[string]any)
	for r, op := range documentedRoutes(t, doc) {
		item := paths[r.path].(map[string]any)
		declared := map[string]bool{}
		for _, list := range []any{item["parameters"], op["parameters"]} {
			ps, _ := list.([]any)
			for _, p := range ps {
				pm, _ := p.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					pm, _ = resolveRef(doc, ref).(map[string]any)
				}
				if pm["in"] == "path" {
					name, _ := pm["name"].(string)
					declared[name] = true
					if pm["required"] != true {
						t.Errorf("%s: path parameter %s must be required", r, name)
					}
				}
			}
		}
		inPath := map[string]bool{}
		for _, m := range pathParam.FindAllStringSubmatch(r.path, -1) {
			inPath[m[1]] = true
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", r, m[1])
			}
		}
		for name := range declared {
			if !inPath[name] {
				t.Errorf("%s: declares path parameter %s the path does not have", r, name)
			}
		}
	}
}

// resolveRef follows a local JSON pointer ("#/components/...") into doc; nil
// if it leads nowhere.
func resolveRef(doc map[string]any, ref string) any {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = doc
	for _, part := range strings.Split(rest, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

// TestOpenAPIRefsResolve: every $ref points at a component that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := loadOpenAPI(t)
	n := 0
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"]; ok {
				n++
				s, _ := ref.(string)
				if !strings.HasPrefix(s, "#/components/") || strings.Count(s, "/") != 3 || resolveRef(doc, s) == nil {
					t.Errorf("%s: $ref %q does not resolve to a component", where, ref)
				}
			}
			for k, x := range v {
				walk(where+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(where+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", doc)
	if n == 0 {
		t.Fatal("document has no $ref at all")
	}
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{"Token", "IssuedToken", "TokenType", "User", "Project", "Membership", "Application",
		"ClientCredential", "IssuedCredential", "Policy", "IPUsage", "IPBlock", "Webhook", "Delivery", "AuditEntry",
		"VerifyResult", "TokenResponse", "Introspection", "Error", "OAuthError"} {
		if _, ok := schemas[name]; !ok {
			t.Errorf("components.schemas has no %s", name)
		}
	}
}

// TestOpenAPIServed: the document is served without authentication, as is.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	want, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.srv.Client().Get(e.srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, got)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if !bytes.Equal(got, want) {
		t.Error("served document differs from openapi.json")
	}
}

// TestOpenAPIOperationsExist calls every documented operation, without
// credentials and with dummy path parameters, and checks that a handler
// answered: not the /api/ catch-all's or the mux's 404, nor a 405.
func TestOpenAPIOperationsExist(t *testing.T) {
	e := newEnv(t)
	doc := loadOpenAPI(t)
	for r, op := range documentedRoutes(t, doc) {
		target := pathParam.ReplaceAllString(r.path, "x")
		var body io.Reader
		contentType := ""
		if rb, ok := op["requestBody"].(map[string]any); ok {
			if ref, ok := rb["$ref"].(string); ok {
				rb, _ = resolveRef(doc, ref).(map[string]any)
			}
			content, _ := rb["content"].(map[string]any)
			for ct := range content {
				contentType = ct
			}
			if contentType == "application/json" {
				body = strings.NewReader("{}")
			} else {
				body = strings.NewReader("")
			}
		}
		req, err := http.NewRequest(r.method, e.srv.URL+target, body)
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case refusesMethod(op):
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%s (%s): %d, want the documented JSON 405 with Allow", r, target, resp.StatusCode)
			}
		case resp.StatusCode == http.StatusMethodNotAllowed:
			t.Errorf("%s (%s): 405, the method is not registered for this path", r, target)
		case resp.StatusCode == http.StatusNotFound && bytes.Contains(got, []byte("no such API endpoint")):
			t.Errorf("%s (%s): the /api/ catch-all answered, no handler has this route", r, target)
		case resp.StatusCode == http.StatusNotFound && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"):
			t.Errorf("%s (%s): 404 from the mux, no handler has this route: %s", r, target, got)
		}
	}
}

// schemaProps returns the properties and required names of an object
// schema, merging allOf, and whether undocumented members are allowed.
func schemaProps(doc, schema map[string]any) (props map[string]any, required []string, open bool) {
	props = map[string]any{}
	if ref, ok := schema["$ref"].(string); ok {
		schema, _ = resolveRef(doc, ref).(map[string]any)
	}
	if ap, ok := schema["additionalProperties"]; ok && ap != false {
		open = true
	}
	if p, ok := schema["properties"].(map[string]any); ok {
		for k, v := range p {
			props[k] = v
		}
	} else if _, all := schema["allOf"]; !all {
		open = true
	}
	for _, r := range asSlice(schema["required"]) {
		required = append(required, r.(string))
	}
	for _, sub := range asSlice(schema["allOf"]) {
		p, r, o := schemaProps(doc, sub.(map[string]any))
		for k, v := range p {
			props[k] = v
		}
		required = append(required, r...)
		open = open || o
	}
	return props, required, open
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "?"
}

// checkSchema reports where v does not fit schema: its type, enum, const,
// missing required members and members the schema does not document.
func checkSchema(t *testing.T, doc map[string]any, where string, schema map[string]any, v any) {
	t.Helper()
	if ref, ok := schema["$ref"].(string); ok {
		schema, _ = resolveRef(doc, ref).(map[string]any)
	}
	if typ, ok := schema["type"]; ok {
		want := asSlice(typ)
		if s, ok := typ.(string); ok {
			want = []any{s}
		}
		got := jsonType(v)
		if !slices.Contains(want, any(got)) && !(got == "integer" && slices.Contains(want, any("number"))) {
			t.Errorf("%s: %s, documented as %v", where, got, typ)
			return
		}
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
		t.Errorf("%s: %v is not one of %v", where, v, enum)
	}
	if c, ok := schema["const"]; ok && c != v {
		t.Errorf("%s: %v, documented as %v", where, v, c)
	}
	switch v := v.(type) {
	case map[string]any:
		props, required, open := schemaProps(doc, schema)
		for _, r := range required {
			if _, ok := v[r]; !ok {
				t.Errorf("%s: required member %s is missing", where, r)
			}
		}
		for k, x := range v {
			if sub, ok := props[k].(map[string]any); ok {
				checkSchema(t, doc, where+"."+k, sub, x)
			} else if !open {
				t.Errorf("%s: member %s is not documented", where, k)
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, x := range v {
				checkSchema(t, doc, where+"["+strconv.Itoa(i)+"]", items, x)
			}
		}
	}
}

// checkAnswer finds the documented response for status of the operation
// and checks the body against its JSON schema.
func checkAnswer(t *testing.T, doc map[string]any, r route, status int, contentType string, body []byte) {
	t.Helper()
	op := documentedRoutes(t, doc)[r]
	if op == nil {
		t.Errorf("%s is not documented", r)
		return
	}
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
	if !ok {
		t.Errorf("%s answered %d, which is not documented: %s", r, status, body)
		return
	}
	if ref, ok := resp["$ref"].(string); ok {
		resp, _ = resolveRef(doc, ref).(map[string]any)
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) > 0 {
			t.Errorf("%s %d: documented without a body, got %s", r, status, body)
		}
		return
	}
	mt := strings.TrimSpace(strings.Split(contentType, ";")[0])
	media, ok := content[mt].(map[string]any)
	if !ok {
		t.Errorf("%s %d: Content-Type %q is not documented", r, status, contentType)
		return
	}
	if mt != "application/json" {
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s %d: body is not JSON: %v", r, status, err)
		return
	}
	schema, _ := media["schema"].(map[string]any)
	checkSchema(t, doc, r.String()+" "+strconv.Itoa(status)+" body", schema, v)
}

// TestOpenAPIResponsesMatch calls operations as an administrator, after
// creating one object of each kind, and checks every answer's status is
// documented and its body fits the documented schema (all members present
// in the answers are documented, required ones are present, types agree).
func TestOpenAPIResponsesMatch(t *testing.T) {
	e := newOAuthEnv(t)
	doc := loadOpenAPI(t)
	check := func(method, pattern, path string, body any) response {
		t.Helper()
		res := e.admin.do(method, path, body)
		checkAnswer(t, doc, route{method, pattern}, res.status, res.header.Get("Content-Type"), res.body)
		return res
	}
	tok := check("POST", "/api/v1/tokens", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "pipeline", "description": "builds"}).json(t)
	tokID, _ := tok["id"].(string)
	check("POST", "/api/v1/projects", "/api/v1/projects", map[string]any{"name": "alpha", "description": "first"})
	check("PUT", "/api/v1/projects/{id}/members/{user}", "/api/v1/projects/alpha/members/admin", map[string]any{"role": "member"})
	check("PUT", "/api/v1/tokens/{id}/blocked-ips/{ip}", "/api/v1/tokens/"+tokID+"/blocked-ips/10.0.0.0/8", nil)
	appID, _ := check("POST", "/api/v1/applications", "/api/v1/applications", map[string]any{"name": "ci-bot", "access_types": []string{"read-only", "introspect"}}).json(t)["id"].(string)
	cred := check("POST", "/api/v1/applications/{id}/credentials", "/api/v1/applications/"+appID+"/credentials", nil).json(t)
	check("POST", "/api/v1/applications/{id}/tokens", "/api/v1/applications/"+appID+"/tokens", map[string]any{"type": "CIToken", "name": "bot"})
	hookID, _ := check("POST", "/api/v1/webhooks", "/api/v1/webhooks", map[string]any{"url": "https://example.com/h", "events": []string{"token.created"}}).json(t)["id"].(string)
	check("PATCH", "/api/v1/webhooks/{id}", "/api/v1/webhooks/"+hookID, map[string]any{"enabled": false})
	check("PATCH", "/api/v1/tokens/{id}", "/api/v1/tokens/"+tokID, map[string]any{"description": "nightly builds"})
	check("PATCH", "/api/v1/users/{id}", "/api/v1/users/admin", map[string]any{"email": "admin@example.com"})
	check("PATCH", "/api/v1/applications/{id}", "/api/v1/applications/"+appID, map[string]any{"description": "the CI"})
	check("PATCH", "/api/v1/projects/{id}", "/api/v1/projects/alpha", map[string]any{"description": "the first project"})
	check("PUT", "/api/v1/policies", "/api/v1/policies", map[string]any{"expiry_notice_days": 5})
	check("POST", "/api/v1/tokens", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "x", "unknown": 1})
	for _, c := range []struct{ pattern, path string }{
		{"/api/v1/auth/me", ""}, {"/api/v1/token-types", ""}, {"/api/v1/tokens", ""},
		{"/api/v1/tokens/{id}", "/api/v1/tokens/" + tokID}, {"/api/v1/tokens/{id}/usage", "/api/v1/tokens/" + tokID + "/usage"}, {"/api/v1/tokens/{id}/usage/daily", "/api/v1/tokens/" + tokID + "/usage/daily?days=7"}, {"/api/v1/dashboard", ""},
		{"/api/v1/tokens/{id}/blocked-ips", "/api/v1/tokens/" + tokID + "/blocked-ips"},
		{"/api/v1/users", ""}, {"/api/v1/users/{id}", "/api/v1/users/admin"}, {"/api/v1/roles", ""},
		{"/api/v1/projects", ""}, {"/api/v1/projects/{id}", "/api/v1/projects/alpha"}, {"/api/v1/projects/{id}/members", "/api/v1/projects/alpha/members"},
		{"/api/v1/policies", ""}, {"/api/v1/webhooks", ""}, {"/api/v1/audit", ""}, {"/api/v1/deliveries", ""},
		{"/api/v1/deliveries", "/api/v1/deliveries?channel=fax"},
		{"/api/v1/webhooks/{id}", "/api/v1/webhooks/" + hookID}, {"/api/v1/webhooks/{id}/deliveries", "/api/v1/webhooks/" + hookID + "/deliveries"},
		{"/api/v1/applications", ""}, {"/api/v1/applications/{id}", "/api/v1/applications/" + appID},
		{"/api/v1/applications/{id}/credentials", "/api/v1/applications/" + appID + "/credentials"},
		{"/api/v1/applications/{id}/tokens", "/api/v1/applications/" + appID + "/tokens"},
		{"/api/v1/tokens/{id}", "/api/v1/tokens/nonexistent"},
		{"/api/v1/tokens/self", ""}, {"/api/v1/auth/verify", ""},
		{"/healthz", ""}, {"/readyz", ""}, {"/metrics", ""},
		{"/.well-known/jwks.json", ""}, {"/.well-known/oauth-authorization-server", ""},
	} {
		path := c.path
		if path == "" {
			path = c.pattern
		}
		check("GET", c.pattern, path, nil)
	}
	check("DELETE", "/api/v1/projects/{id}/members/{user}", "/api/v1/projects/alpha/members/admin", nil)
	check("DELETE", "/api/v1/tokens/{id}/blocked-ips/{ip}", "/api/v1/tokens/"+tokID+"/blocked-ips/10.0.0.0/8", nil)
	// A token caller: verify, self and rotation answer with their bodies.
	bearer := e.withToken(tok["token"].(string))
	for _, c := range []struct{ method, path string }{{"GET", "/api/v1/auth/verify"}, {"GET", "/api/v1/tokens/self"}, {"POST", "/api/v1/tokens/self/rotate"}} {
		res := bearer.do(c.method, c.path, nil)
		checkAnswer(t, doc, route{c.method, c.path}, res.status, res.header.Get("Content-Type"), res.body)
	}
	// OAuth: a client_credentials token, its introspection, a bad grant.
	basic := basicAuth(cred["client_id"].(string), cred["client_secret"].(string))
	res := e.form("/oauth/token", basic, url.Values{"grant_type": {"client_credentials"}})
	checkAnswer(t, doc, route{"POST", "/oauth/token"}, res.status, res.header.Get("Content-Type"), res.body)
	access, _ := res.json(t)["access_token"].(string)
	res = e.form("/oauth/introspect", basic, url.Values{"token": {access}})
	checkAnswer(t, doc, route{"POST", "/oauth/introspect"}, res.status, res.header.Get("Content-Type"), res.body)
	res = e.form("/identity/connect/token", basic, url.Values{"grant_type": {"nonsense"}})
	checkAnswer(t, doc, route{"POST", "/identity/connect/token"}, res.status, res.header.Get("Content-Type"), res.body)
	res = e.form("/oauth/revoke", basic, url.Values{"token": {access}})
	checkAnswer(t, doc, route{"POST", "/oauth/revoke"}, res.status, res.header.Get("Content-Type"), res.body)
}
