package envoy_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"gopkg.in/yaml.v3"

	"tokenmint/envoy"
	tmhttp "tokenmint/http"
)

// Envoy is not packaged for Debian, so docs/recipes/envoy.yaml is not run
// in a real Envoy. These tests check what can be checked without one:
// the clusters and filters point at tokenmint's ports, and the checks
// each route would send get the intended answers from the real gRPC
// service and the real forward-auth endpoint.

// yamlNode walks a parsed YAML document by keys and list indexes.
func yamlNode(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("envoy.yaml: %v is not a map at %q", path, k)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("envoy.yaml: no item %d at %v", k, path)
			}
			v = l[k]
		}
	}
	return v
}

func readEnvoyRecipe(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../docs/recipes/envoy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("envoy.yaml: %v", err)
	}
	return doc
}

// byName finds the list item whose name is name.
func byName(t *testing.T, list any, name string) any {
	t.Helper()
	for _, it := range list.([]any) {
		if it.(map[string]any)["name"] == name {
			return it
		}
	}
	t.Fatalf("envoy.yaml: nothing named %s", name)
	return nil
}

// clusterPort is the port of a cluster's single endpoint.
func clusterPort(t *testing.T, doc map[string]any, name string) int {
	c := byName(t, yamlNode(t, doc, "static_resources", "clusters"), name)
	return yamlNode(t, c, "load_assignment", "endpoints", 0, "lb_endpoints", 0, "endpoint", "address", "socket_address", "port_value").(int)
}

// extAuthzFilter is a listener's ext_authz filter configuration, which
// must come before the router.
func extAuthzFilter(t *testing.T, doc map[string]any, listener string) (hcm, authz map[string]any) {
	l := byName(t, yamlNode(t, doc, "static_resources", "listeners"), listener)
	hcm = yamlNode(t, l, "filter_chains", 0, "filters", 0, "typed_config").(map[string]any)
	filters := yamlNode(t, hcm, "http_filters").([]any)
	var names []string
	for _, f := range filters {
		names = append(names, f.(map[string]any)["name"].(string))
	}
	if !slices.Equal(names, []string{"envoy.filters.http.ext_authz", "envoy.filters.http.router"}) {
		t.Fatalf("listener %s has the HTTP filters %v, want ext_authz then the router", listener, names)
	}
	authz = yamlNode(t, filters[0], "typed_config").(map[string]any)
	if authz["failure_mode_allow"] != false || authz["transport_api_version"] != "V3" {
		t.Errorf("listener %s: ext_authz must be V3 and fail closed: %v", listener, authz)
	}
	return hcm, authz
}

// The gRPC form: the filter calls the cluster on tokenmint's ext_authz
// port over HTTP/2, and each route's context extension, sent through the
// real service, allows or refuses as the route means.
func TestEnvoyRecipeGRPC(t *testing.T) {
	doc := readEnvoyRecipe(t)
	if got := clusterPort(t, doc, "tokenmint_ext_authz"); got != 9191 {
		t.Errorf("tokenmint_ext_authz cluster port %d, want 9191 (--ext-authz-listen 127.0.0.1:9191)", got)
	}
	c := byName(t, yamlNode(t, doc, "static_resources", "clusters"), "tokenmint_ext_authz")
	if yamlNode(t, c, "typed_extension_protocol_options", "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", "explicit_http_config", "http2_protocol_options") == nil {
		t.Error("tokenmint_ext_authz cluster does not speak HTTP/2, which gRPC needs")
	}
	if got := clusterPort(t, doc, "api"); got != 9000 {
		t.Errorf("api cluster port %d, want 9000", got)
	}
	hcm, authz := extAuthzFilter(t, doc, "api_grpc_authz")
	if got := yamlNode(t, authz, "grpc_service", "envoy_grpc", "cluster_name"); got != "tokenmint_ext_authz" {
		t.Errorf("gRPC ext_authz calls cluster %v, want tokenmint_ext_authz", got)
	}

	e := newEnv(t, envOptions{})
	ci, _, _ := e.createToken("CIToken", "")      // api:read, not users:manage
	admin, _, _ := e.createToken("UserToken", "") // everything the admin holds
	routes := yamlNode(t, hcm, "route_config", "virtual_hosts", 0, "routes").([]any)
	want := map[string]struct{ ci, admin codes.Code }{
		"/admin/": {codes.PermissionDenied, codes.OK},
		"/":       {codes.OK, codes.OK},
	}
	for _, r := range routes {
		prefix := yamlNode(t, r, "match", "prefix").(string)
		ext := map[string]string{}
		for k, v := range yamlNode(t, r, "typed_per_filter_config", "envoy.filters.http.ext_authz", "check_settings", "context_extensions").(map[string]any) {
			ext[k] = fmt.Sprint(v)
		}
		if _, ok := ext[envoy.DefaultPermissionKey]; !ok {
			t.Errorf("route %s sets no %s", prefix, envoy.DefaultPermissionKey)
		}
		w, ok := want[prefix]
		if !ok {
			t.Errorf("unexpected route %s", prefix)
			continue
		}
		delete(want, prefix)
		for who, tc := range map[string]struct {
			tok  string
			want codes.Code
		}{"CIToken": {ci, w.ci}, "admin UserToken": {admin, w.admin}} {
			res := e.check(check{headers: bearer(tc.tok), extensions: ext})
			if got := codes.Code(res.GetStatus().GetCode()); got != tc.want {
				t.Errorf("route %s with a %s: %v, want %v", prefix, who, got, tc.want)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("routes missing from the recipe: %v", want)
	}
}

// The HTTP form: the filter calls the cluster on tokenmint's HTTP port
// with the verify path as prefix, passes the identity upstream, and the
// URL Envoy builds (prefix + the request's path and query) gets the
// intended answer from the real forward-auth endpoint, including when a
// client adds a project or tenant of its own to the query.
func TestEnvoyRecipeHTTP(t *testing.T) {
	doc := readEnvoyRecipe(t)
	if got := clusterPort(t, doc, "tokenmint_http"); got != 8080 {
		t.Errorf("tokenmint_http cluster port %d, want 8080 (tokenmint's --listen)", got)
	}
	_, authz := extAuthzFilter(t, doc, "api_http_authz")
	svc := yamlNode(t, authz, "http_service").(map[string]any)
	if got := yamlNode(t, svc, "server_uri", "cluster"); got != "tokenmint_http" {
		t.Errorf("HTTP ext_authz calls cluster %v, want tokenmint_http", got)
	}
	prefix := yamlNode(t, svc, "path_prefix").(string)
	if !strings.HasPrefix(prefix, "/api/v1/auth/verify?") {
		t.Fatalf("path_prefix %q is not the verify endpoint", prefix)
	}
	patterns := func(path ...any) []string {
		var out []string
		for _, p := range yamlNode(t, svc, path...).([]any) {
			out = append(out, strings.ToLower(p.(map[string]any)["exact"].(string)))
		}
		return out
	}
	for _, h := range []string{"authorization", "x-forwarded-for"} {
		if !slices.Contains(patterns("authorization_request", "allowed_headers", "patterns"), h) {
			t.Errorf("the check request does not carry %s", h)
		}
	}
	for _, h := range []string{"x-auth-subject", "x-auth-tenant"} {
		if !slices.Contains(patterns("authorization_response", "allowed_upstream_headers", "patterns"), h) {
			t.Errorf("%s does not reach the upstream", h)
		}
	}

	e := newEnv(t, envOptions{})
	ci, _, _ := e.createToken("CIToken", "")
	srv := httptest.NewServer(tmhttp.NewServer(tmhttp.Config{Service: e.svc}))
	defer srv.Close()
	for _, c := range []struct {
		path, auth string
		want       int
	}{
		{"/orders/7?page=2", "Bearer " + ci, 200},
		{"/orders/7", "", 401},
		{"/orders/7?page=2&permission=users:manage", "Bearer " + ci, 403}, // a client can only add requirements
		{"/orders/7?page=2&project=web", "Bearer " + ci, 400},             // ...and cannot pick a project
		{"/orders/7?page=2&tenant=default", "Bearer " + ci, 400},
	} {
		req, _ := http.NewRequest("GET", srv.URL+prefix+c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("Envoy's check for %s: %d, want %d", c.path, resp.StatusCode, c.want)
		}
		if c.want == 200 && resp.Header.Get("X-Auth-Subject") == "" {
			t.Errorf("Envoy's check for %s: no X-Auth-Subject to pass upstream", c.path)
		}
	}
}
