package http

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"tokenmint"
)

// DefaultClientIPHeader is the header a trusted proxy names the client in
// unless the operator names another.
const DefaultClientIPHeader = "X-Forwarded-For"

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

// clientAddr is the socket peer, unless the peer is a trusted proxy: then
// the address in the header the operator named (s.ipHeader). For the list
// headers (X-Forwarded-For, Forwarded) that is the right-most hop that is
// not a trusted proxy, so a client cannot spoof its IP by sending the
// header itself; for another header, its single address. Any other header
// is ignored, so a proxy that writes only one of them cannot be fooled by
// a client sending the other. Ports are stripped. A trusted proxy's hop
// that is not an IP is an error (answered 400), never the proxy's own
// address. With no header at all the proxy itself is the client.
// clientAddr returns the address and its text (the zero Addr and "" for
// a peer that is not an IP).
func (s *Server) clientAddr(r *http.Request) (netip.Addr, string, error) {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		// Not an IP peer (a Unix socket, a test harness): no address to
		// record, block or throttle by, rather than the text "invalid IP".
		return netip.Addr{}, "", nil
	}
	if !s.trusted(peer) {
		return peer, peer.String(), nil
	}
	lines := r.Header.Values(s.ipHeader)
	if len(lines) == 0 {
		s.warnOtherForwardingHeader(r)
		return peer, peer.String(), nil
	}
	a, err := tokenmint.ForwardedClientIP(peer, s.trusted, s.ipHeader, lines)
	if err != nil {
		return netip.Addr{}, "", err
	}
	return a, a.String(), nil
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

func (s *Server) trusted(a netip.Addr) bool { return tokenmint.InPrefixes(s.proxies)(a) }

func peerAddr(remote string) netip.Addr { return tokenmint.ParsePeerAddr(remote) }
