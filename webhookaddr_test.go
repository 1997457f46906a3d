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
