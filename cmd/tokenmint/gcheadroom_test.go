package main

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercentForKeepsTheHeadroom(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, headroom uint64
		base, want     int
	}{
		{8 * mib, 64 * mib, 100, 800},                  // small heap: goal 8 + 64 MiB
		{64 * mib, 64 * mib, 100, 100},                 // the headroom reached: Go's own pacing
		{200 * mib, 64 * mib, 100, 100},                // between the bounds: untouched
		{900 * mib, 64 * mib, 100, 28},                 // a million cached tokens: 256 MiB of growth
		{8 * mib, 64 * mib, 1000, 1000},                // a larger GOGC: 80 MiB, within the bounds
		{8 * mib, 64 * mib, 10000, 3200},               // larger still: bounded by 4 x 64 MiB
		{0, 64 * mib, 100, maxGCPercent},               // nothing live yet: bounded
		{1 << 40, 64 * mib, 100, 1},                    // a huge heap: GOGC never 0
		{1, maxGCHeadroomMiB * mib, 100, maxGCPercent}, // no overflow at the largest setting
	} {
		if got := gcPercentFor(c.live, c.headroom, c.base); got != c.want {
			t.Errorf("gcPercentFor(live %d, headroom %d, base %d) = %d, want %d", c.live, c.headroom, c.base, got, c.want)
		}
	}
}

func TestParseGCHeadroom(t *testing.T) {
	if n, err := parseGCHeadroom("64"); err != nil || n != 64<<20 {
		t.Errorf("64: %d, %v", n, err)
	}
	if n, err := parseGCHeadroom("0"); err != nil || n != 0 {
		t.Errorf("0: %d, %v", n, err)
	}
	for _, bad := range []string{"", "-1", "64MiB", "1.5", "1048577", "99999999999999999999"} {
		if _, err := parseGCHeadroom(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// gogc reads the collector's current GOGC.
func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// With a small live heap the collector's GOGC is raised after the next
// collection so that its goal is the headroom above the live heap, and
// the configured GOGC is back once the loop ends.
func TestKeepGCHeadroomRaisesGOGCForASmallHeap(t *testing.T) {
	base := debug.SetGCPercent(100)
	defer debug.SetGCPercent(base)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { keepGCHeadroom(ctx, 1<<30, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for gogc() <= 100 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	if g := gogc(); g <= 100 {
		t.Fatalf("GOGC %d with a live heap far below 1 GiB of headroom, want it raised", g)
	}
	cancel()
	<-done
	if g := gogc(); g != 100 {
		t.Errorf("GOGC %d after the loop ended, want the configured 100 back", g)
	}
}
