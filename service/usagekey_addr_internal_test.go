package service

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"tokenmint"
)

// A pair recorded with the address already parsed (the HTTP verify path)
// files under the same key as the same pair recorded from its text, so
// the two ways never count one client twice, and comes back as the same
// text.
func TestUsageKeyFromParsedAddressMatchesText(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	addrs := []netip.Addr{
		netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("255.255.255.255"),
		netip.MustParseAddr("2001:db8::7"), netip.MustParseAddr("::"), netip.MustParseAddr("::1"),
		netip.MustParseAddr("::ffff:192.0.2.1"), netip.MustParseAddr("fe80::1%eth0"),
	}
	for range 5000 {
		var b4 [4]byte
		var b16 [16]byte
		for i := range b16 {
			b16[i] = byte(rng.Uint32())
		}
		copy(b4[:], b16[:4])
		addrs = append(addrs, netip.AddrFrom4(b4), netip.AddrFrom16(b16))
		if rng.IntN(4) == 0 { // IPv4-mapped IPv6 addresses
			b16[10], b16[11] = 0xff, 0xff
			copy(b16[:10], make([]byte, 10))
			addrs = append(addrs, netip.AddrFrom16(b16))
		}
	}
	const id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
	for _, a := range addrs {
		text := a.String()
		want, got := makeUsageKey(id, text, 20_000), makeUsageKeyAddr(id, a, text, 20_000)
		if got != want {
			t.Fatalf("%s: parsed %+v, from its text %+v", text, got, want)
		}
	}
	// Through the buffer: one pair, counted twice, given back as the text.
	b := newUsageBuffer(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), tokenmint.SystemClock{}, 10, 10)
	a := netip.MustParseAddr("2001:db8::7")
	at := time.Unix(1_800_000_000, 0)
	b.record("ten", id, a, a.String(), at)
	b.Record("ten", id, a.String(), at)
	if len(b.pairs) != 1 {
		t.Fatalf("%d pairs, want the parsed and the text use as one", len(b.pairs))
	}
	for k, e := range b.pairs {
		if e.count != 2 || k.ipText(b.odd) != "2001:db8::7" {
			t.Errorf("pair %s counted %d, want 2001:db8::7 twice", k.ipText(b.odd), e.count)
		}
	}
}
