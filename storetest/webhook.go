package storetest

import (
	"bytes"
	"slices"
	"testing"

	"tokenmint"
)

// newWebhook returns an unsaved webhook fixture.
func newWebhook(tenantID, id string) *tokenmint.Webhook {
	return &tokenmint.Webhook{
		ID: id, TenantID: tenantID, URL: "https://hooks.example.com/" + id,
		Events: []string{tokenmint.EventTokenCreated, tokenmint.EventTokenRevoked}, Enabled: true,
		SealedSecret: []byte("sealed\x00secret of " + id), CreatedAt: t0, UpdatedAt: t0,
	}
}

func assertWebhook(t *testing.T, got, want *tokenmint.Webhook) {
	t.Helper()
	if got.ID != want.ID || got.TenantID != want.TenantID || got.URL != want.URL || got.Enabled != want.Enabled ||
		!slices.Equal(got.Events, want.Events) || !bytes.Equal(got.SealedSecret, want.SealedSecret) {
		t.Errorf("webhook = %+v, want %+v", *got, *want)
	}
	assertTime(t, "webhook CreatedAt", got.CreatedAt, want.CreatedAt)
	assertTime(t, "webhook UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func testWebhooks(t *testing.T, newStore storeFunc) {
	s := newStore(t)
	ctx := t.Context()
	mustTenants(t, s)
	w1 := newWebhook(tenantA, "wh-1")
	w2 := newWebhook(tenantA, "wh-2")
	w2.CreatedAt = at(day)
	w3 := newWebhook(tenantB, "wh-3")
	for _, w := range []*tokenmint.Webhook{w2, w1, w3} {
		if err := s.CreateWebhook(ctx, w); err != nil {
			t.Fatalf("CreateWebhook(%s): %v", w.ID, err)
		}
	}
	assertCode(t, s.CreateWebhook(ctx, newWebhook(tenantA, "wh-1")), tokenmint.ECONFLICT)
	assertCode(t, s.CreateWebhook(ctx, newWebhook("ten-none", "wh-9")), tokenmint.ENOTFOUND)

	assertWebhook(t, must(t, s.WebhookByID, tenantA, "wh-1"), w1)
	_, err := s.WebhookByID(ctx, tenantB, "wh-1")
	assertCode(t, err, tokenmint.ENOTFOUND)
	list, err := s.ListWebhooks(ctx, tenantA, tokenmint.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "wh-1" || list[1].ID != "wh-2" {
		t.Fatalf("ListWebhooks = %v, want wh-1, wh-2 (oldest first, tenant A only)", list)
	}

	w1.URL, w1.Events, w1.Enabled, w1.SealedSecret, w1.UpdatedAt = "https://other.example.com/x", []string{tokenmint.EventTokenLeaked}, false, []byte("resealed"), at(2*day)
	w1.CreatedAt = at(5 * day) // not saved
	if err := s.UpdateWebhook(ctx, w1); err != nil {
		t.Fatal(err)
	}
	w1.CreatedAt = t0
	assertWebhook(t, must(t, s.WebhookByID, tenantA, "wh-1"), w1)
	w3.TenantID = tenantA
	assertCode(t, s.UpdateWebhook(ctx, w3), tokenmint.ENOTFOUND)

	assertCode(t, s.DeleteWebhook(ctx, tenantB, "wh-1"), tokenmint.ENOTFOUND)
	if err := s.DeleteWebhook(ctx, tenantA, "wh-1"); err != nil {
		t.Fatal(err)
	}
	assertCode(t, s.DeleteWebhook(ctx, tenantA, "wh-1"), tokenmint.ENOTFOUND)
	_, err = s.WebhookByID(ctx, tenantA, "wh-1")
	assertCode(t, err, tokenmint.ENOTFOUND)
}
