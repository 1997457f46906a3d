package tokenmint_test

import (
	"net/netip"
	"strings"
	"testing"

	"tokenmint"
)

// FuzzParseCIDRList checks the allowed-networks parser: a refusal is an
// invalid-input error; an accepted list has at most MaxAllowedCIDRs
// masked, zone-free, never IPv4-mapped prefixes, sorted without repeats,
// its canonical text reads back as the same list, it lies within itself,
// and it allows the first address of each of its networks, in IPv4-mapped
// form too.
func FuzzParseCIDRList(f *testing.F) {
	for _, s := range []string{
		"10.0.0.0/8", "192.0.2.7", "10.1.2.3/8,10.0.0.0/8", "2001:db8::/32\n::ffff:10.0.0.0/104",
		"::ffff:0:0/95", "fe80::1%eth0", "0.0.0.0/0,::/0", "1.2.3.4/33", "", ",,,", "junk", "1.2.3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := tokenmint.ParseCIDRList(strings.Split(s, ","))
		if err != nil {
			if tokenmint.ErrorCode(err) != tokenmint.EINVALID {
				t.Fatalf("ParseCIDRList(%q) error %v, want invalid input", s, err)
			}
			return
		}
		if len(l) > tokenmint.MaxAllowedCIDRs {
			t.Fatalf("ParseCIDRList(%q) kept %d networks", s, len(l))
		}
		for i, p := range l {
			if !p.IsValid() || p != p.Masked() || p.Addr().Zone() != "" || p.Addr().Is4In6() {
				t.Fatalf("ParseCIDRList(%q): %v is not canonical", s, p)
			}
			if i > 0 && (l[i-1] == p || l[i-1].Addr().Compare(p.Addr()) > 0) {
				t.Fatalf("ParseCIDRList(%q) = %v: not sorted without repeats", s, l)
			}
			if !l.Allows(p.Addr().String()) {
				t.Fatalf("list %v does not allow its own address %s", l, p.Addr())
			}
			if p.Addr().Is4() && !l.Contains(netip.AddrFrom16(p.Addr().As16())) {
				t.Fatalf("list %v does not allow the mapped form of %s", l, p.Addr())
			}
		}
		again, err := tokenmint.ParseStoredCIDRs(l.String())
		if err != nil || again.String() != l.String() || len(again) != len(l) {
			t.Fatalf("ParseCIDRList(%q) = %q, which reads back as %q, %v", s, l.String(), again.String(), err)
		}
		if !l.Within(l) {
			t.Fatalf("list %v is not within itself", l)
		}
	})
}
