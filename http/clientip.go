package http

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the socket peer, unless the peer is a trusted proxy: then the
// right-most untrusted address of X-Forwarded-For (or Forwarded), so a
// client cannot spoof its IP by sending the header itself.
func (s *Server) clientIP(r *http.Request) string {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		// Not an IP peer (a Unix socket, a test harness): no address to
		// record, block or throttle by, rather than the text "invalid IP".
		return ""
	}
	if !s.trusted(peer) {
		return peer.String()
	}
	hops := forwardedFor(r)
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a.String()
		}
	}
	return peer.String()
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

// forwardedFor lists the hops of X-Forwarded-For, or of the for= parameters
// of Forwarded (RFC 7239), oldest first.
func forwardedFor(r *http.Request) []string {
	var hops []string
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, line := range xff {
			for _, h := range strings.Split(line, ",") {
				hops = append(hops, strings.TrimSpace(h))
			}
		}
		return hops
	}
	for _, line := range r.Header.Values("Forwarded") {
		for _, elem := range strings.Split(line, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(k, "for") {
					continue
				}
				v = strings.Trim(v, `"`)
				if strings.HasPrefix(v, "[") { // [v6]:port
					v = strings.TrimPrefix(v, "[")
					v, _, _ = strings.Cut(v, "]")
				} else if h, _, err := net.SplitHostPort(v); err == nil {
					v = h
				}
				hops = append(hops, v)
			}
		}
	}
	return hops
}
