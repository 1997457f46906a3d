package service_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres"
	"tokenmint/postgres/postgrestest"
	"tokenmint/service"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// networkTypes are the built-in types and one that requires networks.
const networkTypes = `types:
  - name: CIToken
    description: CI
    permissions: [api:read, results:upload, tokens:read, tokens:write]
    default_days_to_live: 30
  - name: OneShot
    description: single use
    permissions: [results:upload]
    default_days_to_live: 1
    max_uses: 1
  - name: DeployToken
    description: must be bound
    permissions: [api:read]
    default_days_to_live: 30
    require_allowed_cidrs: true
  - name: ApplicationToken
    description: app
    permissions: ["*"]
    default_days_to_live: 30
    owner_kind: application
`

// onBothStores runs f against a service on a fresh SQLite file and on a
// fresh PostgreSQL database, as a signed-in admin, with networkTypes.
func onBothStores(t *testing.T, f func(t *testing.T, svc *service.Service, ctx context.Context, clock *tokenmint.FakeClock)) {
	reg, err := typesfile.Parse("types.yaml", []byte(networkTypes))
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]func(t *testing.T) tokenmint.Store{
		"sqlite": func(t *testing.T) tokenmint.Store {
			db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
	open["postgres"] = func(t *testing.T) tokenmint.Store {
		// The shared server of this test binary; its watchdog stops it
		// when the binary ends. Databases are copies of one migrated once.
		pg := postgrestest.Start(t)
		tmpl := pg.Template(t, "tokenmint_migrated", func(url string) error {
			db, err := postgres.Open(context.Background(), url)
			if err == nil {
				db.Close()
			}
			return err
		})
		db, err := postgres.Open(context.Background(), pg.NewDatabaseFrom(t, tmpl))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			store := open[name](t)
			clock := tokenmint.NewFakeClock(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
			cfg := testConfig(store, clock)
			cfg.Types = reg
			svc := startService(t, cfg)
			ctx := context.Background()
			if _, err := svc.Bootstrap(ctx, "test-admin-password"); err != nil {
				t.Fatal(err)
			}
			tn, _ := store.TenantByName(ctx, "default")
			u, _ := store.UserByUsername(ctx, tn.ID, "admin")
			p, _, err := svc.SessionPrincipalForUser(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			f(t, svc, tokenmint.NewContextWithPrincipal(ctx, p), clock)
		})
	}
}

// deniedNetworkAudits counts the audit entries of refusals from outside a
// token's networks.
func deniedNetworkAudits(t *testing.T, svc *service.Service, ctx context.Context, tokenID string) int {
	t.Helper()
	entries, _, err := svc.ListAudit(ctx, service.AuditQuery{Action: "token.verify", Object: tokenID, Outcome: service.OutcomeDenied})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.Contains(e.Detail, "allowed networks") {
			n++
		}
	}
	return n
}

// A bound token is refused from outside its networks and with no client
// IP, before a use is spent, with an audit entry; from inside (IPv4-mapped
// form included) it works and spends its single use.
func TestBoundTokenRefusedOutsideBeforeAUseIsSpent(t *testing.T) {
	onBothStores(t, func(t *testing.T, svc *service.Service, ctx context.Context, _ *tokenmint.FakeClock) {
		issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "OneShot", Name: "job", AllowedCIDRs: []string{"192.0.2.0/24", "2001:db8::/32"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := issued.Token.AllowedCIDRs.String(); got != "192.0.2.0/24,2001:db8::/32" {
			t.Fatalf("allowed_cidrs = %q", got)
		}
		verify := func(ip string) error {
			_, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, IP: ip, Permission: "results:upload"})
			return err
		}
		for _, ip := range []string{"198.51.100.1", "", "::ffff:198.51.100.1", "2001:db9::1"} {
			if err := verify(ip); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN || tokenmint.ErrorMessage(err) != "token is not allowed from this network" {
				t.Fatalf("from %q: %v, want 403 not allowed from this network", ip, err)
			}
		}
		tok, err := svc.GetToken(ctx, issued.Token.ID)
		if err != nil || tok.Uses != 0 {
			t.Fatalf("after refusals uses = %v, %v; want 0", tok, err)
		}
		if n := deniedNetworkAudits(t, svc, ctx, issued.Token.ID); n != 4 {
			t.Fatalf("%d audit entries for the refusals, want 4 (one per IP)", n)
		}
		// A flood from one IP writes no more entries.
		for range 20 {
			_ = verify("198.51.100.1")
		}
		if n := deniedNetworkAudits(t, svc, ctx, issued.Token.ID); n != 4 {
			t.Fatalf("a flood wrote %d entries, want still 4", n)
		}
		if err := verify("::ffff:192.0.2.10"); err != nil {
			t.Fatalf("from inside (IPv4-mapped): %v", err)
		}
		if err := verify("192.0.2.10"); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
			t.Fatalf("second use of a single-use token: %v, want exhausted", err)
		}
	})
}

// Narrowing a token's networks, or binding an unbound one, refuses the
// next request from outside at once (the cache entry is dropped); an
// owner may also widen or unbind it.
func TestPatchNetworksTakesEffectAtOnce(t *testing.T) {
	onBothStores(t, func(t *testing.T, svc *service.Service, ctx context.Context, _ *tokenmint.FakeClock) {
		issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "ci"})
		if err != nil {
			t.Fatal(err)
		}
		verify := func(ip string) error {
			_, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, IP: ip})
			return err
		}
		if err := verify("192.0.2.10"); err != nil {
			t.Fatalf("unbound: %v", err)
		}
		if err := verify(""); err != nil {
			t.Fatalf("unbound, no IP: %v", err)
		}
		patch := func(cidrs ...string) (*tokenmint.Token, error) {
			return svc.UpdateToken(ctx, issued.Token.ID, service.UpdateTokenInput{AllowedCIDRs: &cidrs})
		}
		if _, err := patch("192.0.2.0/24"); err != nil {
			t.Fatal(err)
		}
		if err := verify("192.0.2.10"); err != nil {
			t.Fatalf("inside: %v", err)
		}
		tok, err := patch("192.0.2.128/25")
		if err != nil || tok.AllowedCIDRs.String() != "192.0.2.128/25" {
			t.Fatalf("narrow: %v, %v", tok, err)
		}
		if err := verify("192.0.2.10"); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
			t.Fatalf("after narrowing: %v, want 403 at once", err)
		}
		if _, err := patch("192.0.2.0/33"); tokenmint.ErrorCode(err) != tokenmint.EINVALID {
			t.Fatalf("junk: %v", err)
		}
		if tok, _ := svc.GetToken(ctx, issued.Token.ID); tok.AllowedCIDRs.String() != "192.0.2.128/25" {
			t.Fatalf("a refused PATCH changed the networks to %q", tok.AllowedCIDRs.String())
		}
		if _, err := patch(); err != nil {
			t.Fatal(err)
		}
		if err := verify("198.51.100.1"); err != nil {
			t.Fatalf("unbound again: %v", err)
		}
		entries, _, err := svc.ListAudit(ctx, service.AuditQuery{Action: "token.networks", Object: issued.Token.ID})
		if err != nil || len(entries) != 3 {
			t.Fatalf("%d token.networks audit entries (%v), want 3", len(entries), err)
		}
	})
}

// A type with require_allowed_cidrs refuses a token bound to nothing, at
// creation and when unbound later.
func TestTypeRequiresAllowedCIDRs(t *testing.T) {
	onBothStores(t, func(t *testing.T, svc *service.Service, ctx context.Context, _ *tokenmint.FakeClock) {
		_, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "DeployToken", Name: "deploy"})
		if tokenmint.ErrorCode(err) != tokenmint.EINVALID || !strings.Contains(tokenmint.ErrorMessage(err), "requires allowed_cidrs") {
			t.Fatalf("without networks: %v, want invalid, saying the type requires them", err)
		}
		issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "DeployToken", Name: "deploy", AllowedCIDRs: []string{"10.0.0.0/8"}})
		if err != nil {
			t.Fatal(err)
		}
		empty := []string{}
		if _, err := svc.UpdateToken(ctx, issued.Token.ID, service.UpdateTokenInput{AllowedCIDRs: &empty}); tokenmint.ErrorCode(err) != tokenmint.EINVALID {
			t.Fatalf("unbinding: %v, want invalid", err)
		}
	})
}

// An application's default binds its new tokens that name no networks;
// a token naming its own keeps them; a type requiring networks is
// satisfied by the default.
func TestApplicationDefaultNetworks(t *testing.T) {
	onBothStores(t, func(t *testing.T, svc *service.Service, ctx context.Context, _ *tokenmint.FakeClock) {
		app, err := svc.CreateApplication(ctx, service.ApplicationInput{Name: "ci-runner", AccessTypes: []string{"read-only"}, DefaultAllowedCIDRs: []string{"203.0.113.0/24"}})
		if err != nil {
			t.Fatal(err)
		}
		if app.DefaultAllowedCIDRs.String() != "203.0.113.0/24" {
			t.Fatalf("default = %q", app.DefaultAllowedCIDRs.String())
		}
		dflt, err := svc.CreateApplicationToken(ctx, app.ID, service.CreateTokenInput{Name: "dflt"})
		if err != nil || dflt.Token.AllowedCIDRs.String() != "203.0.113.0/24" {
			t.Fatalf("token without networks: %v, %v; want the default", dflt, err)
		}
		own, err := svc.CreateApplicationToken(ctx, app.ID, service.CreateTokenInput{Name: "own", AllowedCIDRs: []string{"198.51.100.7"}})
		if err != nil || own.Token.AllowedCIDRs.String() != "198.51.100.7/32" {
			t.Fatalf("token with its own networks: %v, %v", own, err)
		}
		if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: dflt.Plain, IP: "198.51.100.7"}); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
			t.Fatalf("default-bound token from outside: %v", err)
		}
		bad := []string{"nope"}
		if _, err := svc.UpdateApplication(ctx, app.ID, service.ApplicationUpdate{DefaultAllowedCIDRs: &bad}); tokenmint.ErrorCode(err) != tokenmint.EINVALID {
			t.Fatalf("junk default: %v", err)
		}
		none := []string{}
		if a, err := svc.UpdateApplication(ctx, app.ID, service.ApplicationUpdate{DefaultAllowedCIDRs: &none}); err != nil || a.DefaultAllowedCIDRs.Bound() {
			t.Fatalf("clearing the default: %v, %v", a, err)
		}
		open, err := svc.CreateApplicationToken(ctx, app.ID, service.CreateTokenInput{Name: "open"})
		if err != nil || open.Token.AllowedCIDRs.Bound() {
			t.Fatalf("after clearing the default: %v, %v", open, err)
		}
		// The application's existing tokens keep theirs.
		if tok, err := svc.Verify(context.Background(), service.VerifyRequest{Token: dflt.Plain, IP: "203.0.113.9"}); err != nil || tok.Token.AllowedCIDRs.String() != "203.0.113.0/24" {
			t.Fatalf("existing token after clearing the default: %v, %v", tok, err)
		}
	})
}

// A bound token creating or changing tokens cannot make one usable from
// outside its own networks: none given inherits them, a broader list is
// 403 and audited, a narrower one is kept.
func TestBoundPresenterCannotMintBroader(t *testing.T) {
	onBothStores(t, func(t *testing.T, svc *service.Service, ctx context.Context, _ *tokenmint.FakeClock) {
		presenter, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "presenter", AllowedCIDRs: []string{"10.0.0.0/8"}})
		if err != nil {
			t.Fatal(err)
		}
		pctx := service.ContextWithClientIP(context.Background(), "10.1.2.3")
		p, _, err := svc.TokenPrincipal(pctx, presenter.Plain, true)
		if err != nil {
			t.Fatal(err)
		}
		pctx = tokenmint.NewContextWithPrincipal(pctx, p)
		inherited, err := svc.CreateToken(pctx, service.CreateTokenInput{Type: "CIToken", Name: "inherited"})
		if err != nil || inherited.Token.AllowedCIDRs.String() != "10.0.0.0/8" {
			t.Fatalf("no networks given: %v, %v; want the presenter's", inherited, err)
		}
		narrow, err := svc.CreateToken(pctx, service.CreateTokenInput{Type: "CIToken", Name: "narrow", AllowedCIDRs: []string{"10.9.0.0/16"}})
		if err != nil || narrow.Token.AllowedCIDRs.String() != "10.9.0.0/16" {
			t.Fatalf("narrower: %v, %v", narrow, err)
		}
		_, err = svc.CreateToken(pctx, service.CreateTokenInput{Type: "CIToken", Name: "broad", AllowedCIDRs: []string{"10.0.0.0/8", "192.0.2.0/24"}})
		if tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
			t.Fatalf("broader: %v, want 403", err)
		}
		wide := []string{"0.0.0.0/0"}
		if _, err := svc.UpdateToken(pctx, narrow.Token.ID, service.UpdateTokenInput{AllowedCIDRs: &wide}); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
			t.Fatalf("widening by PATCH: %v, want 403", err)
		}
		none := []string{}
		if _, err := svc.UpdateToken(pctx, narrow.Token.ID, service.UpdateTokenInput{AllowedCIDRs: &none}); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
			t.Fatalf("unbinding by PATCH: %v, want 403", err)
		}
		denied, _, err := svc.ListAudit(ctx, service.AuditQuery{Outcome: service.OutcomeDenied})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range denied {
			if strings.Contains(e.Detail, "beyond the presenting credential") {
				n++
			}
		}
		if n != 3 {
			t.Fatalf("%d audited refusals beyond the presenter's networks, want 3", n)
		}
	})
}

// A token recreated like a bound one is bound to the same networks.
func TestRecreateKeepsNetworks(t *testing.T) {
	onBothStores(t, func(t *testing.T, svc *service.Service, ctx context.Context, _ *tokenmint.FakeClock) {
		src, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "src", AllowedCIDRs: []string{"192.0.2.0/24", "2001:db8::/32"}})
		if err != nil {
			t.Fatal(err)
		}
		rc, err := svc.LikeToken(ctx, src.Token.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rc.Input.AllowedCIDRs, ","); got != "192.0.2.0/24,2001:db8::/32" {
			t.Fatalf("LikeToken input networks %q", got)
		}
		copied, err := svc.RecreateToken(ctx, src.Token.ID, service.RecreateOverrides{})
		if err != nil || copied.Token.AllowedCIDRs.String() != "192.0.2.0/24,2001:db8::/32" {
			t.Fatalf("the copy: %v, %v", copied, err)
		}
	})
}
