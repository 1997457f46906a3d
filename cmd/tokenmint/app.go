package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"tokenmint"
	tmhttp "tokenmint/http"
	"tokenmint/postgres"
	"tokenmint/secret"
	"tokenmint/service"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// app is a wired server: store, service and HTTP handler.
type app struct {
	store   tokenmint.Store
	svc     *service.Service
	handler *tmhttp.Server
	metrics *tmhttp.Metrics
	// proxies and ipHeader say whose client header is believed, for every
	// listener alike.
	proxies  []netip.Prefix
	ipHeader string
	boot     *service.BootstrapResult
	// background are the loops serve runs until shutdown (e.g. the
	// cross-instance change listener).
	background []func(ctx context.Context)
}

// openApp opens the store, applies migrations, loads the token types and
// creates the default tenant and admin on first start.
func openApp(ctx context.Context, cfg *serverConfig, log *slog.Logger, clock tokenmint.Clock) (*app, error) {
	types, err := typesfile.Load(cfg.TypesFile)
	if err != nil {
		return nil, err
	}
	var aliases service.ScopeAliases // nil: the built-in set
	if cfg.ScopeAliases != "" {
		if aliases, err = service.ParseScopeAliases(cfg.ScopeAliases); err != nil {
			return nil, fmt.Errorf("scope-aliases: %w", err)
		}
	}
	if err := ensureDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	pepper, err := secret.LoadOrCreatePepper(cfg.DataDir, cfg.Pepper)
	if err != nil {
		return nil, err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	lc, err := cfg.lifecycle(log)
	if err != nil {
		store.Close()
		return nil, err
	}
	svcCfg := service.Config{
		Store: store, Types: types, Clock: clock, Hasher: secret.NewHasher(pepper), Logger: log, Lifecycle: lc,
		ScopeAliases: aliases,
	}
	if cfg.CacheTTL != "" { // empty: the service's default
		if svcCfg.CacheTTL, err = parseDuration("cache-ttl", cfg.CacheTTL); err != nil {
			store.Close()
			return nil, err
		}
	}
	oa, err := newOAuthSetup(cfg, store, clock, log)
	if err != nil {
		store.Close()
		return nil, err
	}
	svcCfg.Keys, svcCfg.Issuer, svcCfg.MasterKey = oa.keys, oa.issuer, oa.masterKey
	background := []func(context.Context){oa.loop}
	if pg, ok := store.(*postgres.DB); ok {
		if cfg.Pepper == "" {
			log.Warn("with PostgreSQL every instance must use the same pepper: set TOKENMINT_PEPPER on all of them (this one uses " + filepath.Join(cfg.DataDir, secret.PepperFile) + ")")
		}
		svcCfg.CacheTrust = service.TrustConfirmedFeed
		svcCfg.SharedRateCounts = true // rate limits hold across instances (ratesync.go)
		svcCfg.Readiness = func() error {
			if !pg.ChangesListening() {
				return service.ErrNotListening
			}
			return nil
		}
	}
	if _, ok := store.(*sqlite.DB); ok {
		// One server process owns the SQLite file, and every write to what
		// verification caches passes through its service (the operator
		// commands that open the file themselves only add tenants and
		// signing keys), so a cached entry is good until a change drops it.
		svcCfg.CacheTrust = service.TrustSoleWriter
	}
	svc := service.New(svcCfg)
	background = append(background, svc.RunBackground) // jobs, webhooks, e-mail; Close waits for them
	if pg, ok := store.(*postgres.DB); ok {
		background = append(background, listenForChanges(pg, svc, clock, log))
		background = append(background, func(ctx context.Context) { svc.RunRateSync(ctx, pg, service.DefaultRateSyncInterval) })
	}
	boot, err := svc.Bootstrap(ctx, cfg.AdminPassword)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("first start: %w", err)
	}
	if err := oa.keys.Ensure(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	proxies, err := cfg.trustedProxies()
	if err != nil {
		store.Close()
		return nil, err
	}
	ipHeader, err := cfg.clientIPHeader()
	if err != nil {
		store.Close()
		return nil, err
	}
	metrics := tmhttp.NewMetrics(nil)
	h := tmhttp.NewServer(tmhttp.Config{Service: svc, Logger: log, TrustedProxies: proxies, ClientIPHeader: ipHeader, SecureCookies: cfg.secureCookies(), Metrics: metrics})
	return &app{store: store, svc: svc, handler: h, metrics: metrics, proxies: proxies, ipHeader: ipHeader, boot: boot, background: background}, nil
}

func openStore(ctx context.Context, cfg *serverConfig) (tokenmint.Store, error) {
	switch {
	case cfg.Database == "" || strings.HasPrefix(cfg.Database, "sqlite:"):
		path := strings.TrimPrefix(cfg.Database, "sqlite:")
		if path == "" {
			path = filepath.Join(cfg.DataDir, "tokenmint.db")
		}
		return sqlite.Open(path)
	case strings.HasPrefix(cfg.Database, "postgres://") || strings.HasPrefix(cfg.Database, "postgresql://"):
		return postgres.Open(ctx, cfg.Database)
	}
	return nil, fmt.Errorf("database %q: use an empty value (SQLite in the data directory), sqlite:PATH or postgres://", redactURL(cfg.Database))
}

// redactURL hides a password in a database URL before it is printed.
func redactURL(u string) string {
	if at := strings.Index(u, "@"); at > 0 {
		if colon := strings.LastIndex(u[:at], ":"); colon > strings.Index(u, "://")+2 {
			return u[:colon+1] + "***" + u[at:]
		}
	}
	return u
}

// close flushes usage and closes the store.
func (a *app) close(ctx context.Context) error {
	ferr := a.svc.Close(ctx)
	cerr := a.store.Close()
	if ferr != nil {
		return fmt.Errorf("final usage flush: %w", ferr)
	}
	return cerr
}

// printLogin tells, once, how to sign in after the first start; base is
// the server's URL (scheme and address).
func (a *app) printLogin(w io.Writer, base string) {
	if !a.boot.Created {
		return
	}
	fmt.Fprintf(w, "\nCreated tenant %q and administrator %q.\n", tokenmint.DefaultTenant, a.boot.Username)
	if a.boot.Password != "" {
		fmt.Fprintf(w, "Generated password (shown only now): %s\n", a.boot.Password)
	} else {
		fmt.Fprintln(w, "Password: the value of TOKENMINT_ADMIN_PASSWORD.")
	}
	fmt.Fprintf(w, "Web UI: %s/ui/\n", base)
	fmt.Fprintf(w, "Log in: curl -c cookies -H 'Content-Type: application/json' -d '{\"username\":\"%s\",\"password\":\"...\"}' %s/api/v1/auth/login\n", a.boot.Username, base)
	fmt.Fprintf(w, "or with the CLI: tokenmint token get UserToken --url %s --user %s --password\n\n", base, a.boot.Username)
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log-format %q: use text or json", format)
}

func parseDuration(name, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s %q: give a positive duration such as 2s", name, v)
	}
	return d, nil
}

// openOperatorApp opens the installation for a one-shot operator command
// (init, tenant, keys rotate): logs to stderr as configured, real clock.
// The caller closes it.
func openOperatorApp(ctx context.Context, cfg *serverConfig, stderr io.Writer) (*app, error) {
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return nil, err
	}
	return openApp(ctx, cfg, log, tokenmint.SystemClock{})
}
