package service

import (
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
	l.take(now, a, b)
	if n := testing.AllocsPerRun(1000, func() { l.take(now, a, b) }); n != 0 {
		t.Fatalf("take allocates %v times per call, want 0", n)
	}
}

// Across instances, one instance accepts at most half of what it
// believes is left before a sync tells it what the others did.
func TestRateLimiterSharedBudget(t *testing.T) {
	l := newRateLimiter(true)
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	a := rateReq{key: rateKey{kind: 't', id: "tok-1"}, limit: tokenmint.RateLimit{Requests: 100, PerSeconds: 10}}
	ok := 0
	for range 200 {
		if _, _, accepted := l.take(now, a, rateReq{}); accepted {
			ok++
		}
	}
	if ok != 50 {
		t.Fatalf("accepted %d before a sync, want 50 (half of 100)", ok)
	}
}

func BenchmarkRateLimiterTake(b *testing.B) {
	l := newRateLimiter(false)
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	tok := rateReq{key: rateKey{kind: 't', id: "00000000-0000-7000-8000-000000000001"}, limit: tokenmint.RateLimit{Requests: 1_000_000, PerSeconds: 1}}
	owner := rateReq{key: rateKey{kind: 'u', id: "00000000-0000-7000-8000-000000000002"}, limit: tokenmint.RateLimit{Requests: 1_000_000, PerSeconds: 1}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.take(now.Add(time.Duration(i)*time.Microsecond), tok, owner)
	}
}
