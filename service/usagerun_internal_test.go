package service

import (
	"crypto/sha256"
	"runtime"
	"testing"
	"time"
)

// The least wait after a flush is the longer of what the CPU budget and the
// store share ask, counted from the flush's start.
func TestFlushRestTakesTheLongerOfBothBudgets(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		took, cost, want time.Duration
	}{
		{20 * ms, 0, 20 * ms},         // a flush that waited on the store: held it half the time
		{20 * ms, 20 * ms, 180 * ms},  // all CPU: a tenth of a core
		{100 * ms, 20 * ms, 100 * ms}, // stretched by a busy scheduler: the CPU budget asks 100 ms, the share as much
		{400 * ms, 20 * ms, 400 * ms}, // stretched far: the store share decides
		{10 * ms, 50 * ms, 490 * ms},  // more CPU than wall time (another thread's work charged)
		{0, 0, 0},
	} {
		if got := flushRest(c.took, c.cost); got != c.want {
			t.Errorf("flushRest(%v, %v) = %v, want %v", c.took, c.cost, got, c.want)
		}
	}
}

// threadCPUTime counts the thread's work and not its sleep, so a flush that
// waits on the database or the scheduler is charged only what it computed.
func TestThreadCPUTimeCountsWorkNotSleep(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0, ok := threadCPUTime()
	if !ok {
		t.Skip("no per-thread CPU clock on " + runtime.GOOS + ": the budget counts wall-clock time")
	}
	time.Sleep(100 * time.Millisecond)
	c1, _ := threadCPUTime()
	if slept := c1 - c0; slept > 50*time.Millisecond {
		t.Errorf("a 100 ms sleep cost %v of the thread's CPU time", slept)
	}
	// About 40 ms of hashing on this machine; any working clock sees at
	// least a millisecond of it, however loaded the machine.
	sum := sha256.Sum256(nil)
	for range 200_000 {
		sum = sha256.Sum256(sum[:])
	}
	c2, _ := threadCPUTime()
	if worked := c2 - c1; worked < time.Millisecond {
		t.Errorf("200 000 SHA-256 rounds cost %v of the thread's CPU time (digest %x)", worked, sum[:4])
	}
}
