package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// usageByIP reads a token's usage as c: IP → {count, blocked}.
func usageByIP(t *testing.T, c *client, id string) map[string]map[string]any {
	t.Helper()
	r := c.do("GET", "/api/v1/tokens/"+id+"/usage", nil)
	expect(t, r, http.StatusOK, "usage")
	out := map[string]map[string]any{}
	for _, it := range r.json(t)["items"].([]any) {
		m := it.(map[string]any)
		out[m["ip"].(string)] = m
	}
	return out
}

// 1000 verifications from three client IPs (behind a trusted proxy) are
// counted per IP after a flush; a blocked IP is refused while another IP
// keeps working; a graceful restart loses no usage.
func TestUsagePerIPAndBlocking(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	uma, _ := e.userWithEmail("uma")
	plain, _, id := uma.createToken(map[string]any{"type": "CIToken", "name": "counted"})
	want := map[string]int{"203.0.113.1": 500, "203.0.113.2": 300, "2001:db8::7": 200}
	for ip, n := range want {
		for i := 0; i < n; i++ {
			if r := e.verifyFrom(plain, ip); r.status != http.StatusOK {
				t.Fatalf("verify %d from %s: %d %s", i, ip, r.status, r.body)
			}
		}
	}
	// A client cannot spoof its IP: the header is believed only from a
	// trusted proxy (the loopback here), and then the right-most untrusted
	// hop counts.
	if r := e.verifyFrom(plain, "192.0.2.99, 203.0.113.1"); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	want["203.0.113.1"]++
	e.flushUsage()

	got := usageByIP(t, uma, id)
	if len(got) != len(want) {
		t.Fatalf("usage has IPs %v, want %v", got, want)
	}
	for ip, n := range want {
		if c := int(got[ip]["count"].(float64)); c != n {
			t.Errorf("usage from %s = %d, want %d", ip, c, n)
		}
		if got[ip]["blocked"] != false {
			t.Errorf("%s blocked before any block", ip)
		}
	}
	if tok := uma.do("GET", "/api/v1/tokens/"+id, nil).json(t); tok["last_used_at"] == nil || tok["uses"] != float64(1001) {
		t.Errorf("token after use: last_used_at %v, uses %v", tok["last_used_at"], tok["uses"])
	}
	// An admin may block but never see another user's usage.
	if r := e.admin.do("GET", "/api/v1/tokens/"+id+"/usage", nil); r.status != http.StatusForbidden {
		t.Errorf("admin reads usage: %d %s", r.status, r.body)
	}

	// Block 203.0.113.0/24, the slash escaped in the path segment.
	r := uma.do("PUT", "/api/v1/tokens/"+id+"/blocked-ips/203.0.113.0%2F24", nil)
	expect(t, r, http.StatusOK, "block range")
	if m := r.json(t); m["ip"] != "203.0.113.0/24" {
		t.Errorf("block answer = %v", m)
	}
	if r := e.verifyFrom(plain, "203.0.113.2"); r.status != http.StatusForbidden {
		t.Errorf("blocked IP verified: %d %s", r.status, r.body)
	}
	expect(t, e.verifyFrom(plain, "2001:db8::7"), http.StatusOK, "other IP with the blocked token")
	if items := auditItems(t, e.admin, "action=token.verify&outcome=denied&object="+id); len(items) != 1 || items[0]["client_ip"] != "203.0.113.2" {
		t.Errorf("blocked attempt audit = %v, want one entry from 203.0.113.2", items)
	}
	u := usageByIP(t, uma, id)
	if u["203.0.113.1"]["blocked"] != true || u["2001:db8::7"]["blocked"] != false {
		t.Errorf("usage blocked flags = %v", u)
	}

	// An admin blocks the IPv6 range, the slash as it is in the path.
	expect(t, e.admin.do("PUT", "/api/v1/tokens/"+id+"/blocked-ips/2001:db8::/32", nil), http.StatusOK, "admin blocks v6 range")
	if r := e.verifyFrom(plain, "2001:db8::7"); r.status != http.StatusForbidden {
		t.Errorf("v6 blocked IP verified: %d", r.status)
	}
	r = uma.do("GET", "/api/v1/tokens/"+id+"/blocked-ips", nil)
	if !strings.Contains(string(r.body), `"203.0.113.0/24"`) || !strings.Contains(string(r.body), `"2001:db8::/32"`) {
		t.Errorf("blocked-ips = %s", r.body)
	}
	// Bad input is refused and changes nothing.
	for _, bad := range []string{"not-an-ip", "10.0.0.0%2F33", "fe80::1%25eth0", "10.0.0.0-8"} {
		r := uma.do("PUT", "/api/v1/tokens/"+id+"/blocked-ips/"+bad, nil)
		if r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
			t.Errorf("block %s: %d %s, want 400", bad, r.status, r.body)
		}
	}
	other, _ := e.userWithEmail("otto")
	if r := other.do("PUT", "/api/v1/tokens/"+id+"/blocked-ips/192.0.2.1", nil); r.status != http.StatusNotFound {
		t.Errorf("another member blocks: %d", r.status)
	}
	r = uma.do("GET", "/api/v1/tokens/"+id+"/blocked-ips", nil)
	if n := strings.Count(string(r.body), `"ip"`); n != 2 {
		t.Errorf("after refused blocks: %s", r.body)
	}

	// Unblocking takes effect at once, in any notation of the range.
	expect(t, uma.do("DELETE", "/api/v1/tokens/"+id+"/blocked-ips/203.0.113.77/24", nil), http.StatusNoContent, "unblock")
	expect(t, e.admin.do("DELETE", "/api/v1/tokens/"+id+"/blocked-ips/2001:db8::%2F32", nil), http.StatusNoContent, "admin unblocks")
	expect(t, e.verifyFrom(plain, "203.0.113.2"), http.StatusOK, "unblocked IP")
	if r := uma.do("DELETE", "/api/v1/tokens/"+id+"/blocked-ips/203.0.113.0/24", nil); r.status != http.StatusNotFound {
		t.Errorf("unblock twice: %d", r.status)
	}

	// Graceful restart: what is buffered is flushed on the way down.
	for i := 0; i < 50; i++ {
		expect(t, e.verifyFrom(plain, "198.51.100.9"), http.StatusOK, "verify before restart")
	}
	e.restart()
	if c := usageByIP(t, uma, id)["198.51.100.9"]; c == nil || c["count"] != float64(50) {
		t.Errorf("after a graceful restart usage from 198.51.100.9 = %v, want 50", c)
	}
}
