package service

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"tokenmint"
)

// newWebhookClient is the HTTP client of webhook deliveries. It checks the
// address of every connection after DNS resolution, in the dialer's
// Control hook, so a name that resolves (or later re-resolves) to an
// internal address is refused as surely as an IP literal. It uses no
// proxy, which would connect on its behalf and escape that check, and
// follows no redirects: a receiver answers for itself, and a redirect is a
// failed attempt, not an invitation to post the event elsewhere.
//
// The check is a few lines over net/netip and net.Dialer.Control, so it is
// written here rather than taken from a library.
func newWebhookClient(allowed []netip.Prefix) *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &finalError{fmt.Sprintf("webhook connection to %q refused: not an IP address", address)}
			}
			if !tokenmint.WebhookAddressAllowed(ap.Addr(), allowed) {
				return &finalError{fmt.Sprintf("webhook connection to internal address %s refused; allow it with --webhook-allowed-networks", ap.Addr())}
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: webhookTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          10,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: webhookTimeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
