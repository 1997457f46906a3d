package service_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/sqlite"
)

// batchCountingStore counts audit batches and the entries in them.
type batchCountingStore struct {
	tokenmint.Store
	batches, entries atomic.Int64
	single           atomic.Int64
}

func (s *batchCountingStore) AppendAuditBatch(ctx context.Context, es []*tokenmint.AuditEntry) error {
	s.batches.Add(1)
	s.entries.Add(int64(len(es)))
	return s.Store.AppendAuditBatch(ctx, es)
}

func (s *batchCountingStore) AppendAudit(ctx context.Context, e *tokenmint.AuditEntry) error {
	s.single.Add(1)
	return s.Store.AppendAudit(ctx, e)
}

// Concurrent actions' audit entries are committed together, every one of
// them is in the log when its action returns, and none is lost or doubled.
func TestAuditEntriesAreGroupCommitted(t *testing.T) {
	var counting *batchCountingStore
	svc, ctx, db, _ := newServiceWith(t, func(db *sqlite.DB) tokenmint.Store {
		counting = &batchCountingStore{Store: db}
		return counting
	}, nil)
	app, err := svc.CreateApplication(ctx, service.ApplicationInput{Name: "bot", AccessTypes: []string{"read-only"}})
	if err != nil {
		t.Fatal(err)
	}
	before, err := db.ListAudit(ctx, tokenmint.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	batchesBefore, entriesBefore := counting.batches.Load(), counting.entries.Load()
	const workers, each = 16, 40
	var wg sync.WaitGroup
	var missing atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				ic, err := svc.CreateClientCredential(ctx, app.ID)
				if err != nil {
					t.Error(err)
					return
				}
				// The entry is durable when the action returns.
				got, err := db.ListAudit(context.Background(), tokenmint.AuditFilter{ObjectID: ic.Credential.ID})
				if err != nil || len(got) == 0 {
					missing.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if missing.Load() != 0 {
		t.Errorf("%d actions returned before their audit entry was in the log", missing.Load())
	}
	after, err := db.ListAudit(ctx, tokenmint.AuditFilter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(after)-len(before), workers*each; got != want {
		t.Errorf("%d new audit entries, want %d (one per credential)", got, want)
	}
	batches, entries := counting.batches.Load()-batchesBefore, counting.entries.Load()-entriesBefore
	if entries != workers*each {
		t.Errorf("%d entries went through batches, want %d", entries, workers*each)
	}
	if batches >= entries {
		t.Errorf("%d batches for %d entries from %d concurrent callers: nothing was committed together", batches, entries, workers)
	}
	if n := counting.single.Load(); n != 0 {
		t.Errorf("%d entries bypassed the batcher", n)
	}
	t.Logf("%d entries in %d batches", entries, batches)
}
