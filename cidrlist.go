package tokenmint

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
)

// MaxAllowedCIDRs bounds the networks a token or an application default
// may name: enough for a handful of offices and CI runners, few enough
// that checking a request stays a short loop.
const MaxAllowedCIDRs = 32

// CIDRList is the set of networks a token may be used from, parsed and
// canonical: each prefix masked, IPv4 never written as IPv4-mapped IPv6,
// no duplicates, sorted (IPv4 before IPv6). An empty list binds nothing:
// the token may be used from anywhere. In JSON it is a list of CIDR
// strings ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32").
type CIDRList []netip.Prefix

// ParseCIDRList reads the networks a token is bound to. Each entry is an
// IPv4 or IPv6 CIDR range or a bare address, which means that address
// alone (/32 or /128). A blank entry is refused: `[""]` must not read as
// "anywhere" (a form's text goes through SplitCIDRText, which drops
// blanks). Duplicates (in any notation of the same range) are removed. More than MaxAllowedCIDRs distinct
// networks, or an entry that is not a network, is EINVALID with a message
// naming the entry.
func ParseCIDRList(entries []string) (CIDRList, error) {
	var out CIDRList
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			return nil, Errorf(EINVALID, "allowed_cidrs: an entry is empty (omit the field, or send [], for a token usable from anywhere)")
		}
		p, err := parseCIDR(e)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	out = canonicalCIDRs(out)
	if len(out) > MaxAllowedCIDRs {
		return nil, Errorf(EINVALID, "allowed_cidrs names %d networks; at most %d are allowed", len(out), MaxAllowedCIDRs)
	}
	return out, nil
}

// SplitCIDRText splits what a person typed (one network per line, or
// separated by commas or spaces) into entries for ParseCIDRList.
func SplitCIDRText(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// parseCIDR reads one entry of a CIDR list.
func parseCIDR(s string) (netip.Prefix, error) {
	bad := Errorf(EINVALID, "allowed_cidrs: %q is not an IPv4 or IPv6 address or CIDR range (such as 10.0.0.0/8 or 2001:db8::/32)", clip(s, 64))
	if len(s) > 64 || strings.Contains(s, "%") {
		return netip.Prefix{}, bad // zones name interfaces, not networks
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, bad
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, bad
	}
	a, bits := p.Addr(), p.Bits()
	if a.Is4In6() {
		if bits < 96 {
			// Such a range holds IPv6 addresses besides the mapped IPv4
			// ones; nobody means that, so it is refused, not guessed.
			return netip.Prefix{}, Errorf(EINVALID, "allowed_cidrs: %q mixes IPv4-mapped and other IPv6 addresses; write the IPv4 range instead", s)
		}
		a, bits = a.Unmap(), bits-96
	}
	return netip.PrefixFrom(a, bits).Masked(), nil
}

// clip shortens s to at most n bytes for an error message.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// canonicalCIDRs sorts ps and removes duplicates.
func canonicalCIDRs(ps CIDRList) CIDRList {
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return slices.Compact(ps)
}

// ParseStoredCIDRs reads the canonical text a store keeps (String's
// output; "" for none).
func ParseStoredCIDRs(s string) (CIDRList, error) {
	if s == "" {
		return nil, nil
	}
	return ParseCIDRList(strings.Split(s, ","))
}

// Bound reports whether the list restricts anything.
func (l CIDRList) Bound() bool { return len(l) > 0 }

// String is the canonical text of the list: its CIDRs joined by commas,
// "" for none. Stores keep this form.
func (l CIDRList) String() string {
	parts := make([]string, len(l))
	for i, p := range l {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// Strings returns the CIDRs as text (nil for none).
func (l CIDRList) Strings() []string {
	if len(l) == 0 {
		return nil
	}
	out := make([]string, len(l))
	for i, p := range l {
		out[i] = p.String()
	}
	return out
}

// Contains reports whether ip lies in one of the networks. An
// IPv4-mapped IPv6 address is taken as the IPv4 address it carries, as
// client IPs are; an invalid address lies in none.
func (l CIDRList) Contains(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.Unmap().WithZone("")
	for _, p := range l {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Allows reports whether a request from the client IP ip (as text) may use
// a token bound to l: always for an unbound token; for a bound one only
// when ip is an address in one of the networks. No IP, or one that does
// not parse, is refused (fail closed).
func (l CIDRList) Allows(ip string) bool {
	if len(l) == 0 {
		return true
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	return l.Contains(a)
}

// Within reports whether every network of l lies inside a network of
// outer: a token bound to l is no broader than one bound to outer. An
// unbound outer holds anything; an unbound l is only within an unbound
// outer.
func (l CIDRList) Within(outer CIDRList) bool {
	if len(outer) == 0 {
		return true
	}
	if len(l) == 0 {
		return false
	}
	for _, p := range l {
		in := false
		for _, o := range outer {
			if o.Bits() <= p.Bits() && o.Contains(p.Addr()) {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	return true
}

// MarshalJSON writes the list as CIDR strings, [] for none.
func (l CIDRList) MarshalJSON() ([]byte, error) {
	s := l.Strings()
	if s == nil {
		s = []string{}
	}
	return json.Marshal(s)
}
