package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres/postgrestest"
)

// An IP block set on one instance is enforced by the other within a
// second, and so is its removal.
func TestIPBlockReachesOtherInstances(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	a := startInstance(t, url)
	b := startInstance(t, url)
	sa, sb := a.login(t), b.login(t)
	tok, id, st := sa.createToken("CIToken")
	if st != 201 {
		t.Fatalf("create on A: %d", st)
	}
	if got := verifyOn(b.srv.URL, tok); got != 200 { // B caches the token
		t.Fatalf("verify on B: %d", got)
	}
	// Test clients connect from the loopback, which is the client IP here.
	if st, body := sa.call("PUT", "/api/v1/tokens/"+id+"/blocked-ips/127.0.0.0%2F8", ""); st != 200 {
		t.Fatalf("block on A: %d %s", st, body)
	}
	refusedWithin(t, time.Second, func() bool { return verifyOn(b.srv.URL, tok) == 403 }, "block on A reaches B")
	if st, body := sb.call("DELETE", "/api/v1/tokens/"+id+"/blocked-ips/127.0.0.0/8", ""); st != 204 {
		t.Fatalf("unblock on B: %d %s", st, body)
	}
	refusedWithin(t, time.Second, func() bool { return verifyOn(a.srv.URL, tok) == 200 }, "unblock on B reaches A")
}

// Two instances on one PostgreSQL database run the lifecycle jobs at the
// same moments (one fake clock): each idle token is deactivated once, with
// one event and one audit entry.
func TestJobsRunOnceOnPostgreSQLCluster(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	clock := tokenmint.NewFakeClock(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC))
	var instances []*instance
	var apps []*app
	for range 2 {
		in := openInstance(t, url, clock, func(*serverConfig) {})
		instances, apps = append(instances, in), append(apps, in.app)
	}
	s := instances[0].login(t)
	const n = 12
	for range n {
		// A 200-day lifetime: still active when it falls idle at 30 days.
		if st, body := s.call("POST", "/api/v1/tokens", `{"type":"CIToken","name":"idle","days_to_live":200}`); st != 201 {
			t.Fatalf("create: %d %s", st, body)
		}
	}
	clock.Advance(30 * tokenmint.Day)
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := apps[i%2].svc.RunJobs(context.Background()); err != nil {
				t.Errorf("RunJobs: %v", err)
			}
		}()
	}
	wg.Wait()
	store := apps[1].store
	tn, err := store.TenantByName(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	audit, err := store.ListAudit(context.Background(), tokenmint.AuditFilter{TenantID: tn.ID, Action: "token.deactivate", Limit: 1000})
	if err != nil || len(audit) != n {
		t.Fatalf("%d deactivations audited (%v), want %d", len(audit), err, n)
	}
	toks, err := store.ListTokens(context.Background(), tokenmint.TokenFilter{TenantID: tn.ID, Status: tokenmint.StatusInactive, Now: clock.Now(), Limit: 1000})
	if err != nil || len(toks) != n {
		t.Fatalf("%d inactive tokens (%v), want %d", len(toks), err, n)
	}
}

// Two instances on one PostgreSQL database deliver the outbox together:
// every token.created event reaches the webhook exactly once, whichever
// instance wrote it and however the instances race to deliver.
func TestWebhookOutboxDeliversOnceAcrossInstances(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	var mu sync.Mutex
	seen := map[string]int{} // token ID in the payload → deliveries
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Data struct {
				Token struct {
					ID string `json:"id"`
				} `json:"token"`
			} `json:"data"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Data.Token.ID == "" {
			t.Errorf("webhook payload: %v", err)
		}
		mu.Lock()
		seen[body.Data.Token.ID]++
		mu.Unlock()
	}))
	defer hook.Close()

	clock := tokenmint.NewFakeClock(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC))
	var sessions []*session
	var apps []*app
	for range 2 {
		in := openInstance(t, url, clock, func(cfg *serverConfig) {
			cfg.WebhookAllowedNetworks = "127.0.0.1" // the receiver's address
		})
		apps = append(apps, in.app)
		sessions = append(sessions, in.login(t))
	}
	if st, body := sessions[0].call("POST", "/api/v1/webhooks", `{"url":"`+hook.URL+`/hook","events":["token.created"]}`); st != 201 {
		t.Fatalf("webhook: %d %s", st, body)
	}
	const n = 20
	var ids []string
	for i := range n {
		_, id, st := sessions[i%2].createToken("CIToken")
		if st != 201 {
			t.Fatalf("create on instance %d: %d", i%2, st)
		}
		ids = append(ids, id)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := apps[i%2].svc.DeliverPending(context.Background()); err != nil {
				t.Errorf("DeliverPending: %v", err)
			}
		}()
	}
	wg.Wait()
	// A last pass on each instance picks up anything a racing pass skipped.
	for _, a := range apps {
		if err := a.svc.DeliverPending(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("token %s: token.created delivered %d times, want 1", id, seen[id])
		}
	}
	if len(seen) != n {
		t.Errorf("%d tokens delivered, want %d", len(seen), n)
	}
}

// An instance keeps its tenant's webhooks in its cache to know whether an
// event has subscribers; a webhook created on another instance reaches
// that cache through the change feed, so events are not lost for it.
func TestWebhookCreatedElsewhereReachesTheCache(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	var mu sync.Mutex
	seen := map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Data struct {
				Token struct {
					ID string `json:"id"`
				} `json:"token"`
			} `json:"data"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		seen[body.Data.Token.ID]++
		mu.Unlock()
	}))
	defer hook.Close()
	clock := tokenmint.NewFakeClock(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC))
	var sessions []*session
	var apps []*app
	for range 2 {
		in := openInstance(t, url, clock, func(cfg *serverConfig) { cfg.WebhookAllowedNetworks = "127.0.0.1" })
		in.runBackground(t) // the change listener
		apps = append(apps, in.app)
		sessions = append(sessions, in.login(t))
	}
	// B creates a token while there is no webhook: its cache now says
	// nobody subscribes.
	if _, _, st := sessions[1].createToken("CIToken"); st != 201 {
		t.Fatalf("create on B: %d", st)
	}
	if st, body := sessions[0].call("POST", "/api/v1/webhooks", `{"url":"`+hook.URL+`/hook","events":["token.created"]}`); st != 201 {
		t.Fatalf("webhook on A: %d %s", st, body)
	}
	refusedWithin(t, time.Second, func() bool {
		_, id, st := sessions[1].createToken("CIToken")
		if st != 201 {
			t.Fatalf("create on B: %d", st)
		}
		if err := apps[1].svc.DeliverPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return seen[id] == 1
	}, "a webhook created on A receives the events of tokens created on B")
}
