package service

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tokenmint"
)

// Every token ID and IP text comes back exactly as recorded, whether it
// has a compact form or is filed by digest.
func TestUsageKeyGivesBackWhatWasRecorded(t *testing.T) {
	ids := []string{"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B", "tok-1", ""}
	ips := []string{"192.0.2.1", "2001:db8::7", "::ffff:192.0.2.1", "fe80::1%eth0", "2001:0db8::1", "unknown", ""}
	for _, id := range ids {
		for _, ip := range ips {
			b := newUsageBuffer(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), tokenmint.SystemClock{}, 10, 10)
			b.Record("ten", id, ip, time.Unix(1_800_000_000, 5))
			if len(b.pairs) != 1 {
				t.Fatalf("%q %q: %d pairs", id, ip, len(b.pairs))
			}
			for k := range b.pairs {
				if got := k.tokenID(b.odd); got != id {
					t.Errorf("token %q came back as %q", id, got)
				}
				if got := k.ipText(b.odd); got != ip {
					t.Errorf("IP %q came back as %q", ip, got)
				}
			}
		}
	}
	var k usageKey
	if k = makeUsageKey(ids[0], ips[0], 1); k.kind != keyIP4 {
		t.Errorf("a UUID and an IPv4 address are not compact: kind %b", k.kind)
	}
}

// okStore acknowledges every usage batch.
type okStore struct{ tokenmint.Store }

func (okStore) RecordUsageOnce(context.Context, string, []tokenmint.UsageRecord) error { return nil }

// At its limit the buffer forgets pairs that have nothing to write rather
// than dropping the uses of new pairs.
func TestUsageBufferForgetsWrittenPairsForRoom(t *testing.T) {
	b := newUsageBuffer(okStore{}, slog.New(slog.NewTextHandler(io.Discard, nil)), tokenmint.SystemClock{}, 4, 16)
	at := time.Now()
	for i := range 16 {
		b.Record("ten", "tok-"+string(rune('a'+i)), "192.0.2.1", at)
	}
	if err := b.FlushDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b.Tracked() != 16 || b.Pending() != 0 {
		t.Fatalf("after FlushDue: tracked %d, pending %d; want 16 written pairs, none pending", b.Tracked(), b.Pending())
	}
	b.Record("ten", "tok-a", "192.0.2.1", at) // has something to write again
	b.Record("ten", "tok-new", "192.0.2.1", at)
	if b.Dropped() != 0 || b.Tracked() != 2 || b.Pending() != 2 {
		t.Errorf("dropped %d, tracked %d, pending %d; want 0, 2, 2", b.Dropped(), b.Tracked(), b.Pending())
	}
}
