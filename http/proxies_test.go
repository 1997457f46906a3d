package http_test

import (
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A forward-auth recipe running in a real proxy in front of a real
// tokenmint and an upstream that records what reaches it.
type proxied struct {
	e     *env
	down  *downStore
	up    *upstream
	proxy string // the proxy's address
}

// startProxy runs one recipe: start launches the proxy for the recipe
// with its placeholders replaced, listening on proxy.
type startProxy func(t *testing.T, tokenmint, upstream, proxy string)

func runRecipe(t *testing.T, start startProxy, trusted []netip.Prefix) *proxied {
	t.Helper()
	p := &proxied{up: startUpstream(t), proxy: freePort(t)}
	p.e, p.down = startProxiedTokenmint(t, trusted)
	start(t, hostPort(p.e.srv.URL), hostPort(p.up.srv.URL), p.proxy)
	return p
}

// checkForwardAuth is what every forward-auth recipe must do: let a token
// with the path's permission through with its identity (never the
// client's own X-Auth-* headers), refuse a missing token with 401 and
// tokenmint's WWW-Authenticate, a token without the path's permission
// with 403, and a revoked token at once; nothing refused reaches the
// upstream.
func checkForwardAuth(t *testing.T, p *proxied) {
	hc := clientFrom("127.0.0.1")
	ci, _, ciID := p.e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	admin, _, _ := p.e.admin.createToken(map[string]any{"type": "UserToken", "name": "admin"})
	subject := p.e.verify("Bearer "+admin, "").json(t)["subject"].(string)

	r := through(t, hc, p.proxy, "/orders/7", map[string]string{
		"Authorization": "Bearer " + ci, "X-Auth-Subject": "mallory", "X-Auth-Tenant": "evil",
		"X-Token-Expiration": "2099-01-01T00:00:00Z",
	})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "upstream saw /orders/7") {
		t.Fatalf("allowed request: %d %s", r.status, r.body)
	}
	seen, reached := p.up.last()
	if got := seen.Values("X-Auth-Subject"); !slices.Equal(got, []string{subject}) {
		t.Errorf("upstream saw X-Auth-Subject %q, want only %q", got, subject)
	}
	if got := seen.Values("X-Auth-Tenant"); !slices.Equal(got, []string{"default"}) {
		t.Errorf("upstream saw X-Auth-Tenant %q, want only default", got)
	}
	exp := p.e.verify("Bearer "+ci, "").header.Get("X-Token-Expiration")
	if got := seen.Values("X-Token-Expiration"); !slices.Equal(got, []string{exp}) {
		t.Errorf("upstream saw X-Token-Expiration %q, want only tokenmint's %q", got, exp)
	}

	r = through(t, hc, p.proxy, "/orders/7", nil)
	if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("no token: %d (WWW-Authenticate %q) %s, want 401 with a Bearer challenge", r.status, r.header.Get("WWW-Authenticate"), r.body)
	}
	r = through(t, hc, p.proxy, "/admin/users", map[string]string{"Authorization": "Bearer " + ci})
	if r.status != http.StatusForbidden {
		t.Errorf("CIToken on /admin/ (users:manage): %d %s, want 403", r.status, r.body)
	}
	if _, n := p.up.last(); n != reached {
		t.Errorf("refused requests reached the upstream (%d requests, want %d)", n, reached)
	}
	// The admin's own token holds users:manage: the 403 above came from
	// the permission the recipe names for the path, not from a broken
	// route.
	if r := through(t, hc, p.proxy, "/admin/users", map[string]string{"Authorization": "Bearer " + admin}); r.status != http.StatusOK {
		t.Errorf("admin token on /admin/: %d %s, want 200", r.status, r.body)
	}

	if r := p.e.admin.do("DELETE", "/api/v1/tokens/"+ciID, nil); r.status >= 300 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := through(t, hc, p.proxy, "/orders/7", map[string]string{"Authorization": "Bearer " + ci}); r.status != http.StatusUnauthorized {
		t.Errorf("revoked token right after revocation: %d %s, want 401", r.status, r.body)
	}
}

// checkClientIP checks the address tokenmint records for a client that
// reaches the proxy from 127.0.0.2 and sends a spoofed X-Forwarded-For:
// the proxy's own (127.0.0.1) unless tokenmint trusts it, the client's
// when it does, and never the spoofed one.
func checkClientIP(t *testing.T, start startProxy) {
	for _, c := range []struct {
		name    string
		trusted []netip.Prefix
		want    string
	}{
		{"untrusted proxy", nil, "127.0.0.1"},
		{"trusted proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "127.0.0.2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := runRecipe(t, start, c.trusted)
			tok, _, id := p.e.admin.createToken(map[string]any{"type": "CIToken", "name": "ip"})
			r := through(t, clientFrom("127.0.0.2"), p.proxy, "/orders/7", map[string]string{
				"Authorization": "Bearer " + tok, "X-Forwarded-For": "203.0.113.9",
			})
			if r.status != http.StatusOK {
				t.Fatalf("through the proxy: %d %s", r.status, r.body)
			}
			if got := p.e.usageIPs(id); !slices.Equal(got, []string{c.want}) {
				t.Errorf("tokenmint recorded the use from %v, want [%s]", got, c.want)
			}
		})
	}
}

// startNginx runs docs/recipes/nginx.conf in Debian's nginx: the recipe
// is included in a main configuration that keeps everything (pid, logs,
// temp files) in a directory of the test, in the foreground.
func startNginx(t *testing.T, tokenmint, upstream, proxy string) {
	bin := proxyBinary(t, "nginx")
	dir := proxyDir(t)
	conf := recipe(t, "nginx.conf", map[string]string{recipeTokenmint: tokenmint, recipeUpstream: upstream, recipeProxy: proxy})
	writeFile(t, filepath.Join(dir, "tokenmint.conf"), conf)
	writeFile(t, filepath.Join(dir, "nginx.conf"), strings.NewReplacer("DIR", dir).Replace(`daemon off;
worker_processes 1;
pid DIR/nginx.pid;
error_log DIR/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path DIR/client_body;
    proxy_temp_path DIR/proxy;
    fastcgi_temp_path DIR/fastcgi;
    uwsgi_temp_path DIR/uwsgi;
    scgi_temp_path DIR/scgi;
    include DIR/tokenmint.conf;
}
`))
	cmd := exec.Command(bin, "-p", dir+"/", "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	cmd.Dir = dir
	unprivileged(t, cmd, dir)
	runProxy(t, cmd, proxy)
}

// startCaddy runs docs/recipes/Caddyfile in Debian's caddy, with the
// admin endpoint off and its storage, config and home in a directory of
// the test.
func startCaddy(t *testing.T, tokenmint, upstream, proxy string) {
	bin := proxyBinary(t, "caddy")
	dir := proxyDir(t)
	site := recipe(t, "Caddyfile", map[string]string{recipeTokenmint: tokenmint, recipeUpstream: upstream, recipeProxy: proxy})
	global := strings.NewReplacer("DIR", dir).Replace("{\n\tadmin off\n\tdefault_bind 127.0.0.1\n\tstorage file_system DIR/storage\n}\n\n")
	writeFile(t, filepath.Join(dir, "Caddyfile"), global+site)
	cmd := exec.Command(bin, "run", "--config", filepath.Join(dir, "Caddyfile"), "--adapter", "caddyfile")
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "XDG_DATA_HOME=" + filepath.Join(dir, "data"), "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "PATH=/usr/bin:/bin"}
	unprivileged(t, cmd, dir)
	runProxy(t, cmd, proxy)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The nginx recipe in Debian's nginx: allow with identity, 401, 403,
// revocation at once, and X-Token-Expiration passed to the client.
func TestRecipeNginx(t *testing.T) {
	p := runRecipe(t, startNginx, nil)
	checkForwardAuth(t, p)
	tok, _, _ := p.e.admin.createToken(map[string]any{"type": "CIToken", "name": "expiry"})
	r := through(t, clientFrom("127.0.0.1"), p.proxy, "/orders/7", map[string]string{"Authorization": "Bearer " + tok})
	want := p.e.verify("Bearer "+tok, "").header.Get("X-Token-Expiration")
	if _, err := time.Parse(time.RFC3339, want); err != nil || r.header.Get("X-Token-Expiration") != want {
		t.Errorf("the client got X-Token-Expiration %q, want tokenmint's %q", r.header.Get("X-Token-Expiration"), want)
	}
}

// With tokenmint's database down, nginx answers 500 (auth_request passes
// only 401 and 403 on) and Caddy passes tokenmint's 503 on: never a 401
// that would make a client drop a good token.
func TestRecipeOutage(t *testing.T) {
	for name, c := range map[string]struct {
		start startProxy
		want  int
	}{"nginx": {startNginx, http.StatusInternalServerError}, "caddy": {startCaddy, http.StatusServiceUnavailable}} {
		t.Run(name, func(t *testing.T) {
			p := runRecipe(t, c.start, nil)
			tok, _, _ := p.e.admin.createToken(map[string]any{"type": "CIToken", "name": "outage"})
			p.down.down.Store(true)
			r := through(t, clientFrom("127.0.0.1"), p.proxy, "/orders/7", map[string]string{"Authorization": "Bearer " + tok})
			p.down.down.Store(false)
			if r.status != c.want {
				t.Errorf("database down: %d %s, want %d", r.status, r.body, c.want)
			}
			if _, n := p.up.last(); n != 0 {
				t.Errorf("the request reached the upstream while tokenmint could not check it")
			}
		})
	}
}

// Behind nginx tokenmint sees the client's address only when it trusts
// nginx (--trusted-proxies), and never an address the client made up.
func TestRecipeNginxClientIP(t *testing.T) { checkClientIP(t, startNginx) }

// The Caddy recipe in Debian's caddy: the same checks.
func TestRecipeCaddy(t *testing.T) { checkForwardAuth(t, runRecipe(t, startCaddy, nil)) }

// Behind Caddy the same holds for the client's address.
func TestRecipeCaddyClientIP(t *testing.T) { checkClientIP(t, startCaddy) }
