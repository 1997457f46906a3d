package postgres_test

import (
	"context"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres/postgrestest"
)

// While the server is down every call fails with EUNAVAILABLE, which the
// http package answers with 503, and a safe message; once it is back the
// same DB works again without being reopened.
func TestOutageIsUnavailableAndRecovers(t *testing.T) {
	srv := postgrestest.New(t) // its own server: stopping it disturbs no other test
	db := mustOpenURL(t, srv.NewDatabase(t))
	ctx := t.Context()
	tenant := &tokenmint.Tenant{ID: "ten-a", Name: "acme", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := db.CreateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}

	srv.Down(t)
	for name, call := range map[string]func() error{
		"Ping":         func() error { return db.Ping(ctx) },
		"TenantByID":   func() error { _, err := db.TenantByID(ctx, "ten-a"); return err },
		"CreateTenant": func() error { return db.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten-b", Name: "globex"}) },
		"SpendUse":     func() error { _, err := db.SpendUse(ctx, "tok-1", time.Now()); return err },
		"RecordUsage": func() error {
			return db.RecordUsage(ctx, []tokenmint.UsageRecord{{TenantID: "ten-a", TokenID: "tok-1", IP: "10.0.0.1", Count: 1}})
		},
		"ListTokens": func() error { _, err := db.ListTokens(ctx, tokenmint.TokenFilter{TenantID: "ten-a"}); return err },
	} {
		err := call()
		if code := tokenmint.ErrorCode(err); code != tokenmint.EUNAVAILABLE {
			t.Errorf("%s while down: code %q (%v), want %q", name, code, err, tokenmint.EUNAVAILABLE)
		}
		if msg := tokenmint.ErrorMessage(err); msg != "database unavailable" {
			t.Errorf("%s while down: message %q", name, msg)
		}
	}

	srv.Up(t)
	got := eventually(t, func() (*tokenmint.Tenant, error) { return db.TenantByID(ctx, "ten-a") })
	if got.Name != "acme" {
		t.Fatalf("after recovery: tenant %+v", got)
	}
}

// A restart breaks every pooled connection; calls made afterwards may fail
// while the pool notices, but only as EUNAVAILABLE, and soon succeed.
func TestRestartReconnects(t *testing.T) {
	srv := postgrestest.New(t)
	db := mustOpenURL(t, srv.NewDatabase(t))
	ctx := t.Context()
	// Fill the pool with connections that the restart will break.
	for range 8 {
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}
	srv.Restart(t)
	eventually(t, func() (struct{}, error) { return struct{}{}, db.Ping(ctx) })
	if err := db.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten-a", Name: "acme"}); err != nil {
		t.Fatal(err)
	}
}

// eventually retries f for up to ten seconds and fails the test when it
// never succeeds or fails with anything but EUNAVAILABLE.
func eventually[T any](t *testing.T, f func() (T, error)) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		v, err := f()
		if err == nil {
			return v
		}
		if code := tokenmint.ErrorCode(err); code != tokenmint.EUNAVAILABLE {
			t.Fatalf("during recovery: code %q (%v), want %q", code, err, tokenmint.EUNAVAILABLE)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no recovery within 10s: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
