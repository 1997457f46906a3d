package tokenmint_test

import (
	"net/netip"
	"strings"
	"testing"

	"tokenmint"
)

func TestWebhookAddressAllowed(t *testing.T) {
	office := []netip.Prefix{netip.MustParsePrefix("10.1.2.0/24")}
	cases := []struct {
		addr    string
		allowed []netip.Prefix
		want    bool
	}{
		{"93.184.215.14", nil, true},
		{"8.8.8.8", nil, true},
		{"2606:4700::1111", nil, true},
		{"127.0.0.1", nil, false},
		{"127.9.9.9", nil, false},
		{"::1", nil, false},
		{"10.0.0.5", nil, false},
		{"172.20.1.1", nil, false},
		{"192.168.1.1", nil, false},
		{"169.254.169.254", nil, false}, // cloud metadata
		{"100.64.0.1", nil, false},
		{"0.0.0.0", nil, false},
		{"::", nil, false},
		{"224.0.0.1", nil, false},
		{"255.255.255.255", nil, false},
		{"fd00::1", nil, false},
		{"fe80::1%eth0", nil, false},
		{"::ffff:127.0.0.1", nil, false},   // mapped loopback
		{"::ffff:8.8.8.8", nil, true},      // mapped public
		{"64:ff9b::a9fe:a9fe", nil, false}, // NAT64 of the metadata address
		{"2002:7f00:1::1", nil, false},     // 6to4 of the loopback
		{"10.1.2.3", office, true},         // inside the operator's allowed range
		{"10.1.3.3", office, false},        // next to it
		{"::ffff:10.1.2.3", office, true},  // mapped form of an allowed address
		{"127.0.0.1", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, true},
	}
	for _, c := range cases {
		if got := tokenmint.WebhookAddressAllowed(netip.MustParseAddr(c.addr), c.allowed); got != c.want {
			t.Errorf("WebhookAddressAllowed(%s, %v) = %v, want %v", c.addr, c.allowed, got, c.want)
		}
	}
	if tokenmint.WebhookAddressAllowed(netip.Addr{}, nil) {
		t.Error("the zero address is allowed")
	}
}

func TestCheckWebhookHost(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	cases := []struct {
		host    string
		allowed []netip.Prefix
		refused bool
	}{
		{"hooks.example.com", nil, false}, // a name: checked when resolved
		{"198.51.100.7", nil, false},
		{"127.0.0.1", nil, true},
		{"::1", nil, true},
		{"LOCALHOST", nil, true},
		{"localhost.", nil, true},
		{"api.localhost", nil, true},
		{"169.254.169.254", nil, true},
		{"localhost", loopback, false},
		{"127.0.0.1", loopback, false},
	}
	for _, c := range cases {
		err := tokenmint.CheckWebhookHost(c.host, c.allowed)
		if (err != nil) != c.refused {
			t.Errorf("CheckWebhookHost(%q, %v) = %v, want refused %v", c.host, c.allowed, err, c.refused)
			continue
		}
		if err != nil && (tokenmint.ErrorCode(err) != tokenmint.EINVALID || !strings.Contains(tokenmint.ErrorMessage(err), "--webhook-allowed-networks")) {
			t.Errorf("CheckWebhookHost(%q): %v; want EINVALID naming the setting", c.host, err)
		}
	}
}

// IPv6 addresses are allowed only in global unicast (2000::/3) outside
// the special-purpose ranges, and forms that carry an IPv4 address are
// judged as that IPv4 address too: outside 2000::/3 (IPv4-compatible,
// IPv4-translated, NAT64) only an IPv4 address the operator allows
// passes.
func TestWebhookAddressAllowedIPv6Embeddings(t *testing.T) {
	office := []netip.Prefix{netip.MustParsePrefix("10.1.2.0/24")}
	cases := []struct {
		name    string
		addr    string
		allowed []netip.Prefix
		want    bool
	}{
		{"IPv4-compatible loopback", "::127.0.0.1", nil, false},
		{"IPv4-compatible metadata", "::169.254.169.254", nil, false},
		{"IPv4-compatible private", "::10.0.0.1", nil, false},
		{"IPv4-compatible public", "::8.8.8.8", nil, false},
		{"IPv4-compatible allowed", "::10.1.2.3", office, true},
		{"SIIT loopback", "::ffff:0:7f00:1", nil, false},
		{"SIIT metadata", "::ffff:0:a9fe:a9fe", nil, false},
		{"SIIT public", "::ffff:0:808:808", nil, false},
		{"SIIT allowed", "::ffff:0:a01:203", office, true},
		{"NAT64 loopback", "64:ff9b::127.0.0.1", nil, false},
		{"NAT64 private", "64:ff9b::192.168.0.1", nil, false},
		{"NAT64 public", "64:ff9b::8.8.8.8", nil, false},
		{"NAT64 allowed", "64:ff9b::10.1.2.3", office, true},
		{"local-use NAT64", "64:ff9b:1::a9fe:a9fe", nil, false},
		{"local-use NAT64 of a public address", "64:ff9b:1:808:8:800::", nil, false},
		{"6to4 loopback", "2002:7f00:1::1", nil, false},
		{"6to4 metadata", "2002:a9fe:a9fe::1", nil, false},
		{"6to4 private", "2002:c0a8:101::1", nil, false},
		{"6to4 public", "2002:808:808::1", nil, true},
		{"6to4 allowed", "2002:a01:203::1", office, true},
		// Teredo: server 65.54.227.120, client 127.0.0.1 (obfuscated: 80ff:fffe).
		{"Teredo to a loopback client", "2001:0:4136:e378:8000:63bf:80ff:fffe", nil, false},
		// Teredo: server 65.54.227.120, client 192.168.1.1 (3f57:fefe).
		{"Teredo to a private client", "2001:0:4136:e378:8000:63bf:3f57:fefe", nil, false},
		// Teredo: server 65.54.227.120, client 8.8.8.8 (f7f7:f7f7).
		{"Teredo to a public client", "2001:0:4136:e378:8000:63bf:f7f7:f7f7", nil, true},
		// Teredo: server 127.0.0.1, client 8.8.8.8.
		{"Teredo through a loopback server", "2001:0:7f00:1:8000:63bf:f7f7:f7f7", nil, false},
		{"unique local", "fd12:3456::1", nil, false},
		{"outside 2000::/3", "4000::1", nil, false},
		{"outside 2000::/3, low", "1::1", nil, false},
		{"discard-only", "100::1", nil, false},
		{"documentation", "2001:db8::1", nil, false},
		{"documentation (RFC 9637)", "3fff::1", nil, false},
		{"benchmarking", "2001:2::1", nil, false},
		{"ORCHIDv2", "2001:20::1", nil, false},
		{"global unicast", "2a00:1450:4001::1", nil, true},
		{"an allowed IPv6 prefix", "fd00::5", []netip.Prefix{netip.MustParsePrefix("fd00::/64")}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := tokenmint.WebhookAddressAllowed(netip.MustParseAddr(c.addr), c.allowed); got != c.want {
				t.Errorf("WebhookAddressAllowed(%s, %v) = %v, want %v", c.addr, c.allowed, got, c.want)
			}
		})
	}
}
