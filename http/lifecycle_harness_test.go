package http_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"tokenmint"
	tmhttp "tokenmint/http"
	"tokenmint/secret"
	"tokenmint/service"
	"tokenmint/smtp"
	"tokenmint/smtp/smtptest"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// smtpPassword is the mailer's SMTP password; it must never be logged.
const smtpPassword = "smtp-password-3f9a"

// lcOptions configure a lifecycle test server.
type lcOptions struct {
	// mail starts a real SMTP server and sends notices to it.
	mail bool
	// logs receives the server's debug logs.
	logs io.Writer
	// webhookNetworks replaces the internal networks webhooks may reach
	// (default: the loopback, where the tests' receivers listen).
	webhookNetworks []netip.Prefix
	// configure changes the service's configuration before it starts
	// (the approval types of token requests, say).
	configure func(*service.Config)
}

// lcEnv is a tokenmint server like env, behind a trusted proxy (loopback),
// with background work driven by hand: tests move the fake clock and call
// RunJobs and DeliverPending. restart stops it gracefully and starts a new
// one on the same SQLite file, as a process restart would.
type lcEnv struct {
	*env
	opts lcOptions
	smtp *smtptest.Server
	n    int // instances started
}

func newLCEnv(t *testing.T, opts lcOptions) *lcEnv {
	t.Helper()
	if opts.logs == nil {
		opts.logs = io.Discard
	}
	e := &lcEnv{
		env:  &env{t: t, dbPath: filepath.Join(t.TempDir(), "tokenmint.db"), clock: tokenmint.NewFakeClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))},
		opts: opts,
	}
	if opts.mail {
		e.smtp = smtptest.Start(t, smtptest.Options{Users: map[string]string{"mailer": smtpPassword}})
	}
	e.start()
	t.Cleanup(e.stop)
	e.admin = e.login("admin", adminPassword)
	return e
}

// start opens the database file and serves it with a new Service.
func (e *lcEnv) start() {
	t := e.t
	t.Helper()
	db, err := sqlite.Open(e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(e.opts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.n++
	lc := service.LifecycleConfig{InstanceID: "instance-" + string(rune('0'+e.n)), WebhookAllowedNetworks: loopbackNetworks}
	if e.opts.webhookNetworks != nil {
		lc.WebhookAllowedNetworks = e.opts.webhookNetworks
	}
	if e.smtp != nil {
		m, err := smtp.New(smtp.Config{Host: e.smtp.Host, Port: e.smtp.Port, From: "tokenmint@example.com", Security: smtp.SecurityNone,
			Username: "mailer", Password: smtpPassword, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		lc.Mailer = m
	}
	e.db = db
	e.store = &countingStore{Store: db}
	cfg := service.Config{
		Store: e.store, Types: typesfile.Defaults(), Clock: e.clock,
		Hasher: secret.NewHasher(bytes.Repeat([]byte{7}, 32)), Logger: log,
		PasswordParams: &secret.TestPasswordParams, Lifecycle: lc,
		// Sessions outlive the months the tests move the clock through.
		SessionTTL: 400 * tokenmint.Day,
	}
	if e.opts.configure != nil {
		e.opts.configure(&cfg)
	}
	e.svc = service.New(cfg)
	if _, err := e.svc.Bootstrap(context.Background(), adminPassword); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(tmhttp.NewServer(tmhttp.Config{Service: e.svc, Logger: log, TrustedProxies: loopbackNetworks}))
}

// stop shuts down like serve does: no more requests, then the service's
// Close (which flushes usage), then the database.
func (e *lcEnv) stop() {
	if e.srv == nil {
		return
	}
	e.srv.Close()
	if err := e.svc.Close(context.Background()); err != nil {
		e.t.Errorf("service close: %v", err)
	}
	if err := e.db.Close(); err != nil {
		e.t.Errorf("db close: %v", err)
	}
	e.srv = nil
}

// restart is a graceful restart on the same database file. Sessions live
// in the database, so logged-in clients keep working.
func (e *lcEnv) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

// runJobs runs the lifecycle jobs and delivers what they produced.
func (e *lcEnv) runJobs() {
	e.t.Helper()
	ctx := context.Background()
	if err := e.svc.RunJobs(ctx); err != nil {
		e.t.Fatalf("RunJobs: %v", err)
	}
	e.deliver()
}

func (e *lcEnv) deliver() {
	e.t.Helper()
	if err := e.svc.DeliverPending(context.Background()); err != nil {
		e.t.Fatalf("DeliverPending: %v", err)
	}
}

func (e *lcEnv) flushUsage() {
	e.t.Helper()
	if err := e.svc.Usage().Flush(context.Background()); err != nil {
		e.t.Fatalf("flush usage: %v", err)
	}
}

// verifyFrom calls the forward-auth endpoint as a proxy would for a client
// at ip.
func (e *lcEnv) verifyFrom(token, ip string) response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/auth/verify", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	return roundTrip(e.t, http.DefaultClient, req)
}

// userWithEmail creates a member with an e-mail address and logs in.
func (e *lcEnv) userWithEmail(name string) (*client, string) {
	e.t.Helper()
	r := e.admin.do("POST", "/api/v1/users", map[string]any{"username": name, "email": name + "@example.com", "password": name + "-password", "roles": []string{"member"}})
	if r.status != http.StatusCreated {
		e.t.Fatalf("create user %s: %d %s", name, r.status, r.body)
	}
	return e.login(name, name+"-password"), r.json(e.t)["id"].(string)
}

// expect fails unless r has the status.
func expect(t *testing.T, r response, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
	}
}
