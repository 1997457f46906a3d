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

// countingStore counts the usage records the buffer writes.
type countingStore struct {
	tokenmint.Store
	mu      sync.Mutex
	records int
}

func (c *countingStore) RecordUsageOnce(ctx context.Context, id string, batch []tokenmint.UsageRecord) error {
	c.mu.Lock()
	c.records += len(batch)
	c.mu.Unlock()
	return c.Store.RecordUsageOnce(ctx, id, batch)
}

func (c *countingStore) written() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.records
}

// usageOf returns the stored count and last use per IP of a token.
func usageOf(t *testing.T, db *sqlite.DB, tok *tokenmint.Token) map[string]tokenmint.IPUsage {
	t.Helper()
	list, err := db.TokenUsage(context.Background(), tok.TenantID, tok.ID, tokenmint.Page{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]tokenmint.IPUsage{}
	for _, u := range list {
		out[u.IP] = u
	}
	return out
}

// A (token, IP) pair is written at the first flush after its first use;
// its later uses are counted in memory and written once the horizon since
// that write has passed, none lost; a new pair meanwhile is written at the
// next flush; Flush (graceful shutdown) writes everything held.
func TestUsagePairRewrittenOnlyAfterHorizon(t *testing.T) {
	var counter *countingStore
	svc, ctx, db, clock := newServiceWith(t, func(db *sqlite.DB) tokenmint.Store {
		counter = &countingStore{Store: db}
		return counter
	}, nil)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "h"})
	if err != nil {
		t.Fatal(err)
	}
	tok := issued.Token
	verify := func(ip string, n int) {
		t.Helper()
		for range n {
			if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, IP: ip}); err != nil {
				t.Fatal(err)
			}
		}
	}
	flushDue := func() {
		t.Helper()
		if err := svc.Usage().FlushDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	t0 := clock.Now()
	verify("192.0.2.1", 1)
	flushDue()
	if u := usageOf(t, db, tok)["192.0.2.1"]; u.Count != 1 || !u.LastUsed.Equal(t0) {
		t.Fatalf("after the first flush: %+v, want 1 use at %v", u, t0)
	}
	before := counter.written()

	// Within the horizon: uses of the written pair wait, a new pair does not.
	clock.Advance(time.Minute)
	verify("192.0.2.1", 3)
	verify("2001:db8::7", 2)
	t1 := clock.Now()
	for range 5 {
		clock.Advance(time.Minute)
		flushDue()
	}
	got := usageOf(t, db, tok)
	if got["192.0.2.1"].Count != 1 {
		t.Errorf("the written pair was rewritten within the horizon: %+v", got["192.0.2.1"])
	}
	if got["2001:db8::7"].Count != 2 {
		t.Errorf("the new pair was not written at the next flush: %+v", got["2001:db8::7"])
	}
	if n := counter.written() - before; n != 1 {
		t.Errorf("%d records written within the horizon, want 1 (the new pair)", n)
	}
	if p := svc.Usage().Pending(); p != 1 {
		t.Errorf("pending pairs = %d, want 1", p)
	}

	// Past the horizon since its write, the pair's uses are written once.
	clock.Advance(service.UsageRewriteHorizon)
	flushDue()
	flushDue()
	if u := usageOf(t, db, tok)["192.0.2.1"]; u.Count != 4 || !u.LastUsed.Equal(t1) {
		t.Errorf("after the horizon: %+v, want 4 uses, last at %v", u, t1)
	}
	if n := counter.written() - before; n != 2 {
		t.Errorf("%d records written, want 2", n)
	}

	// Uses held within a new horizon are written by Flush, none lost.
	verify("192.0.2.1", 2)
	verify("2001:db8::7", 1)
	if err := svc.Usage().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got = usageOf(t, db, tok)
	if got["192.0.2.1"].Count != 6 || got["2001:db8::7"].Count != 3 {
		t.Errorf("after Flush: %+v, want 6 and 3", got)
	}
	stored, err := db.TokenByID(ctx, tok.TenantID, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Uses != 9 || stored.LastUsedAt == nil || !stored.LastUsedAt.Equal(clock.Now()) {
		t.Errorf("token: %d uses, last %v; want 9 at %v", stored.Uses, stored.LastUsedAt, clock.Now())
	}
	if p := svc.Usage().Pending(); p != 0 {
		t.Errorf("pending pairs after Flush = %d", p)
	}
}

// A pair not used for a horizon after its write is forgotten, and its next
// use is written as a new pair's.
func TestUsageIdlePairIsForgotten(t *testing.T) {
	svc, ctx, db, clock := newService(t)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "i"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, IP: "192.0.2.9"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Usage().FlushDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := svc.Usage().Tracked(); n != 1 {
		t.Fatalf("tracked pairs = %d, want 1", n)
	}
	clock.Advance(service.UsageRewriteHorizon + time.Second)
	if err := svc.Usage().FlushDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := svc.Usage().Tracked(); n != 0 {
		t.Fatalf("an idle pair is still tracked after the horizon: %d", n)
	}
	if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, IP: "192.0.2.9"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Usage().FlushDue(ctx); err != nil {
		t.Fatal(err)
	}
	if u := usageOf(t, db, issued.Token)["192.0.2.9"]; u.Count != 2 || !u.LastUsed.Equal(clock.Now()) {
		t.Errorf("usage %+v, want 2 uses, the last at %v", u, clock.Now())
	}
}

// A graceful restart loses nothing of what waited for its horizon.
func TestUsageHeldWithinHorizonSurvivesGracefulRestart(t *testing.T) {
	svc, ctx, db, clock := newService(t)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "r"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, IP: "192.0.2.3"}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := svc.Usage().FlushDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Second)
	}
	if err := svc.Usage().FlushDue(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	db.Close()
	db2, err := sqlite.Open(filepath.Clean(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if u := usageOf(t, db2, issued.Token)["192.0.2.3"]; u.Count != 10 {
		t.Errorf("after a graceful restart: %+v, want 10 uses", u)
	}
}
