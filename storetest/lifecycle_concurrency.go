package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
)

// The lifecycle jobs and the deliverer may run on several instances at
// once (a lease that ran out mid-run, or two deliverers): every store
// operation they use acts once however many callers race.
func testConcurrentLifecycle(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	mustTenants(t, s)
	mustToken(t, s, newToken(tenantA, tokID(1)))
	mustToken(t, s, newToken(tenantA, tokID(2)))
	mustToken(t, s, newToken(tenantA, tokID(3)))
	if err := s.CreateWebhook(ctx, newWebhook(tenantA, "wh-1")); err != nil {
		t.Fatal(err)
	}
	const n = 16
	count := func(name string, fn func(i int) (bool, error)) {
		t.Helper()
		var wins atomic.Int64
		race(n, func(i int) {
			ok, err := fn(i)
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if ok {
				wins.Add(1)
			}
		})
		if got := wins.Load(); got != 1 {
			t.Errorf("%s: %d of %d racers succeeded, want exactly 1", name, got, n)
		}
	}
	count("DeactivateIdleToken", func(int) (bool, error) {
		return s.DeactivateIdleToken(ctx, tenantA, tokID(1), at(day), at(31*day), lifecycleEvent(tenantA, tokenmint.EventTokenDeactivated, tokID(1), 31*day))
	})
	count("DeleteIdleToken", func(int) (bool, error) {
		return s.DeleteIdleToken(ctx, tenantA, tokID(2), at(day), lifecycleEvent(tenantA, tokenmint.EventTokenDeleted, tokID(2), 91*day))
	})
	count("RecordNotice", func(int) (bool, error) {
		n := tokenmint.Notice{TenantID: tenantA, TokenID: tokID(3), Kind: tokenmint.NoticeExpiring, ExpiresAt: at(90 * day), SentAt: at(83 * day)}
		return s.RecordNotice(ctx, n, lifecycleEvent(tenantA, tokenmint.EventTokenExpiring, tokID(3), 83*day))
	})
	evs, err := s.PendingEvents(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Fatalf("%d events after the races, want 3 (one per change)", len(evs))
	}
	count("DispatchEvent", func(int) (bool, error) {
		return s.DispatchEvent(ctx, evs[0].ID, []*tokenmint.Delivery{newDelivery(tenantA, tokenmint.ChannelWebhook, "wh-1", time.Minute)}, at(time.Minute))
	})
	ds, err := s.DueDeliveries(ctx, at(time.Minute), 0)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries after racing dispatchers = %d (%v), want 1", len(ds), err)
	}
	count("ClaimDelivery", func(int) (bool, error) {
		return s.ClaimDelivery(ctx, ds[0].ID, at(time.Minute), at(3*time.Minute))
	})
}
