package http_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// usageIPsAfter verifies once with the given headers and returns the IPs the
// token's usage shows after a flush.
func usageIPsAfter(t *testing.T, e *env, owner *client, plain, id string, headers map[string]string) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/auth/verify", nil)
	req.Header.Set("Authorization", "Bearer "+plain)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("verify: %d", resp.StatusCode)
	}
	if err := e.svc.Usage().Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	var ips []string
	for ip := range usageByIP(t, owner, id) {
		ips = append(ips, ip)
	}
	return ips
}

// Without trusted proxies the socket peer is the client, whatever headers
// say; behind a trusted proxy X-Forwarded-For or Forwarded name it.
func TestClientIPFromSocketOrTrustedProxy(t *testing.T) {
	plain := newEnv(t)
	c, _ := plain.createUser("pia", "member")
	tok, _, id := c.createToken(map[string]any{"type": "CIToken", "name": "ip"})
	got := usageIPsAfter(t, plain, c, tok, id, map[string]string{"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=203.0.113.8"})
	if len(got) != 1 || got[0] != "127.0.0.1" {
		t.Errorf("untrusted peer: usage IPs %v, want the socket's 127.0.0.1", got)
	}

	// Behind a trusted proxy (the loopback) that writes X-Forwarded-For,
	// the default: the right-most hop names the client even written with
	// a port, and a Forwarded header the client sent is not believed.
	e := newLCEnv(t, lcOptions{})
	c2, _ := e.userWithEmail("pia")
	tok2, _, id2 := c2.createToken(map[string]any{"type": "CIToken", "name": "ip"})
	got = usageIPsAfter(t, e.env, c2, tok2, id2, map[string]string{"X-Forwarded-For": "198.51.100.3, [2001:db8::9]:4711"})
	if len(got) != 1 || got[0] != "2001:db8::9" {
		t.Errorf("X-Forwarded-For via a trusted proxy: usage IPs %v, want 2001:db8::9", got)
	}
	tok3, _, id3 := c2.createToken(map[string]any{"type": "CIToken", "name": "ip3"})
	got = usageIPsAfter(t, e.env, c2, tok3, id3, map[string]string{"Forwarded": "for=203.0.113.8"})
	if len(got) != 1 || got[0] != "127.0.0.1" {
		t.Errorf("a Forwarded header when the proxy writes X-Forwarded-For: usage IPs %v, want the proxy's 127.0.0.1", got)
	}
}

// A right-most hop the proxy wrote as "unknown" must not make the client
// the proxy (one throttle and one IP block for everyone): it is refused.
func TestClientIPUnknownHopFailsClosed(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	c, _ := e.userWithEmail("pia")
	tok, _, _ := c.createToken(map[string]any{"type": "CIToken", "name": "ip"})
	for _, hop := range []string{"unknown", "203.0.113.9, _hidden", "not-an-ip:80"} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/auth/verify", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("X-Forwarded-For", hop)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "client address") {
			t.Errorf("X-Forwarded-For %q: %d %s; want 400 naming the client address", hop, resp.StatusCode, body)
		}
	}
}
