package service_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/secret"
	"tokenmint/service"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// testConfig is the configuration every service test starts from: the
// built-in types, a fixed pepper, quiet logs and cheap password hashing.
func testConfig(store tokenmint.Store, clock tokenmint.Clock) service.Config {
	return service.Config{
		Store: store, Types: typesfile.Defaults(), Clock: clock,
		Hasher: secret.NewHasher(bytes.Repeat([]byte{1}, 32)),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), PasswordParams: &secret.TestPasswordParams,
	}
}

// startService runs a service of cfg until the test ends.
func startService(tb testing.TB, cfg service.Config) *service.Service {
	tb.Helper()
	svc := service.New(cfg)
	tb.Cleanup(func() { svc.Close(context.Background()) })
	return svc
}

// newService returns a service on a fresh SQLite file with a signed-in
// admin principal in the returned context.
func newService(tb testing.TB) (*service.Service, context.Context, *sqlite.DB, *tokenmint.FakeClock) {
	tb.Helper()
	return newServiceWith(tb, nil, nil)
}

// newServiceWith is newService over the store wrap returns for the SQLite
// file (nil: the file itself), with the changes adjust makes to the
// configuration (nil: none).
func newServiceWith(tb testing.TB, wrap func(*sqlite.DB) tokenmint.Store, adjust func(*service.Config)) (*service.Service, context.Context, *sqlite.DB, *tokenmint.FakeClock) {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "t.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	var store tokenmint.Store = db
	if wrap != nil {
		store = wrap(db)
	}
	clock := tokenmint.NewFakeClock(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	cfg := testConfig(store, clock)
	if adjust != nil {
		adjust(&cfg)
	}
	svc := startService(tb, cfg)
	ctx := context.Background()
	if _, err := svc.Bootstrap(ctx, "test-admin-password"); err != nil {
		tb.Fatal(err)
	}
	t, _ := db.TenantByName(ctx, "default")
	u, _ := db.UserByUsername(ctx, t.ID, "admin")
	p, _, err := svc.SessionPrincipalForUser(ctx, u)
	if err != nil {
		tb.Fatal(err)
	}
	return svc, tokenmint.NewContextWithPrincipal(ctx, p), db, clock
}
