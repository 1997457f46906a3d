package service_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// Attempts of one batch are made one after the other and may take minutes
// together. Each delivery is claimed from the clock at its own claim, so
// while it is being posted no other instance can claim it — even when the
// attempts before it took longer than the claim's lock.
func TestSlowBatchKeepsEachClaimHeld(t *testing.T) {
	svc, ctx, db, clock := newServiceWith(t, nil, func(c *service.Config) {
		c.Lifecycle.WebhookAllowedNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})

	var mu sync.Mutex
	posts := 0
	stolen := map[int64]bool{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.Header.Get("X-Tokenmint-Delivery"), 10, 64)
		mu.Lock()
		defer mu.Unlock()
		posts++
		// Another instance looks for work right now: the delivery being
		// posted must still be held.
		now := clock.Now()
		ok, err := db.ClaimDelivery(context.Background(), id, now, now.Add(2*time.Minute))
		if err != nil {
			t.Errorf("ClaimDelivery: %v", err)
		}
		stolen[id] = ok
		// Then this receiver is slow: three minutes pass, longer than a
		// claim's lock.
		clock.Advance(3 * time.Minute)
	}))
	defer hook.Close()

	url := hook.URL + "/hook"
	if _, err := svc.CreateWebhook(ctx, service.WebhookInput{URL: &url, Events: []string{tokenmint.EventTokenCreated}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"first", "second", "third"} {
		if _, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.DeliverPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if posts != 3 {
		t.Fatalf("%d posts, want 3", posts)
	}
	for id, ok := range stolen {
		if ok {
			t.Errorf("delivery %d was claimable by another instance while being posted", id)
		}
	}
	tn, _ := db.TenantByName(ctx, "default")
	ds, err := db.ListDeliveries(ctx, tokenmint.DeliveryFilter{TenantID: tn.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Status != tokenmint.DeliveryDelivered || d.Attempts != 1 {
			t.Errorf("delivery %d: %s after %d attempts; want delivered after 1", d.ID, d.Status, d.Attempts)
		}
	}
}
