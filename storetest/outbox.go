package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"tokenmint"
)

// newDelivery returns an unsaved pending delivery due at d.
func newDelivery(tenantID, channel, webhookID string, d time.Duration) *tokenmint.Delivery {
	del := &tokenmint.Delivery{
		TenantID: tenantID, EventType: tokenmint.EventTokenCreated, Channel: channel, WebhookID: webhookID,
		Payload: []byte(`{"type":"token.created"}`), Status: tokenmint.DeliveryPending, NextAttemptAt: at(d), CreatedAt: at(d),
	}
	if channel == tokenmint.ChannelEmail {
		del.Recipient, del.Payload = "owner@example.com", []byte(`{"subject":"s","text":"t"}`)
	}
	return del
}

func deliveryIDs(ds []*tokenmint.Delivery) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func testOutbox(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	mustTenants(t, s)
	if err := s.CreateWebhook(ctx, newWebhook(tenantA, "wh-1")); err != nil {
		t.Fatal(err)
	}

	// Events get increasing IDs and wait, oldest first, to be dispatched.
	var evs []*tokenmint.Event
	for i, typ := range []string{tokenmint.EventTokenCreated, tokenmint.EventTokenRevoked, tokenmint.EventTokenDeleted} {
		ev := lifecycleEvent(tenantA, typ, tokID(i+1), time.Duration(i)*time.Second)
		if err := s.AppendEvent(ctx, ev); err != nil {
			t.Fatalf("AppendEvent: %v", err)
		}
		if i > 0 && ev.ID <= evs[i-1].ID {
			t.Fatalf("event IDs %d then %d: not increasing", evs[i-1].ID, ev.ID)
		}
		evs = append(evs, ev)
	}
	pending, err := s.PendingEvents(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || pending[0].ID != evs[0].ID || pending[1].ID != evs[1].ID {
		t.Fatalf("PendingEvents(2) = %v", pending)
	}
	p0 := pending[0]
	if p0.TenantID != tenantA || p0.Type != tokenmint.EventTokenCreated || p0.TokenID != tokID(1) || !bytes.Equal(p0.Data, evs[0].Data) || p0.DispatchedAt != nil {
		t.Errorf("event read back = %+v", *p0)
	}
	assertTime(t, "event Time", p0.Time, t0)

	// Dispatching stores the deliveries once.
	hook := newDelivery(tenantA, tokenmint.ChannelWebhook, "wh-1", time.Minute)
	mail := newDelivery(tenantA, tokenmint.ChannelEmail, "", time.Minute)
	ok, err := s.DispatchEvent(ctx, evs[0].ID, []*tokenmint.Delivery{hook, mail}, at(time.Minute))
	if err != nil || !ok {
		t.Fatalf("DispatchEvent = %v, %v", ok, err)
	}
	if hook.ID == 0 || mail.ID == 0 || hook.EventID != evs[0].ID {
		t.Errorf("deliveries not given IDs: %+v %+v", hook, mail)
	}
	if ok, err := s.DispatchEvent(ctx, evs[0].ID, []*tokenmint.Delivery{newDelivery(tenantA, tokenmint.ChannelEmail, "", 0)}, at(time.Minute)); err != nil || ok {
		t.Errorf("second DispatchEvent = %v, %v; want false", ok, err)
	}
	_, err = s.DispatchEvent(ctx, 999999, nil, at(time.Minute))
	assertCode(t, err, tokenmint.ENOTFOUND)
	if ok, err := s.DispatchEvent(ctx, evs[1].ID, nil, at(time.Minute)); err != nil || !ok {
		t.Errorf("dispatching an event nobody wants = %v, %v", ok, err)
	}
	if got := pendingTypes(t, s); !slices.Equal(got, []string{"token.deleted " + tokID(3)}) {
		t.Errorf("pending after dispatch = %v", got)
	}

	// Due deliveries are claimed by one worker at a time.
	due, err := s.DueDeliveries(ctx, at(time.Minute), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(deliveryIDs(due), []int64{hook.ID, mail.ID}) {
		t.Fatalf("DueDeliveries = %v, want both", deliveryIDs(due))
	}
	if due, _ := s.DueDeliveries(ctx, at(59*time.Second), 0); len(due) != 0 {
		t.Errorf("deliveries due before their time: %v", deliveryIDs(due))
	}
	m := due[1]
	if m.Recipient != "owner@example.com" || m.Channel != tokenmint.ChannelEmail || m.WebhookID != "" || m.Attempts != 0 || !bytes.Equal(m.Payload, mail.Payload) {
		t.Errorf("mail delivery read back = %+v", *m)
	}
	if ok, err := s.ClaimDelivery(ctx, hook.ID, at(time.Minute), at(3*time.Minute)); err != nil || !ok {
		t.Fatalf("ClaimDelivery = %v, %v", ok, err)
	}
	if ok, _ := s.ClaimDelivery(ctx, hook.ID, at(time.Minute), at(3*time.Minute)); ok {
		t.Fatal("a claimed delivery was claimed again")
	}
	if due, _ := s.DueDeliveries(ctx, at(2*time.Minute), 0); !slices.Equal(deliveryIDs(due), []int64{mail.ID}) {
		t.Errorf("due while claimed = %v", deliveryIDs(due))
	}
	// The worker died: after the lock the delivery is due again.
	if ok, _ := s.ClaimDelivery(ctx, hook.ID, at(3*time.Minute), at(5*time.Minute)); !ok {
		t.Fatal("a delivery whose lock ran out could not be claimed")
	}
	hook.Attempts, hook.Status, hook.LastError, hook.LastStatus, hook.NextAttemptAt = 2, tokenmint.DeliveryPending, "receiver answered 500", 500, at(10*time.Minute)
	if ok, err := s.FinishDelivery(ctx, hook, at(5*time.Minute)); err != nil || !ok {
		t.Fatalf("FinishDelivery = %v, %v", ok, err)
	}
	ds, err := s.ListDeliveries(ctx, tokenmint.DeliveryFilter{TenantID: tenantA, WebhookID: "wh-1"})
	if err != nil || len(ds) != 1 {
		t.Fatalf("ListDeliveries(wh-1) = %v, %v", ds, err)
	}
	if d := ds[0]; d.Attempts != 2 || d.LastError != "receiver answered 500" || d.LastStatus != 500 || d.Status != tokenmint.DeliveryPending || d.EventType != tokenmint.EventTokenCreated {
		t.Errorf("after two attempts: %+v", *d)
	}
	assertTime(t, "NextAttemptAt", ds[0].NextAttemptAt, at(10*time.Minute))

	for _, d := range []*tokenmint.Delivery{hook, mail} {
		if ok, _ := s.ClaimDelivery(ctx, d.ID, at(10*time.Minute), at(12*time.Minute)); !ok {
			t.Fatalf("claim %d failed", d.ID)
		}
	}
	// Nothing is purged while a delivery of the event is pending.
	hook.Status, hook.DeliveredAt, hook.LastError, hook.LastStatus = tokenmint.DeliveryDelivered, ptr(at(10*time.Minute)), "", 204
	if ok, err := s.FinishDelivery(ctx, hook, at(12*time.Minute)); err != nil || !ok {
		t.Fatalf("FinishDelivery = %v, %v", ok, err)
	}
	if n, err := s.PurgeOutbox(ctx, at(day)); err != nil || n != 1 { // only the event without deliveries
		t.Errorf("PurgeOutbox with a pending delivery = %d, %v; want 1", n, err)
	}
	mail.Status, mail.NextAttemptAt, mail.LastError = tokenmint.DeliveryFailed, at(10*time.Minute), "gave up"
	if ok, err := s.FinishDelivery(ctx, mail, at(12*time.Minute)); err != nil || !ok {
		t.Fatalf("FinishDelivery = %v, %v", ok, err)
	}
	all, _ := s.ListDeliveries(ctx, tokenmint.DeliveryFilter{TenantID: tenantA})
	if !slices.Equal(deliveryIDs(all), []int64{mail.ID, hook.ID}) || all[1].DeliveredAt == nil {
		t.Errorf("ListDeliveries = %v, want newest first with delivered_at", all)
	}
	for _, c := range []struct {
		f    tokenmint.DeliveryFilter
		want []int64
	}{
		{tokenmint.DeliveryFilter{TenantID: tenantA, Channel: tokenmint.ChannelEmail}, []int64{mail.ID}},
		{tokenmint.DeliveryFilter{TenantID: tenantA, Channel: tokenmint.ChannelWebhook}, []int64{hook.ID}},
		{tokenmint.DeliveryFilter{TenantID: tenantA, Status: tokenmint.DeliveryFailed}, []int64{mail.ID}},
		{tokenmint.DeliveryFilter{TenantID: tenantA, Channel: tokenmint.ChannelEmail, Status: tokenmint.DeliveryDelivered}, nil},
	} {
		if got, err := s.ListDeliveries(ctx, c.f); err != nil || !slices.Equal(deliveryIDs(got), c.want) {
			t.Errorf("ListDeliveries(%+v) = %v, %v; want %v", c.f, deliveryIDs(got), err, c.want)
		}
	}
	if page, _ := s.ListDeliveries(ctx, tokenmint.DeliveryFilter{TenantID: tenantA, BeforeID: mail.ID, Limit: 5}); !slices.Equal(deliveryIDs(page), []int64{hook.ID}) {
		t.Errorf("ListDeliveries before %d = %v", mail.ID, deliveryIDs(page))
	}
	if other, _ := s.ListDeliveries(ctx, tokenmint.DeliveryFilter{TenantID: tenantB}); len(other) != 0 {
		t.Errorf("tenant B sees deliveries: %v", other)
	}
	if n, err := s.PurgeOutbox(ctx, at(30*time.Second)); err != nil || n != 0 {
		t.Errorf("PurgeOutbox before the dispatch time = %d, %v", n, err)
	}
	if n, err := s.PurgeOutbox(ctx, at(day)); err != nil || n != 1 {
		t.Errorf("PurgeOutbox = %d, %v; want the finished event", n, err)
	}
	if all, _ := s.ListDeliveries(ctx, tokenmint.DeliveryFilter{TenantID: tenantA}); len(all) != 0 {
		t.Errorf("deliveries left after the purge: %v", deliveryIDs(all))
	}
	if got := pendingTypes(t, s); len(got) != 1 {
		t.Errorf("the purge touched an undispatched event: %v", got)
	}

	// Deleting a webhook deletes its deliveries.
	ev := lifecycleEvent(tenantA, tokenmint.EventTokenCreated, tokID(1), time.Hour)
	if err := s.AppendEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DispatchEvent(ctx, ev.ID, []*tokenmint.Delivery{newDelivery(tenantA, tokenmint.ChannelWebhook, "wh-1", time.Hour)}, at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteWebhook(ctx, tenantA, "wh-1"); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.ListDeliveries(ctx, tokenmint.DeliveryFilter{TenantID: tenantA}); len(all) != 0 {
		t.Errorf("deliveries of a deleted webhook remain: %v", deliveryIDs(all))
	}
}

// A worker whose attempt outlasted its claim finishes too late: another
// worker claimed the delivery once the lock ran out, and the first one's
// outcome must not overwrite the second one's.
func testOutboxClaimFence(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	mustTenants(t, s)
	if err := s.CreateWebhook(ctx, newWebhook(tenantA, "wh-1")); err != nil {
		t.Fatal(err)
	}
	ev := lifecycleEvent(tenantA, tokenmint.EventTokenCreated, tokID(1), 0)
	if err := s.AppendEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	d := newDelivery(tenantA, tokenmint.ChannelWebhook, "wh-1", time.Minute)
	gone := newDelivery(tenantA, tokenmint.ChannelEmail, "", time.Minute)
	if ok, err := s.DispatchEvent(ctx, ev.ID, []*tokenmint.Delivery{d, gone}, at(time.Minute)); err != nil || !ok {
		t.Fatalf("DispatchEvent = %v, %v", ok, err)
	}
	read := func() *tokenmint.Delivery {
		t.Helper()
		all, err := s.ListDeliveries(ctx, tokenmint.DeliveryFilter{TenantID: tenantA, WebhookID: "wh-1"})
		if err != nil || len(all) != 1 {
			t.Fatalf("ListDeliveries = %v, %v", all, err)
		}
		return all[0]
	}

	// Worker A claims until 3m and is slow; worker B claims at 3m until 5m.
	if ok, err := s.ClaimDelivery(ctx, d.ID, at(time.Minute), at(3*time.Minute)); err != nil || !ok {
		t.Fatalf("claim by A = %v, %v", ok, err)
	}
	if ok, err := s.ClaimDelivery(ctx, d.ID, at(3*time.Minute), at(5*time.Minute)); err != nil || !ok {
		t.Fatalf("claim by B after A's lock ran out = %v, %v", ok, err)
	}
	// A finishes late, as delivered: refused, and nothing changes — the
	// delivery stays B's, not due before B's lock ends.
	a := *d
	a.Attempts, a.Status, a.DeliveredAt, a.LastStatus, a.NextAttemptAt = 1, tokenmint.DeliveryDelivered, ptr(at(4*time.Minute)), 204, at(4*time.Minute)
	if ok, err := s.FinishDelivery(ctx, &a, at(3*time.Minute)); err != nil || ok {
		t.Fatalf("FinishDelivery under a lost claim = %v, %v; want false", ok, err)
	}
	if got := read(); got.Status != tokenmint.DeliveryPending || got.DeliveredAt != nil || got.LastStatus != 0 || got.Attempts != 2 {
		t.Errorf("after the refused finish: %+v; want pending, B's claim untouched", *got)
	}
	assertTime(t, "NextAttemptAt after the refused finish", read().NextAttemptAt, at(5*time.Minute))
	if due, _ := s.DueDeliveries(ctx, at(4*time.Minute), 0); slices.Contains(deliveryIDs(due), d.ID) {
		t.Errorf("delivery %d due during B's claim after A's late finish", d.ID)
	}

	// B finishes within its claim: saved.
	b := *d
	b.Attempts, b.Status, b.LastError, b.LastStatus, b.NextAttemptAt = 2, tokenmint.DeliveryPending, "receiver answered 503", 503, at(10*time.Minute)
	if ok, err := s.FinishDelivery(ctx, &b, at(5*time.Minute)); err != nil || !ok {
		t.Fatalf("FinishDelivery by B = %v, %v; want true", ok, err)
	}
	// Finishing the same claim twice, or A again, changes nothing more.
	if ok, err := s.FinishDelivery(ctx, &a, at(5*time.Minute)); err != nil || ok {
		t.Errorf("second finish of B's claim = %v, %v; want false", ok, err)
	}
	if ok, err := s.FinishDelivery(ctx, &a, at(3*time.Minute)); err != nil || ok {
		t.Errorf("A's finish after B's = %v, %v; want false", ok, err)
	}
	got := read()
	if got.Status != tokenmint.DeliveryPending || got.LastStatus != 503 || got.LastError != "receiver answered 503" || got.DeliveredAt != nil {
		t.Errorf("after B's finish: %+v; want B's outcome", *got)
	}
	assertTime(t, "NextAttemptAt after B's finish", got.NextAttemptAt, at(10*time.Minute))

	// A claim that ran out with nobody taking over still finishes.
	if ok, err := s.ClaimDelivery(ctx, gone.ID, at(time.Minute), at(3*time.Minute)); err != nil || !ok {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	late := *gone
	late.Status, late.NextAttemptAt, late.LastError = tokenmint.DeliveryFailed, at(time.Hour), "gave up"
	if ok, err := s.FinishDelivery(ctx, &late, at(3*time.Minute)); err != nil || !ok {
		t.Errorf("finish of a run-out claim nobody took = %v, %v; want true", ok, err)
	}
	// An unknown delivery: nothing to finish, not an error.
	late.ID = 999999
	if ok, err := s.FinishDelivery(ctx, &late, at(3*time.Minute)); err != nil || ok {
		t.Errorf("FinishDelivery of an unknown delivery = %v, %v; want false, nil", ok, err)
	}
}
