package service_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres"
	"tokenmint/postgres/postgrestest"
	"tokenmint/service"
	"tokenmint/sqlite"
)

// bothStores runs f once on a fresh SQLite file and once on a fresh
// PostgreSQL database.
func bothStores(t *testing.T, f func(t *testing.T, store tokenmint.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		db, err := postgres.Open(context.Background(), postgrestest.Start(t).NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f(t, db)
	})
}

// adminService starts a service on store and returns it with the context
// of its signed-in administrator.
func adminService(t *testing.T, store tokenmint.Store, clock tokenmint.Clock) (*service.Service, context.Context) {
	t.Helper()
	svc := startService(t, testConfig(store, clock))
	ctx := context.Background()
	if _, err := svc.Bootstrap(ctx, "test-admin-password"); err != nil {
		t.Fatal(err)
	}
	ten, err := store.TenantByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.UserByUsername(ctx, ten.ID, "admin")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := svc.SessionPrincipalForUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return svc, tokenmint.NewContextWithPrincipal(ctx, p)
}

// notice is a token.expiring event as a test compares it.
type notice struct {
	token      string
	windowDays int
	daysLeft   int
}

// takeNotices returns the token.expiring events not seen yet and marks
// every pending event dispatched, so the next call sees only new ones.
func takeNotices(t *testing.T, store tokenmint.Store, now time.Time) []notice {
	t.Helper()
	ctx := context.Background()
	evs, err := store.PendingEvents(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []notice
	for _, ev := range evs {
		if _, err := store.DispatchEvent(ctx, ev.ID, nil, now); err != nil {
			t.Fatal(err)
		}
		if ev.Type != tokenmint.EventTokenExpiring {
			continue
		}
		var d tokenmint.EventData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, notice{d.Token.Name, d.WindowDays, d.DaysLeft})
	}
	return out
}

func createFor(t *testing.T, svc *service.Service, ctx context.Context, name string, days int) *tokenmint.Token {
	t.Helper()
	it, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: name, Expiry: tokenmint.ExpiryRequest{DaysToLive: &days}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return it.Token
}

// Under the default [30, 7, 1], a token is told once at each window, a
// token first seen inside several windows once (for the nearest), an
// extension arms the windows again, and a new service on the same store
// (a restart) sends nothing twice.
func TestExpiryNoticeWindows(t *testing.T) {
	bothStores(t, func(t *testing.T, store tokenmint.Store) {
		clock := tokenmint.NewFakeClock(time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC))
		svc, ctx := adminService(t, store, clock)
		pol, err := svc.GetPolicy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pol.ExpiryNoticeDays, tokenmint.NoticeDays{30, 7, 1}) {
			t.Fatalf("default expiry_notice_days = %v, want [30 7 1]", pol.ExpiryNoticeDays)
		}
		createFor(t, svc, ctx, "long", 40)
		createFor(t, svc, ctx, "short", 5)
		ext := createFor(t, svc, ctx, "extended", 10)

		run := func() []notice {
			t.Helper()
			if err := svc.RunJobs(context.Background()); err != nil {
				t.Fatalf("RunJobs: %v", err)
			}
			return takeNotices(t, store, clock.Now())
		}
		var got []notice
		got = append(got, run()...)
		// Day 0: "short" (5 days left) gets one notice, for 7 days, not
		// three; "extended" (10 days left) the 30-day one.
		want := []notice{{"short", 7, 5}, {"extended", 30, 10}}
		if !slices.Equal(got, want) {
			t.Fatalf("day 0 notices = %v, want %v", got, want)
		}
		if again := run(); len(again) != 0 {
			t.Fatalf("second run on day 0 = %v, want none", again)
		}
		got = nil
		for day := 1; day <= 3; day++ {
			clock.Advance(tokenmint.Day)
			got = append(got, run()...)
		}
		// Day 3: "extended" has 7 days left; extend it by 20 days (to day
		// 23 from now: 20 left), which arms its windows again.
		want = []notice{{"extended", 7, 7}}
		if !slices.Equal(got, want) {
			t.Fatalf("days 1-3 notices = %v, want %v", got, want)
		}
		if _, err := svc.UpdateToken(ctx, ext.ID, service.UpdateTokenInput{Expiry: &tokenmint.ExpiryRequest{DaysToLive: ptrInt(20)}}); err != nil {
			t.Fatal(err)
		}
		got = run()
		if want := []notice{{"extended", 30, 20}}; !slices.Equal(got, want) {
			t.Fatalf("after the extension = %v, want %v", got, want)
		}

		// A restart: the first service hands back the jobs' lease, a new
		// one on the same store runs the jobs and sends nothing twice.
		svc.Close(context.Background())
		svc, _ = adminService(t, store, clock)
		if again := run(); len(again) != 0 {
			t.Fatalf("after a restart = %v, want none", again)
		}

		got = nil
		for day := 4; day <= 41; day++ {
			clock.Advance(tokenmint.Day)
			got = append(got, run()...)
		}
		// "long" (created day 0, 40 days) at 30, 7 and 1 days left;
		// "short" at 1 day left (day 4); "extended" (day 23) at 7 and 1.
		want = []notice{{"short", 1, 1}, {"long", 30, 30}, {"extended", 7, 7}, {"extended", 1, 1}, {"long", 7, 7}, {"long", 1, 1}}
		if !slices.Equal(got, want) {
			t.Errorf("days 4-41 notices = %v, want %v", got, want)
		}
	})
}

// A policy with no windows sends no advance notice; the notice at expiry
// is still sent.
func TestNoAdvanceNotices(t *testing.T) {
	svc, ctx, db, clock := newService(t)
	empty := tokenmint.NoticeDays{}
	if _, err := svc.PutPolicy(ctx, service.PolicyInput{ExpiryNoticeDays: &empty}); err != nil {
		t.Fatal(err)
	}
	createFor(t, svc, ctx, "quiet", 3)
	var types []string
	for day := 0; day <= 3; day++ {
		if err := svc.RunJobs(context.Background()); err != nil {
			t.Fatal(err)
		}
		evs, err := db.PendingEvents(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			types = append(types, ev.Type)
			if _, err := db.DispatchEvent(context.Background(), ev.ID, nil, clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(tokenmint.Day)
	}
	types = slices.DeleteFunc(types, func(s string) bool { return s == tokenmint.EventTokenCreated })
	if want := []string{tokenmint.EventTokenExpired}; !slices.Equal(types, want) {
		t.Errorf("events besides token.created = %v, want %v", types, want)
	}
}
