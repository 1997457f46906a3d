package http_test

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// traefikDynamic is the part of Traefik's dynamic configuration the
// recipe uses.
type traefikDynamic struct {
	HTTP struct {
		Middlewares map[string]struct {
			ForwardAuth *struct {
				Address             string   `yaml:"address"`
				TrustForwardHeader  bool     `yaml:"trustForwardHeader"`
				AuthResponseHeaders []string `yaml:"authResponseHeaders"`
			} `yaml:"forwardAuth"`
		} `yaml:"middlewares"`
		Routers map[string]struct {
			EntryPoints []string `yaml:"entryPoints"`
			Rule        string   `yaml:"rule"`
			Middlewares []string `yaml:"middlewares"`
			Service     string   `yaml:"service"`
		} `yaml:"routers"`
		Services map[string]struct {
			LoadBalancer struct {
				Servers []struct {
					URL string `yaml:"url"`
				} `yaml:"servers"`
			} `yaml:"loadBalancer"`
		} `yaml:"services"`
	} `yaml:"http"`
}

// Traefik is not packaged for Debian, so docs/recipes/traefik.yml is not
// run in a real Traefik. This checks what can be checked without one: the
// file parses, every route goes through a forwardAuth middleware whose
// address is tokenmint's verify URL and whose authResponseHeaders carry
// the identity, and each address, called as Traefik calls it (the
// client's headers, GET), answers as the route means from a real
// tokenmint.
func TestRecipeTraefikFile(t *testing.T) {
	e, _ := startProxiedTokenmint(t, nil)
	b, err := os.ReadFile("../docs/recipes/traefik.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg traefikDynamic
	if err := yaml.Unmarshal([]byte(recipe(t, "traefik.yml", map[string]string{recipeTokenmint: hostPort(e.srv.URL)})), &cfg); err != nil {
		t.Fatalf("traefik.yml: %v", err)
	}
	if !regexp.MustCompile(`http://` + regexp.QuoteMeta(recipeUpstream)).Match(b) {
		t.Errorf("traefik.yml does not send requests to the upstream %s", recipeUpstream)
	}
	ci, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	admin, _, _ := e.admin.createToken(map[string]any{"type": "UserToken", "name": "admin"})
	rulePrefix := regexp.MustCompile("^PathPrefix\\(`([^`]+)`\\)$")
	want := map[string]struct{ ci, admin int }{"/admin/": {403, 200}, "/": {200, 200}}
	for name, r := range cfg.HTTP.Routers {
		m := rulePrefix.FindStringSubmatch(r.Rule)
		if m == nil {
			t.Errorf("router %s: rule %q is not a PathPrefix", name, r.Rule)
			continue
		}
		w, ok := want[m[1]]
		if !ok {
			t.Errorf("router %s: unexpected prefix %s", name, m[1])
			continue
		}
		delete(want, m[1])
		if _, ok := cfg.HTTP.Services[r.Service]; !ok {
			t.Errorf("router %s: no service %s", name, r.Service)
		}
		if len(r.Middlewares) != 1 {
			t.Fatalf("router %s: middlewares %v, want one forwardAuth", name, r.Middlewares)
		}
		fa := cfg.HTTP.Middlewares[r.Middlewares[0]].ForwardAuth
		if fa == nil {
			t.Fatalf("router %s: middleware %s is not a forwardAuth", name, r.Middlewares[0])
		}
		u, err := url.Parse(fa.Address)
		if err != nil || u.Host != hostPort(e.srv.URL) || u.Path != "/api/v1/auth/verify" {
			t.Errorf("router %s: forwardAuth address %q is not tokenmint's verify URL", name, fa.Address)
		}
		if fa.TrustForwardHeader {
			t.Errorf("router %s: trustForwardHeader believes the client's X-Forwarded-*", name)
		}
		for _, h := range []string{"X-Auth-Subject", "X-Auth-Tenant"} {
			if !slices.Contains(fa.AuthResponseHeaders, h) {
				t.Errorf("router %s: authResponseHeaders %v lack %s", name, fa.AuthResponseHeaders, h)
			}
		}
		for who, c := range map[string]struct {
			tok  string
			want int
		}{"CIToken": {ci, w.ci}, "admin UserToken": {admin, w.admin}} {
			req, _ := http.NewRequest("GET", fa.Address, nil)
			req.Header.Set("Authorization", "Bearer "+c.tok)
			res := roundTrip(t, http.DefaultClient, req)
			if res.status != c.want {
				t.Errorf("router %s with a %s: forwardAuth answers %d, want %d", name, who, res.status, c.want)
			}
			for _, h := range fa.AuthResponseHeaders {
				if res.status == 200 && h != "X-Token-Expiration" && res.header.Get(h) == "" {
					t.Errorf("router %s: tokenmint's answer has no %s to copy", name, h)
				}
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("routes missing from traefik.yml: %v", want)
	}
}
