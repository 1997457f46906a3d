package service_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/sqlite"
)

// bareService is a service on db that nobody has bootstrapped.
func bareService(t *testing.T, db tokenmint.Store) *service.Service {
	t.Helper()
	return startService(t, testConfig(db, tokenmint.NewFakeClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))))
}

// A first start cut short after creating the default tenant is finished
// by the next start, which creates the admin; a store with users is left
// alone.
func TestBootstrapFinishesAnInterruptedFirstStart(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The first start died after this write.
	if err := db.CreateTenant(ctx, &tokenmint.Tenant{ID: "t-default", Name: tokenmint.DefaultTenant, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	svc := bareService(t, db)
	res, err := svc.Bootstrap(ctx, "")
	if err != nil || !res.Created || res.Password == "" {
		t.Fatalf("Bootstrap after an interrupted first start = %+v, %v; want the admin created", res, err)
	}
	if _, err := svc.Login(ctx, "", "admin", res.Password); err != nil {
		t.Errorf("the admin cannot log in: %v", err)
	}
	if again, err := svc.Bootstrap(ctx, "another-password-1"); err != nil || again.Created {
		t.Errorf("second Bootstrap = %+v, %v; want nothing done", again, err)
	}
}

// Instances starting together on one empty database: exactly one creates
// the tenant and admin, the others start without error.
func TestBootstrapRaceHasOneWinner(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for range 4 {
		svc := bareService(t, db)
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := svc.Bootstrap(ctx, "race-admin-password")
			if err != nil {
				t.Errorf("Bootstrap: %v", err)
				return
			}
			if res.Created {
				mu.Lock()
				created++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if created != 1 {
		t.Errorf("%d instances created the admin, want 1", created)
	}
}
