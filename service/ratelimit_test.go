package service

import (
	"strconv"
	"testing"
	"time"

	"tokenmint"
)

// A flood of new keys (sprayed user names or IPs) can neither grow the
// limiter without bound nor push out a lockout in force; once windows
// expire, new keys are counted again.
func TestLimiterKeepsLockoutsUnderASpray(t *testing.T) {
	clock := tokenmint.NewFakeClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	l := newLimiter(clock, 3, time.Minute)
	for range 3 {
		l.Fail("victim")
	}
	if blocked, _ := l.Blocked("victim"); !blocked {
		t.Fatal("victim not blocked after 3 failures")
	}
	clock.Advance(10 * time.Second)
	for i := range maxLimiterKeys + 5000 {
		l.Fail("spray-" + strconv.Itoa(i))
	}
	if len(l.windows) > maxLimiterKeys {
		t.Errorf("limiter holds %d keys, bound %d", len(l.windows), maxLimiterKeys)
	}
	if blocked, wait := l.Blocked("victim"); !blocked || wait != 50*time.Second {
		t.Errorf("victim after the spray: blocked %v for %v, want blocked for 50s", blocked, wait)
	}
	clock.Advance(51 * time.Second) // the victim's window is over; the spray's is not
	l.Fail("newcomer")
	if blocked, _ := l.Blocked("victim"); blocked {
		t.Error("victim still blocked after its window")
	}
	if _, ok := l.windows["victim"]; ok {
		t.Error("the victim's expired window was not dropped")
	}
	clock.Advance(10 * time.Second) // the spray's windows are over too
	for range 3 {
		l.Fail("newcomer")
	}
	if blocked, _ := l.Blocked("newcomer"); !blocked {
		t.Error("a new key is not counted once the spray expired")
	}
	l.Fail("another") // a new key drops the expired windows
	if len(l.windows) != 2 {
		t.Errorf("%d windows left, want the newcomer's and another's", len(l.windows))
	}
}

// IPv6 clients are counted by their /64: one client holding a whole /64
// cannot spread its failures over its addresses.
func TestThrottleKeyGroupsIPv6By64(t *testing.T) {
	for ip, want := range map[string]string{
		"2001:db8:1:2::1":      "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "::ffff:192.0.2.7",
		"":                     "",
	} {
		if got := throttleKey(ip); got != want {
			t.Errorf("throttleKey(%q) = %q, want %q", ip, got, want)
		}
	}
}
