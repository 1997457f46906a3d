package service

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tokenmint"
)

// The counter step of a rate-limited verification allocates nothing once
// its counters exist.
func TestRateLimiterTakeAllocatesNothing(t *testing.T) {
	l := newRateLimiter(false)
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	a := rateReq{key: rateKey{kind: 't', id: "tok-1"}, limit: tokenmint.RateLimit{Requests: 1_000_000, PerSeconds: 60}}
	b := rateReq{key: rateKey{kind: 'u', id: "user-1"}, limit: tokenmint.RateLimit{Requests: 1_000_000, PerSeconds: 60}}
	l.take(now, "user-1", a, b)
	if n := testing.AllocsPerRun(1000, func() { l.take(now, "user-1", a, b) }); n != 0 {
		t.Fatalf("take allocates %v times per call, want 0", n)
	}
}

// fakeCounts is a shared count store in memory.
type fakeCounts map[string]int64

func (f fakeCounts) AddRateCounts(_ context.Context, counts []tokenmint.RateCount) ([]int64, error) {
	out := make([]int64, len(counts))
	for i, c := range counts {
		k := c.Key + "@" + c.Window.String()
		f[k] += c.Delta
		out[i] = f[k]
	}
	return out, nil
}

func (f fakeCounts) PruneRateCounts(context.Context, time.Time) error { return nil }

// Across instances, a fresh counter accepts a tenth of the limit until a
// sync has told it what the others counted; then at most half of what is left
// until the next sync, a quarter when others counted meanwhile.
func TestRateLimiterSharedBudget(t *testing.T) {
	l := newRateLimiter(true)
	store := fakeCounts{}
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	a := rateReq{key: rateKey{kind: 't', id: "tok-1"}, limit: tokenmint.RateLimit{Requests: 100, PerSeconds: 10}}
	burst := func() (ok int) {
		for range 200 {
			if _, wait, accepted := l.take(now, "user-1", a, rateReq{}); accepted {
				ok++
			} else if wait <= 0 {
				t.Fatal("refused without a wait")
			}
		}
		return ok
	}
	if got := burst(); got != 10 {
		t.Fatalf("fresh counter: %d accepted before a sync, want 10 (a tenth of the limit)", got)
	}
	// Another instance counted 30 meanwhile.
	store["t:tok-1:10@"+now.String()] = 30
	l.sync(context.Background(), store, now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if got := burst(); got != 15 {
		t.Fatalf("after a sync showing 40 counted, 39 by others: %d accepted, want 15 (a quarter of the 60 left)", got)
	}
	l.sync(context.Background(), store, now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if got := burst(); got != 23 {
		t.Fatalf("after a sync showing no one else counted: %d accepted, want 23 (half of the 45 left)", got)
	}
}

func BenchmarkRateLimiterTake(b *testing.B) {
	l := newRateLimiter(false)
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	tok := rateReq{key: rateKey{kind: 't', id: "00000000-0000-7000-8000-000000000001"}, limit: tokenmint.RateLimit{Requests: 1_000_000, PerSeconds: 1}}
	owner := rateReq{key: rateKey{kind: 'u', id: "00000000-0000-7000-8000-000000000002"}, limit: tokenmint.RateLimit{Requests: 1_000_000, PerSeconds: 1}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.take(now.Add(time.Duration(i)*time.Microsecond), owner.key.id, tok, owner)
	}
}
