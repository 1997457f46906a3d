package tokenmint_test

import (
	"net/netip"
	"strings"
	"testing"

	"tokenmint"
)

// FuzzParseIPBlock checks the IP block parser: a refusal is an invalid-input
// error; an accepted block is canonical (parsing its text again gives the
// same text and prefix), masked, without a zone, never IPv4-mapped, and
// blocks its own first address.
func FuzzParseIPBlock(f *testing.F) {
	for _, s := range []string{
		"192.0.2.7", "192.0.2.7/32", "10.1.2.3/8", "2001:db8::1", "2001:db8::/32", "::ffff:10.0.0.1",
		"::ffff:10.0.0.0/104", "::ffff:10.0.0.0/95", "fe80::1%eth0", "0.0.0.0/0", "::/0", " 198.51.100.0/24 ",
		"1.2.3.4/33", "1.2.3", "01.2.3.4", "::1/128", "[::1]", "1.2.3.4:80", "", "/", "::ffff:0:0/96",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, p, err := tokenmint.ParseIPBlock(s)
		if err != nil {
			if tokenmint.ErrorCode(err) != tokenmint.EINVALID {
				t.Fatalf("ParseIPBlock(%q) error %v, want invalid input", s, err)
			}
			return
		}
		if !p.IsValid() || p != p.Masked() || p.Addr().Zone() != "" || p.Addr().Is4In6() {
			t.Fatalf("ParseIPBlock(%q) = %q, %v: not a canonical prefix", s, text, p)
		}
		text2, p2, err := tokenmint.ParseIPBlock(text)
		if err != nil || text2 != text || p2 != p {
			t.Fatalf("ParseIPBlock(%q) = %q, but that parses as %q, %v, %v", s, text, text2, p2, err)
		}
		if !tokenmint.BlockedBy([]netip.Prefix{p}, p.Addr().String()) {
			t.Fatalf("block %q does not block its own address %s", text, p.Addr())
		}
		if m := netip.AddrFrom16(p.Addr().As16()); p.Addr().Is4() && !tokenmint.BlockedBy([]netip.Prefix{p}, m.String()) {
			t.Fatalf("block %q does not block %s, the IPv4-mapped form of its address", text, m)
		}
	})
}

// FuzzBlockedBy checks that a client IP is blocked exactly when a block
// holds it, taking an IPv4-mapped client as IPv4, and that an unparsable
// client IP is never blocked (nor makes anything panic).
func FuzzBlockedBy(f *testing.F) {
	f.Add("10.0.0.0/8", "10.9.8.7")
	f.Add("10.0.0.0/8", "::ffff:10.9.8.7")
	f.Add("2001:db8::/32", "2001:db8::5")
	f.Add("192.0.2.7", "192.0.2.8")
	f.Add("192.0.2.7", "fe80::1%eth0")
	f.Add("::/0", "")
	f.Fuzz(func(t *testing.T, block, ip string) {
		_, p, err := tokenmint.ParseIPBlock(block)
		if err != nil {
			return
		}
		got := tokenmint.BlockedBy([]netip.Prefix{p}, ip)
		a, err := netip.ParseAddr(ip)
		want := err == nil && p.Contains(a.Unmap())
		if got != want {
			t.Fatalf("BlockedBy(%s, %q) = %v, want %v", p, ip, got, want)
		}
	})
}

// internalIPv4 is the test's own list of IPv4 ranges a webhook must not
// reach by default (RFC 6890 and the cloud metadata range), kept apart
// from the code's so a range dropped there is caught here.
var internalIPv4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// embeddingPrefixes are IPv6 ranges whose last 32 bits are an IPv4 address.
var embeddingPrefixes = []netip.Prefix{
	netip.MustParsePrefix("::/96"), netip.MustParsePrefix("::ffff:0:0/96"),
	netip.MustParsePrefix("::ffff:0:0:0/96"), netip.MustParsePrefix("64:ff9b::/96"),
}

// FuzzWebhookAddress checks the webhook address filter against the
// test's own reading of the rules: with nothing allowed by the operator,
// an allowed address is global unicast, not loopback, private, link-local
// or multicast, outside the internal IPv4 ranges, and no IPv4 address it
// embeds is internal; an address an allowed prefix holds is always
// allowed; CheckWebhookHost agrees with WebhookAddressAllowed on literals.
func FuzzWebhookAddress(f *testing.F) {
	for _, s := range []string{
		"8.8.8.8", "127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "::127.0.0.1",
		"::ffff:0:7f00:1", "64:ff9b::a00:1", "2002:7f00:1::", "2001:0:4136:e378:8000:63bf:80ff:fffe",
		"2606:4700::1111", "fe80::1%eth0", "fd00::1", "ff02::1", "100::1", "0.0.0.0", "::", "3fff::1",
		"2001:db8::1", "[::1]", "LOCALHOST.", "a.localhost", "example.test",
	} {
		f.Add(s, "")
		f.Add(s, "127.0.0.0/8")
	}
	f.Fuzz(func(t *testing.T, host, allow string) {
		var allowed []netip.Prefix
		if p, err := netip.ParsePrefix(allow); err == nil {
			allowed = []netip.Prefix{p}
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			_ = tokenmint.CheckWebhookHost(host, allowed)
			return
		}
		ok := tokenmint.WebhookAddressAllowed(a, allowed)
		if herr := tokenmint.CheckWebhookHost(host, allowed); (herr == nil) != ok && !strings.HasSuffix(host, ".") {
			t.Fatalf("CheckWebhookHost(%q) = %v but WebhookAddressAllowed = %v", host, herr, ok)
		}
		plain := a.WithZone("")
		if len(allowed) == 1 && allowed[0].Contains(plain) && !ok {
			t.Fatalf("%s refused although the operator allows %s", a, allowed[0])
		}
		if !ok || allowed != nil {
			return
		}
		u := plain.Unmap()
		if u.IsLoopback() || u.IsPrivate() || u.IsLinkLocalUnicast() || u.IsLinkLocalMulticast() ||
			u.IsMulticast() || u.IsUnspecified() || u.IsInterfaceLocalMulticast() || !u.IsGlobalUnicast() {
			t.Fatalf("webhook address %s allowed by default but it is not public", a)
		}
		if u.Is6() && !netip.MustParsePrefix("2000::/3").Contains(u) {
			t.Fatalf("IPv6 webhook address %s allowed outside global unicast 2000::/3", a)
		}
		v4s := []netip.Addr{u}
		if u.Is6() {
			v4s = nil
			b := u.As16()
			for _, p := range embeddingPrefixes {
				if p.Contains(u) {
					v4s = append(v4s, netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
				}
			}
		}
		for _, v4 := range v4s {
			for _, p := range internalIPv4 {
				if p.Contains(v4) {
					t.Fatalf("webhook address %s allowed by default but it reaches internal %s", a, v4)
				}
			}
		}
	})
}
