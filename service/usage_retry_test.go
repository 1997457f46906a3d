package service_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// lostAckStore applies usage batches but, for the first lose of them,
// answers with an error as if the connection dropped after the commit.
type lostAckStore struct {
	tokenmint.Store
	lose int
	ids  []string
}

func (s *lostAckStore) RecordUsageOnce(ctx context.Context, id string, batch []tokenmint.UsageRecord) error {
	s.ids = append(s.ids, id)
	if err := s.Store.RecordUsageOnce(ctx, id, batch); err != nil {
		return err
	}
	if s.lose > 0 {
		s.lose--
		return errors.New("connection reset after commit")
	}
	return nil
}

// A flush whose commit succeeded but whose acknowledgement was lost is
// sent again under the same ID and not counted twice; what was recorded
// meanwhile is counted once too.
func TestUsageFlushRetriedAfterLostAcknowledgementCountsOnce(t *testing.T) {
	svc, ctx, db, _ := newService(t)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "u"})
	if err != nil {
		t.Fatal(err)
	}
	tok := issued.Token
	store := &lostAckStore{Store: db, lose: 2}
	b := service.NewUsageBuffer(store, slog.New(slog.NewTextHandler(io.Discard, nil)), 100)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	record := func(n int, ip string) {
		for range n {
			b.Record(tok.TenantID, tok.ID, ip, at)
		}
	}
	record(5, "192.0.2.1")
	if err := b.Flush(ctx); err == nil {
		t.Fatal("the first flush reported success")
	}
	record(2, "192.0.2.1")
	record(1, "192.0.2.2")
	if err := b.Flush(ctx); err == nil {
		t.Fatal("the second flush reported success")
	}
	if got := b.Pending(); got != 2 {
		t.Fatalf("buffer holds %d pairs, want 2", got)
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The failed batch went three times under one ID, before the newer
	// usage went under another.
	if ids := store.ids; len(ids) != 4 || ids[1] != ids[0] || ids[2] != ids[0] || ids[3] == ids[0] {
		t.Errorf("batch IDs sent: %v; want the failed batch three times under one ID, then a new one", ids)
	}
	usage, err := db.TokenUsage(ctx, tok.TenantID, tok.ID, tokenmint.Page{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, u := range usage {
		got[u.IP] = u.Count
	}
	if got["192.0.2.1"] != 7 || got["192.0.2.2"] != 1 {
		t.Errorf("usage recorded %v, want 192.0.2.1: 7 and 192.0.2.2: 1", got)
	}
	stored, err := db.TokenByID(ctx, tok.TenantID, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Uses != 8 {
		t.Errorf("token has %d uses, want 8", stored.Uses)
	}
}
