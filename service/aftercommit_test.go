package service_test

import (
	"context"
	"testing"

	"tokenmint"
	"tokenmint/service"
)

// cancelAfterUpdate is a store whose UpdateToken cancels the caller's
// context once the change is committed, as a client hanging up right then
// would.
type cancelAfterUpdate struct {
	tokenmint.Store
	cancel    context.CancelFunc
	cancelled bool
}

func (c *cancelAfterUpdate) UpdateToken(ctx context.Context, tok *tokenmint.Token) error {
	err := c.Store.UpdateToken(ctx, tok)
	c.cancel()
	c.cancelled = true
	return err
}

// A change committed just before the request's context is cancelled still
// gets its audit entry and its event: they record what happened.
func TestAuditAndEventSurviveACancelledRequest(t *testing.T) {
	svc, ctx, db, clock := newService(t)
	url := "https://hooks.example.com/x"
	if _, err := svc.CreateWebhook(ctx, service.WebhookInput{URL: &url, Events: []string{tokenmint.EventTokenRevoked}}); err != nil {
		t.Fatal(err)
	}
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "cut-off"})
	if err != nil {
		t.Fatal(err)
	}
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	store := &cancelAfterUpdate{Store: db, cancel: cancel}
	cut := startService(t, testConfig(store, clock))
	if err := cut.RevokeToken(reqCtx, issued.Token.ID); err != nil {
		t.Fatal(err)
	}
	if !store.cancelled {
		t.Fatal("the revocation did not go through UpdateToken; the test proves nothing")
	}
	tenant, _ := db.TenantByName(ctx, "default")
	if entries, err := db.ListAudit(ctx, tokenmint.AuditFilter{TenantID: tenant.ID, Action: "token.revoke", Limit: 10}); err != nil || len(entries) != 1 {
		t.Errorf("token.revoke audit entries = %d, %v; want 1", len(entries), err)
	}
	evs, err := db.PendingEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	revoked := 0
	for _, ev := range evs {
		if ev.Type == tokenmint.EventTokenRevoked {
			revoked++
		}
	}
	if revoked != 1 {
		t.Errorf("%d token.revoked events, want 1", revoked)
	}
}
