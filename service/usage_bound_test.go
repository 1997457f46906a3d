package service_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// downStore is a store whose database is unreachable for usage writes.
type downStore struct {
	tokenmint.Store
	batches int
}

func (d *downStore) RecordUsageOnce(context.Context, string, []tokenmint.UsageRecord) error {
	d.batches++
	return errors.New("database unreachable")
}

// While flushes fail the buffer keeps what it has, keeps counting known
// pairs, and holds at most four times its flush threshold.
func TestUsageBufferIsBoundedWhenFlushesFail(t *testing.T) {
	store := &downStore{}
	b := service.NewUsageBuffer(store, slog.New(slog.NewTextHandler(io.Discard, nil)), 10)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 100; i++ {
		b.Record("ten", fmt.Sprintf("tok-%d", i), "192.0.2.1", at)
	}
	if got := b.Pending(); got != 40 {
		t.Fatalf("buffer holds %d pairs, want the bound 40", got)
	}
	if got := b.Dropped(); got != 60 {
		t.Fatalf("dropped = %d, want 60", got)
	}
	if err := b.Flush(context.Background()); err == nil || store.batches != 1 {
		t.Fatalf("flush against a dead store: %v (%d batches)", err, store.batches)
	}
	b.Record("ten", "tok-0", "192.0.2.1", at) // a known pair still counts
	b.Record("ten", "tok-new", "192.0.2.1", at)
	if b.Pending() != 40 || b.Dropped() != 61 {
		t.Errorf("after a failed flush: %d pairs, %d dropped; want 40 and 61", b.Pending(), b.Dropped())
	}
}
