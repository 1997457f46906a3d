package http

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// FuzzClientIP derives the client IP of requests with arbitrary peers,
// X-Forwarded-For, Forwarded and X-Real-IP headers, behind trusted proxies
// on the loopback and 10.0.0.0/8, with each header as the operator's
// choice. The derivation may refuse (400) a trusted proxy's hop that is
// not an IP; otherwise the result is no IP ("") or an IP's canonical
// text (IPv4-mapped taken as IPv4, no zone); an untrusted peer is the
// client whatever the headers say; a trusted address is never the client
// unless it is the peer itself or the operator's header holds a single
// address; and the client is the peer or an address
// the headers name, never one made up.
func FuzzClientIP(f *testing.F) {
	proxies := []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.0.0.0/8"),
	}
	var servers []*Server
	for _, h := range []string{"", "Forwarded", "X-Real-IP"} {
		servers = append(servers, NewServer(Config{TrustedProxies: proxies, ClientIPHeader: h}))
	}
	for _, c := range [][3]string{
		{"127.0.0.1:5000", "203.0.113.7", ""},
		{"127.0.0.1:5000", "203.0.113.7, 10.0.0.2", ""},
		{"127.0.0.1:5000", "203.0.113.7:4711", ""},
		{"127.0.0.1:5000", "203.0.113.7, unknown", ""},
		{"127.0.0.1:5000", "::ffff:203.0.113.7", ""},
		{"127.0.0.1:5000", "", `for=203.0.113.7;proto=https, for="[2001:db8::1]:443"`},
		{"127.0.0.1:5000", "", `For="_hidden", for=unknown`},
		{"127.0.0.1:5000", "10.0.0.1, 127.0.0.1", ""},
		{"198.51.100.9:1234", "203.0.113.7", "for=192.0.2.1"},
		{"[::1]:80", "fe80::1%eth0", ""},
		{"[::ffff:127.0.0.1]:80", "2001:db8::1", ""},
		{"@", "203.0.113.7", ""},
		{"", "", ""},
	} {
		f.Add(uint8(0), c[0], c[1], c[2])
		f.Add(uint8(1), c[0], c[1], c[2])
		f.Add(uint8(2), c[0], c[2], c[1])
	}
	f.Fuzz(func(t *testing.T, which uint8, remote, xff, fwd string) {
		s := servers[int(which)%len(servers)]
		r, err := http.NewRequest("GET", "http://tokenmint.test/", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		if fwd != "" {
			r.Header.Set("Forwarded", fwd)
			r.Header.Set("X-Real-IP", fwd)
		}
		addr, ip, err := s.clientAddr(r)
		// The usage buffer files the client under addr without reading
		// ip again (service.VerifyRequest.Addr): the two must agree.
		if addr.IsValid() != (ip != "") || (addr.IsValid() && addr.String() != ip) {
			t.Fatalf("clientAddr gave %v and %q, which disagree", addr, ip)
		}
		peer := peerAddr(remote)
		if !peer.IsValid() {
			if ip != "" {
				t.Fatalf("peer %q has no IP but the client IP is %q", remote, ip)
			}
			return
		}
		if err != nil {
			if !s.trusted(peer) {
				t.Fatalf("untrusted peer %s refused: %v", peer, err)
			}
			return // a trusted proxy's hop is not an IP: refused, fail closed
		}
		a, err := netip.ParseAddr(ip)
		if err != nil || a.String() != ip || a.Is4In6() || a.Zone() != "" {
			t.Fatalf("client IP %q is not an IP's canonical text", ip)
		}
		if !s.trusted(peer) && a != peer {
			t.Fatalf("untrusted peer %s, but the client IP is %s (X-Forwarded-For %q, Forwarded %q)", peer, a, xff, fwd)
		}
		if a == peer {
			return
		}
		// In a list header, the right-most untrusted hop is the client; a
		// single-address header (X-Real-IP) names the client as the proxy
		// saw it, which may be a host of its own network.
		if s.ipHeader != "X-Real-Ip" && s.trusted(a) {
			t.Fatalf("client IP %s is a trusted proxy (peer %s, X-Forwarded-For %q, Forwarded %q)", a, peer, xff, fwd)
		}
		if !namedIn(a, xff+","+fwd) {
			t.Fatalf("client IP %s appears in neither X-Forwarded-For %q nor Forwarded %q", a, xff, fwd)
		}
	})
}

// namedIn reports whether the header text names address a: as one of its
// words, with or without a port or brackets.
func namedIn(a netip.Addr, header string) bool {
	for _, w := range strings.FieldsFunc(header, func(r rune) bool { return strings.ContainsRune(", \t;=\"[]", r) }) {
		cands := []string{w}
		if h, _, ok := strings.Cut(w, ":"); ok && strings.Count(w, ":") == 1 {
			cands = append(cands, h)
		}
		for _, c := range cands {
			if b, err := netip.ParseAddr(c); err == nil && b.WithZone("").Unmap() == a {
				return true
			}
		}
	}
	return false
}
