package main

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/copydb"
	"tokenmint/postgres"
	"tokenmint/postgres/postgrestest"
	"tokenmint/sqlite"
)

// Moving to PostgreSQL keeps the lifecycle state: webhooks with their
// sealed secrets, IP blocks, sent notices (so none is sent twice), the
// outbox with its pending deliveries, and new events get fresh IDs.
func TestMigrateKeepsLifecycleState(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tokenmint.db")
	lite, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	exp := at.Add(5 * tokenmint.Day)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(lite.CreateTenant(ctx, &tokenmint.Tenant{ID: "ten-1", Name: "default", CreatedAt: at}))
	must(lite.CreateToken(ctx, &tokenmint.Token{ID: "tok-1", TenantID: "ten-1", OwnerKind: "user", OwnerID: "usr-1", Type: "CIToken",
		Name: "t", Prefix: "tmu_abc", CreatedAt: at, UpdatedAt: at, ExpiresAt: &exp, StoredStatus: tokenmint.StatusActive}, []byte("hash-1")))
	wh := &tokenmint.Webhook{ID: "wh-1", TenantID: "ten-1", URL: "https://hooks.example.com/x", Events: []string{"token.created", "token.leaked"},
		Enabled: true, SealedSecret: []byte{0, 1, 2, 250}, CreatedAt: at, UpdatedAt: at}
	must(lite.CreateWebhook(ctx, wh))
	must(lite.BlockIP(ctx, &tokenmint.IPBlock{TenantID: "ten-1", TokenID: "tok-1", Prefix: "10.0.0.0/8", CreatedAt: at}))
	ev := &tokenmint.Event{TenantID: "ten-1", Type: "token.expiring", TokenID: "tok-1", Time: at, Data: []byte(`{"token":{"id":"tok-1"}}`)}
	_, err = lite.RecordNotice(ctx, tokenmint.Notice{TenantID: "ten-1", TokenID: "tok-1", Kind: tokenmint.NoticeExpiring, ExpiresAt: exp, SentAt: at}, ev)
	must(err)
	d := &tokenmint.Delivery{TenantID: "ten-1", EventType: ev.Type, Channel: tokenmint.ChannelWebhook, WebhookID: "wh-1",
		Payload: []byte(`{"type":"token.expiring"}`), Status: tokenmint.DeliveryPending, NextAttemptAt: at.Add(time.Minute), CreatedAt: at}
	_, err = lite.DispatchEvent(ctx, ev.ID, []*tokenmint.Delivery{d}, at)
	must(err)
	must(lite.Close())

	url := postgrestest.Start(t).NewDatabase(t)
	if _, err := copydb.SQLiteToPostgres(ctx, path, url); err != nil {
		t.Fatalf("copy: %v", err)
	}
	pg, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()

	got, err := pg.WebhookByID(ctx, "ten-1", "wh-1")
	if err != nil || got.URL != wh.URL || !slices.Equal(got.Events, wh.Events) || !bytes.Equal(got.SealedSecret, wh.SealedSecret) || !got.Enabled {
		t.Errorf("webhook after migration = %+v, %v", got, err)
	}
	if blocks, err := pg.BlockedIPs(ctx, "ten-1", "tok-1"); err != nil || len(blocks) != 1 || blocks[0].Prefix != "10.0.0.0/8" {
		t.Errorf("blocks after migration = %+v, %v", blocks, err)
	}
	if toks, err := pg.ExpiringTokens(ctx, "ten-1", at, exp, tokenmint.NoticeExpiring, 0); err != nil || len(toks) != 0 {
		t.Errorf("the sent notice was lost: tokens still due %v, %v", toks, err)
	}
	due, err := pg.DueDeliveries(ctx, at.Add(time.Minute), 0)
	if err != nil || len(due) != 1 || due[0].WebhookID != "wh-1" || !bytes.Equal(due[0].Payload, d.Payload) || due[0].EventID != ev.ID {
		t.Errorf("pending delivery after migration = %+v, %v", due, err)
	}
	next := &tokenmint.Event{TenantID: "ten-1", Type: "token.revoked", TokenID: "tok-1", Time: at, Data: []byte(`{}`)}
	if err := pg.AppendEvent(ctx, next); err != nil || next.ID <= ev.ID {
		t.Errorf("new event ID %d after copied %d (%v)", next.ID, ev.ID, err)
	}
}
