package service_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// Two instances over one database run the jobs at the same moments: only
// the lease holder acts, every token changes once and every event is
// recorded once; when the holder shuts down the other takes over at once.
func TestJobsRunOnceAcrossInstances(t *testing.T) {
	svcA, ctx, db, clock := newService(t)
	cfgB := testConfig(db, clock)
	cfgB.Lifecycle.InstanceID = "instance-b"
	svcB := startService(t, cfgB)
	const n = 20
	for i := 0; i < n; i++ {
		if _, err := svcA.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "idle", Expiry: tokenmint.ExpiryRequest{DaysToLive: ptrInt(200)}}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(31 * tokenmint.Day)
	var wg sync.WaitGroup
	for _, s := range []*service.Service{svcA, svcB, svcA, svcB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.RunJobs(context.Background()); err != nil {
				t.Errorf("RunJobs: %v", err)
			}
		}()
	}
	wg.Wait()
	tenant, _ := db.TenantByName(ctx, "default")
	entries, err := db.ListAudit(ctx, tokenmint.AuditFilter{TenantID: tenant.ID, Action: "token.deactivate", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Errorf("%d deactivations audited, want %d (one per token)", len(entries), n)
	}
	evs, err := db.PendingEvents(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	deactivated := 0
	for _, e := range evs {
		if e.Type == tokenmint.EventTokenDeactivated {
			deactivated++
		}
	}
	if deactivated != n {
		t.Errorf("%d token.deactivated events, want %d", deactivated, n)
	}

	// A holds the lease (it ran first or B did; find out), the other may
	// not take it until it is handed back.
	held := func(holder string) bool {
		ok, err := db.AcquireLease(ctx, "lifecycle-jobs", holder, clock.Now(), clock.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if held("somebody-else") {
		t.Fatal("the jobs lease was free right after a run")
	}
	svcA.Close(ctx)
	svcB.Close(ctx)
	if !held("somebody-else") {
		t.Error("the lease was not handed back on Close")
	}
}

func ptrInt(n int) *int { return &n }

// The retry schedule doubles from 10 s and is capped at an hour.
func TestRetrySchedule(t *testing.T) {
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	for i, w := range want {
		if got := service.RetryDelay(i + 1); got != w {
			t.Errorf("retry after attempt %d = %v, want %v", i+1, got, w)
		}
	}
	if got := service.RetryDelay(11); got != time.Hour {
		t.Errorf("retry after attempt 11 = %v, want 1h", got)
	}
}

// The signature is HMAC-SHA256 over "<unix>.<body>" in hex.
func TestSignWebhook(t *testing.T) {
	got := service.SignWebhook("whsec_test", time.Unix(1700000000, 0), []byte(`{"a":1}`))
	// Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
	want := "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
	if got != want {
		t.Errorf("SignWebhook = %s, want %s", got, want)
	}
}
