package http

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// The client IP comes only from the header the operator named, a hop's
// port is stripped, and a hop that is not an address fails closed.
func TestClientIPDerivation(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	const proxy = "10.0.0.2:5555"
	cases := []struct {
		name    string
		header  string // ClientIPHeader; "" is the default
		peer    string
		headers map[string][]string
		want    string
		bad     bool // unparsable: refused
	}{
		{"untrusted peer ignores headers", "", "198.51.100.1:1234", map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "198.51.100.1", false},
		{"link-local peer without its zone", "", "[fe80::1%eth0]:1234", nil, "fe80::1", false},
		{"plain hop", "", proxy, map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9", false},
		{"hop with a port", "", proxy, map[string][]string{"X-Forwarded-For": {"203.0.113.9:4711"}}, "203.0.113.9", false},
		{"IPv6 hop with a port", "", proxy, map[string][]string{"X-Forwarded-For": {"[2001:db8::9]:4711"}}, "2001:db8::9", false},
		{"bracketed IPv6 hop", "", proxy, map[string][]string{"X-Forwarded-For": {"[2001:db8::9]"}}, "2001:db8::9", false},
		{"bare IPv6 hop", "", proxy, map[string][]string{"X-Forwarded-For": {"2001:db8::9"}}, "2001:db8::9", false},
		{"mapped hop", "", proxy, map[string][]string{"X-Forwarded-For": {"::ffff:203.0.113.9"}}, "203.0.113.9", false},
		{"right-most untrusted hop", "", proxy, map[string][]string{"X-Forwarded-For": {"1.1.1.1, 203.0.113.9:80, 10.0.0.7"}}, "203.0.113.9", false},
		{"several header lines", "", proxy, map[string][]string{"X-Forwarded-For": {"1.1.1.1", "203.0.113.9, 10.0.0.7"}}, "203.0.113.9", false},
		{"a spoofed left hop is not read", "", proxy, map[string][]string{"X-Forwarded-For": {"unknown, 203.0.113.9"}}, "203.0.113.9", false},
		{"unknown right-most hop", "", proxy, map[string][]string{"X-Forwarded-For": {"unknown"}}, "", true},
		{"garbage behind a trusted hop", "", proxy, map[string][]string{"X-Forwarded-For": {"junk, 10.0.0.7"}}, "", true},
		{"empty hop", "", proxy, map[string][]string{"X-Forwarded-For": {"203.0.113.9, "}}, "", true},
		{"tab around a hop is whitespace", "", proxy, map[string][]string{"X-Forwarded-For": {"1.1.1.1,\t203.0.113.9\t"}}, "203.0.113.9", false},
		{"a carriage return is not whitespace", "", proxy, map[string][]string{"X-Forwarded-For": {"203.0.113.9\r"}}, "", true},
		{"no header: the proxy is the client", "", proxy, nil, "10.0.0.2", false},
		{"all hops trusted", "", proxy, map[string][]string{"X-Forwarded-For": {"10.0.0.7"}}, "10.0.0.2", false},
		{"XFF mode ignores Forwarded", "", proxy, map[string][]string{"Forwarded": {"for=203.0.113.8"}}, "10.0.0.2", false},
		{"Forwarded mode ignores XFF", "Forwarded", proxy, map[string][]string{"X-Forwarded-For": {"203.0.113.9"}, "Forwarded": {"for=203.0.113.8"}}, "203.0.113.8", false},
		{"Forwarded with ports and quotes", "forwarded", proxy, map[string][]string{"Forwarded": {`for=192.0.2.60;proto=https, for="[2001:db8::9]:4711"`}}, "2001:db8::9", false},
		{"Forwarded IPv4 with a port", "Forwarded", proxy, map[string][]string{"Forwarded": {`for="203.0.113.8:443"`}}, "203.0.113.8", false},
		{"Forwarded skips trusted hops", "Forwarded", proxy, map[string][]string{"Forwarded": {"for=203.0.113.8, for=10.0.0.9"}}, "203.0.113.8", false},
		{"Forwarded unknown", "Forwarded", proxy, map[string][]string{"Forwarded": {"for=unknown"}}, "", true},
		{"Forwarded obfuscated", "Forwarded", proxy, map[string][]string{"Forwarded": {"for=_hidden"}}, "", true},
		{"X-Real-IP", "X-Real-IP", proxy, map[string][]string{"X-Real-IP": {"203.0.113.7"}, "X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.7", false},
		{"X-Real-IP with a port", "x-real-ip", proxy, map[string][]string{"X-Real-IP": {"203.0.113.7:9"}}, "203.0.113.7", false},
		{"X-Real-IP list", "X-Real-IP", proxy, map[string][]string{"X-Real-IP": {"203.0.113.7, 203.0.113.8"}}, "", true},
		{"X-Real-IP last line wins", "X-Real-IP", proxy, map[string][]string{"X-Real-IP": {"203.0.113.1", "203.0.113.7"}}, "203.0.113.7", false},
		{"another header", "CF-Connecting-IP", proxy, map[string][]string{"Cf-Connecting-Ip": {"2001:db8::7"}}, "2001:db8::7", false},
		{"another header, untrusted peer", "CF-Connecting-IP", "198.51.100.1:1", map[string][]string{"Cf-Connecting-Ip": {"2001:db8::7"}}, "198.51.100.1", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := ParseClientIPHeader(c.header)
			if err != nil {
				t.Fatal(err)
			}
			s := &Server{proxies: proxies, ipHeader: h, log: slog.New(slog.DiscardHandler)}
			r := httptest.NewRequest("GET", "/healthz", nil)
			r.RemoteAddr = c.peer
			for k, vs := range c.headers {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			_, got, err := s.clientAddr(r)
			if c.bad {
				if err == nil {
					t.Fatalf("clientAddr = %q, want an error", got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("clientAddr = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestParseClientIPHeader(t *testing.T) {
	for in, want := range map[string]string{
		"": "X-Forwarded-For", "x-forwarded-for": "X-Forwarded-For", "FORWARDED": "Forwarded",
		"x-real-ip": "X-Real-Ip", "True-Client-IP": "True-Client-Ip",
	} {
		got, err := ParseClientIPHeader(in)
		if err != nil || got != want {
			t.Errorf("ParseClientIPHeader(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"X Forwarded", "X-Forwarded-For:", "a,b", "ä"} {
		if _, err := ParseClientIPHeader(in); err == nil {
			t.Errorf("ParseClientIPHeader(%q) accepted", in)
		}
	}
}

// A trusted proxy's unparsable hop is refused with 400 rather than
// counted as the proxy's own address.
func TestClientIPUnparsableHopRefused(t *testing.T) {
	s := NewServer(Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	r := httptest.NewRequest("GET", "/healthz", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "unknown")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", w.Code, w.Body)
	}
}

// A trusted proxy that names the client in another header than the one
// configured gets the operator one warning, not one a request.
func TestClientIPWarnsOnceAboutAnotherHeader(t *testing.T) {
	var logs bytes.Buffer
	s := NewServer(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil)), TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	for range 3 {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.RemoteAddr = "127.0.0.1:5000"
		r.Header.Set("Forwarded", "for=203.0.113.8")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
	}
	if n := strings.Count(logs.String(), "set --client-ip-header"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
	}
}
