package tokenmint_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"tokenmint"
)

func TestParseCIDRListCanonical(t *testing.T) {
	l, err := tokenmint.ParseCIDRList([]string{" 10.1.2.3/8 ", "192.0.2.7", "2001:db8::1/32", "10.0.0.0/8", "::ffff:198.51.100.0/120", "192.0.2.7/32", "2001:DB8::5"})
	if err != nil {
		t.Fatal(err)
	}
	want := "10.0.0.0/8,192.0.2.7/32,198.51.100.0/24,2001:db8::/32,2001:db8::5/128"
	if l.String() != want {
		t.Fatalf("canonical = %q, want %q", l.String(), want)
	}
	again, err := tokenmint.ParseStoredCIDRs(l.String())
	if err != nil || again.String() != want {
		t.Fatalf("stored form reads back as %q, %v", again.String(), err)
	}
	b, _ := json.Marshal(l)
	if string(b) != `["10.0.0.0/8","192.0.2.7/32","198.51.100.0/24","2001:db8::/32","2001:db8::5/128"]` {
		t.Fatalf("JSON %s", b)
	}
}

func TestParseCIDRListRefusesJunk(t *testing.T) {
	for _, bad := range []string{"", "10.0.0.0/33", "not-a-network", "10.0.0", "fe80::1%eth0", "1.2.3.4:80", "::ffff:0:0/95", "2001:db8::/129"} {
		_, err := tokenmint.ParseCIDRList([]string{"192.0.2.0/24", bad})
		if tokenmint.ErrorCode(err) != tokenmint.EINVALID || !strings.Contains(tokenmint.ErrorMessage(err), bad) {
			t.Errorf("ParseCIDRList(%q) = %v, want EINVALID naming it", bad, err)
		}
	}
	if _, err := tokenmint.ParseCIDRList([]string{" \t"}); tokenmint.ErrorCode(err) != tokenmint.EINVALID {
		t.Errorf("a blank entry = %v, want EINVALID (it must not mean anywhere)", err)
	}
	var many []string
	for i := 0; i < tokenmint.MaxAllowedCIDRs+1; i++ {
		many = append(many, fmt.Sprintf("10.0.%d.0/24", i))
	}
	if _, err := tokenmint.ParseCIDRList(many); tokenmint.ErrorCode(err) != tokenmint.EINVALID {
		t.Fatalf("33 networks: %v, want EINVALID", err)
	}
	if l, err := tokenmint.ParseCIDRList(many[:tokenmint.MaxAllowedCIDRs]); err != nil || len(l) != tokenmint.MaxAllowedCIDRs {
		t.Fatalf("32 networks: %v, %v", l, err)
	}
	// The same network 40 times is one network.
	same := make([]string, 40)
	for i := range same {
		same[i] = "192.0.2.1"
	}
	if l, err := tokenmint.ParseCIDRList(same); err != nil || len(l) != 1 {
		t.Fatalf("duplicates: %v, %v", l, err)
	}
}

func TestCIDRListAllows(t *testing.T) {
	l, _ := tokenmint.ParseCIDRList([]string{"192.0.2.0/24", "2001:db8::/32"})
	cases := map[string]bool{
		"192.0.2.9": true, "::ffff:192.0.2.9": true, "2001:db8::7": true,
		"192.0.3.1": false, "::ffff:192.0.3.1": false, "2001:db9::1": false,
		"": false, "junk": false, "::1": false,
	}
	for ip, want := range cases {
		if got := l.Allows(ip); got != want {
			t.Errorf("Allows(%q) = %v, want %v", ip, got, want)
		}
	}
	var unbound tokenmint.CIDRList
	if !unbound.Allows("") || !unbound.Allows("203.0.113.1") {
		t.Fatal("an unbound list must allow every request")
	}
	if !l.Contains(netip.MustParseAddr("::ffff:192.0.2.200")) {
		t.Fatal("mapped IPv4 must match an IPv4 network")
	}
}

func TestCIDRListWithin(t *testing.T) {
	parse := func(s string) tokenmint.CIDRList {
		l, err := tokenmint.ParseCIDRList(tokenmint.SplitCIDRText(s))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	cases := []struct {
		inner, outer string
		want         bool
	}{
		{"10.1.0.0/16", "10.0.0.0/8", true},
		{"10.0.0.0/8", "10.0.0.0/8", true},
		{"10.0.0.0/7", "10.0.0.0/8", false},
		{"10.1.0.0/16, 192.0.2.1", "10.0.0.0/8\n192.0.2.0/24", true},
		{"10.1.0.0/16 203.0.113.1", "10.0.0.0/8", false},
		{"", "10.0.0.0/8", false},
		{"", "", true},
		{"10.0.0.0/8", "", true},
		{"2001:db8:1::/48", "2001:db8::/32", true},
	}
	for _, c := range cases {
		if got := parse(c.inner).Within(parse(c.outer)); got != c.want {
			t.Errorf("%q within %q = %v, want %v", c.inner, c.outer, got, c.want)
		}
	}
}
