package http

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// DefaultClientIPHeader is the header a trusted proxy names the client in
// unless the operator names another.
const DefaultClientIPHeader = "X-Forwarded-For"

// errClientAddress refuses a request whose trusted proxy sent a client
// address that is not an IP (for example "unknown"): counting it as the
// proxy's own address would put every client behind one throttle and one
// IP block.
var errClientAddress = errors.New("the client address forwarded by the proxy is not an IP address")

// ParseClientIPHeader checks the name of the header trusted proxies name
// the client in and returns it canonical: X-Forwarded-For (the default,
// for ""), Forwarded (RFC 7239), or any header holding a single IP such as
// X-Real-IP.
func ParseClientIPHeader(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return DefaultClientIPHeader, nil
	}
	if !validHeaderName(name) {
		return "", fmt.Errorf("client-ip-header %q is not a header name", name)
	}
	return http.CanonicalHeaderKey(name), nil
}

// clientIP is the socket peer, unless the peer is a trusted proxy: then
// the address in the header the operator named (s.ipHeader). For the list
// headers (X-Forwarded-For, Forwarded) that is the right-most hop that is
// not a trusted proxy, so a client cannot spoof its IP by sending the
// header itself; for another header, its single address. Any other header
// is ignored, so a proxy that writes only one of them cannot be fooled by
// a client sending the other. Ports are stripped. A trusted proxy's hop
// that is not an IP is an error (answered 400), never the proxy's own
// address. With no header at all the proxy itself is the client.
func (s *Server) clientIP(r *http.Request) (string, error) {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		// Not an IP peer (a Unix socket, a test harness): no address to
		// record, block or throttle by, rather than the text "invalid IP".
		return "", nil
	}
	if !s.trusted(peer) {
		return peer.String(), nil
	}
	if len(r.Header.Values(s.ipHeader)) == 0 {
		s.warnOtherForwardingHeader(r)
		return peer.String(), nil
	}
	var hops []string
	switch s.ipHeader {
	case "", DefaultClientIPHeader:
		for _, line := range r.Header.Values(DefaultClientIPHeader) {
			hops = append(hops, strings.Split(line, ",")...)
		}
	case "Forwarded":
		hops = forwardedFor(r.Header.Values("Forwarded"))
	default:
		if lines := r.Header.Values(s.ipHeader); len(lines) > 0 {
			// A proxy sets this header; should the client's own copy
			// come through as well, the proxy's is the last.
			a, ok := parseHop(lines[len(lines)-1])
			if !ok {
				return "", errClientAddress
			}
			return a.String(), nil
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			return "", errClientAddress
		}
		if !s.trusted(a) {
			return a.String(), nil
		}
	}
	return peer.String(), nil
}

// validHeaderName reports whether name is an HTTP token (RFC 9110 §5.1).
func validHeaderName(name string) bool {
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return name != ""
}

// forwardingHeaders are the headers proxies commonly name the client in.
var forwardingHeaders = []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip", "True-Client-Ip", "Cf-Connecting-Ip"}

// warnOtherForwardingHeader warns once when a trusted proxy names the
// client in another header than the configured one: every client then
// counts as the proxy, which is likely a mistake in --client-ip-header.
func (s *Server) warnOtherForwardingHeader(r *http.Request) {
	for _, h := range forwardingHeaders {
		if h != s.ipHeader && r.Header.Get(h) != "" && s.warnedHeader.CompareAndSwap(false, true) {
			s.log.Warn("a trusted proxy sent "+h+" but the client address is read from "+s.ipHeader+" only, so its clients count as the proxy; set --client-ip-header to the header the proxy writes",
				"peer", r.RemoteAddr)
			return
		}
	}
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// parseHop reads one hop: an IPv4 or IPv6 address, bracketed or not,
// optionally with a port (1.2.3.4:80, [2001:db8::1]:80), optionally quoted
// (Forwarded). Obfuscated identifiers and "unknown" are not addresses.
func parseHop(v string) (netip.Addr, bool) {
	v = strings.TrimSpace(v)
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
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					hops = append(hops, v)
				}
			}
		}
	}
	return hops
}
