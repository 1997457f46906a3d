package tokenmint

import (
	"errors"
	"net"
	"net/netip"
	"strings"
)

// ErrClientAddress refuses a request whose trusted proxy sent a client
// address that is not an IP (for example "unknown"): counting it as the
// proxy's own address would put every client behind one throttle and one
// IP block.
var ErrClientAddress = errors.New("the client address forwarded by the proxy is not an IP address")

// Client IP headers with a list of hops; any other header holds one
// address.
const (
	HeaderXForwardedFor = "X-Forwarded-For"
	HeaderForwarded     = "Forwarded"
)

// ForwardedClientIP is the client a trusted proxy (the peer) names in the
// lines of header, the header the operator chose, in canonical form. For
// the list headers (X-Forwarded-For, Forwarded) that is the right-most hop
// that is not trusted, so a client cannot spoof its IP by sending the
// header itself; for another header, the address of its last line (the
// proxy's, should the client's own copy come through as well). Ports and
// quotes are stripped. A hop that is not an IP is ErrClientAddress, never
// the proxy's own address; with no lines, or only trusted hops, the peer
// is the client. The caller has checked that the peer is trusted.
//
// The HTTP server and the Envoy authorization service both call it, so a
// client behind the same proxies has the same address for either.
func ForwardedClientIP(peer netip.Addr, trusted func(netip.Addr) bool, header string, lines []string) (netip.Addr, error) {
	if len(lines) == 0 {
		return peer, nil
	}
	var hops []string
	switch header {
	case "", HeaderXForwardedFor:
		for _, line := range lines {
			hops = append(hops, strings.Split(line, ",")...)
		}
	case HeaderForwarded:
		hops = forwardedFor(lines)
	default:
		a, ok := parseHop(lines[len(lines)-1])
		if !ok {
			return netip.Addr{}, ErrClientAddress
		}
		return a, nil
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			return netip.Addr{}, ErrClientAddress
		}
		if !trusted(a) {
			return a, nil
		}
	}
	return peer, nil
}

// InPrefixes returns a test for membership of any of prefixes.
func InPrefixes(prefixes []netip.Prefix) func(netip.Addr) bool {
	return func(a netip.Addr) bool {
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
}

// ParsePeerAddr reads a socket peer's address, "host:port" or a bare
// host, IPv4-mapped IPv6 as IPv4, without an IPv6 zone; the zero Addr when
// it is not an IP (a Unix socket). The zone goes because blocks, trusted
// proxies and bound networks are zone-less prefixes, which never contain a
// zoned address: a link-local peer (fe80::1%eth0) would have escaped an IP
// block on fe80::1 and been refused by every network.
func ParsePeerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// ows is HTTP's optional whitespace around list elements (RFC 9110
// §5.6.3): spaces and tabs only. Other control characters (a CR, say)
// make a hop unreadable rather than being trimmed into an address.
const ows = " \t"

// parseHop reads one hop: an IPv4 or IPv6 address, bracketed or not,
// optionally with a port (1.2.3.4:80, [2001:db8::1]:80), optionally quoted
// (Forwarded). Obfuscated identifiers and "unknown" are not addresses.
func parseHop(v string) (netip.Addr, bool) {
	v = strings.Trim(v, ows)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	host := v
	if strings.HasPrefix(v, "[") {
		end := strings.IndexByte(v, ']')
		if end < 0 || (end+1 < len(v) && !validPort(v[end+1:])) {
			return netip.Addr{}, false
		}
		host = v[1:end]
	} else if i := strings.IndexByte(v, ':'); i >= 0 && strings.Count(v, ":") == 1 {
		if !validPort(v[i:]) {
			return netip.Addr{}, false
		}
		host = v[:i]
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// validPort reports whether p is ":" followed by a port number or an
// obfuscated port (RFC 7239 §6.3, "_" then letters, digits, ".", "_", "-").
func validPort(p string) bool {
	if len(p) < 2 || p[0] != ':' {
		return false
	}
	p = p[1:]
	obfuscated := p[0] == '_'
	for _, c := range p {
		switch {
		case c >= '0' && c <= '9':
		case obfuscated && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return len(p) <= 5 || obfuscated
}

// forwardedFor lists the for= values of Forwarded header lines (RFC 7239),
// oldest first. An element without for= adds no hop.
func forwardedFor(lines []string) []string {
	var hops []string
	for _, line := range lines {
		for _, elem := range strings.Split(line, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.Trim(pair, ows), "=")
				if ok && strings.EqualFold(strings.Trim(k, ows), "for") {
					hops = append(hops, v)
				}
			}
		}
	}
	return hops
}
