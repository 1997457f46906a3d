package http_test

import (
	"net/http"
	"net/netip"
	"testing"
)

// A token bound to networks behind the real nginx recipe: which client IP
// it is checked against depends on --trusted-proxies (docs/proxies.md,
// docs/bound-networks.md). Clients reach nginx from 127.0.0.2 and
// 127.0.0.3; nginx reaches tokenmint from 127.0.0.1.
func TestRecipeNginxBoundNetworks(t *testing.T) {
	type try struct {
		boundTo, from, spoofed string
		want                   int
	}
	for _, c := range []struct {
		name    string
		trusted []netip.Prefix
		tries   []try
	}{
		// Without --trusted-proxies tokenmint sees nginx's address for
		// everyone: a token bound to the real client's address is refused
		// to that client, and one bound to the proxy's address is accepted
		// for every client behind the proxy (the pitfall).
		{"without trusted proxies", nil, []try{
			{"127.0.0.2/32", "127.0.0.2", "", http.StatusForbidden},
			{"127.0.0.1/32", "127.0.0.2", "", http.StatusOK},
			{"127.0.0.1/32", "127.0.0.3", "", http.StatusOK},
			{"127.0.0.2/32", "127.0.0.3", "127.0.0.2", http.StatusForbidden},
		}},
		// With nginx trusted, the client nginx names in X-Forwarded-For is
		// checked; one a client writes itself is not believed (nginx
		// appends the address it saw, and tokenmint takes the last
		// untrusted hop).
		{"with trusted proxies", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, []try{
			{"127.0.0.2/32", "127.0.0.2", "", http.StatusOK},
			{"127.0.0.2/32", "127.0.0.3", "", http.StatusForbidden},
			{"127.0.0.2/32", "127.0.0.3", "127.0.0.2", http.StatusForbidden},
			{"127.0.0.1/32", "127.0.0.2", "", http.StatusForbidden},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := runRecipe(t, startNginx, c.trusted)
			for _, tr := range c.tries {
				tok, _, _ := p.e.admin.createToken(map[string]any{"type": "CIToken", "name": "bound", "allowed_cidrs": []string{tr.boundTo}})
				h := map[string]string{"Authorization": "Bearer " + tok}
				if tr.spoofed != "" {
					h["X-Forwarded-For"] = tr.spoofed
				}
				_, before := p.up.last()
				r := through(t, clientFrom(tr.from), p.proxy, "/orders/7", h)
				if r.status != tr.want {
					t.Errorf("token bound to %s, client %s (X-Forwarded-For %q): %d, want %d", tr.boundTo, tr.from, tr.spoofed, r.status, tr.want)
				}
				if _, after := p.up.last(); (after != before) != (tr.want == http.StatusOK) {
					t.Errorf("token bound to %s, client %s: upstream reached %d times, want %v", tr.boundTo, tr.from, after-before, tr.want == http.StatusOK)
				}
			}
		})
	}
}
