package tokenmint

import (
	"net/netip"
	"strings"
	"time"
)

// IPBlock refuses a token to one client IP or a range of them.
type IPBlock struct {
	TenantID string `json:"-"`
	TokenID  string `json:"token_id"`
	// Prefix is the canonical form from ParseIPBlock: an address alone
	// ("192.0.2.7", "2001:db8::1") or a masked CIDR ("10.0.0.0/8").
	Prefix    string    `json:"ip"`
	CreatedAt time.Time `json:"created_at"`
}

// ParseIPBlock reads an IPv4 or IPv6 address or CIDR range and returns its
// canonical text and the prefix it covers. An address is a one-address
// range, so "192.0.2.7" and "192.0.2.7/32" name the same block; a range is
// masked, so "10.1.2.3/8" is "10.0.0.0/8". IPv4-mapped IPv6 addresses are
// taken as IPv4, as client IPs are.
func ParseIPBlock(s string) (string, netip.Prefix, error) {
	s = strings.TrimSpace(s)
	bad := Errorf(EINVALID, "%q is not an IPv4 or IPv6 address or CIDR range", s)
	if s == "" || len(s) > 64 || strings.Contains(s, "%") {
		return "", netip.Prefix{}, bad // zones name interfaces, not clients
	}
	var p netip.Prefix
	if strings.Contains(s, "/") {
		pp, err := netip.ParsePrefix(s)
		if err != nil {
			return "", netip.Prefix{}, bad
		}
		a, bits := pp.Addr(), pp.Bits()
		if a.Is4In6() && bits >= 96 {
			a, bits = a.Unmap(), bits-96
		}
		p = netip.PrefixFrom(a, bits).Masked()
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return "", netip.Prefix{}, bad
		}
		a = a.Unmap()
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.IsSingleIP() {
		return p.Addr().String(), p, nil
	}
	return p.String(), p, nil
}

// BlockedBy reports whether ip (a client IP as text) lies in any of the
// prefixes. An empty or unparsable IP is never blocked.
func BlockedBy(prefixes []netip.Prefix, ip string) bool {
	if len(prefixes) == 0 || ip == "" {
		return false
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
