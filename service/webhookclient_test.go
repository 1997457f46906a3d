package service

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// The delivery client checks the address it connects to after DNS
// resolution: a name that resolves to the loopback is refused with a final
// error (no retries), and reaches the receiver once the operator allows the
// loopback.
func TestWebhookClientRefusesInternalAddressesAfterResolution(t *testing.T) {
	hits := 0
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer receiver.Close()
	u, _ := url.Parse(receiver.URL)
	byName := "http://localhost:" + u.Port() + "/hook" // resolved from /etc/hosts

	for _, target := range []string{byName, receiver.URL} {
		_, err := newWebhookClient(nil).Post(target, "application/json", strings.NewReader("{}"))
		var final *finalError
		if !errors.As(err, &final) || !strings.Contains(err.Error(), "internal address") {
			t.Errorf("POST %s with nothing allowed: %v; want a final refusal", target, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the receiver got %d requests while its address was refused", hits)
	}

	allowed := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	resp, err := newWebhookClient(allowed).Post(byName, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("POST with the loopback allowed: %v", err)
	}
	resp.Body.Close()
	if hits != 1 {
		t.Errorf("receiver hits = %d, want 1", hits)
	}
}
