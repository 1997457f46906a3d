package tokenmint

import (
	"net/netip"
	"strings"
)

// internalNetworks are the ranges a webhook must not reach unless the
// operator allows them: loopback, private, link-local (which holds cloud
// metadata services), multicast, and the special-purpose ranges of
// RFC 6890 that route inside an operator's network or nowhere. The IPv6
// ranges that embed an IPv4 address (NAT64, 6to4, Teredo) are here too, so
// an internal IPv4 address cannot be reached through them; IPv4-mapped
// addresses are unmapped before the check.
var internalNetworks = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("10.0.0.0/8"),     // private
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("127.0.0.0/8"),    // loopback
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, metadata services
	netip.MustParsePrefix("172.16.0.0/12"),  // private
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("192.168.0.0/16"), // private
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("224.0.0.0/4"),    // multicast
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
	netip.MustParsePrefix("::/128"),         // unspecified
	netip.MustParsePrefix("::1/128"),        // loopback
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("2001::/32"),      // Teredo
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("2002::/16"),      // 6to4
	netip.MustParsePrefix("fc00::/7"),       // unique local
	netip.MustParsePrefix("fe80::/10"),      // link-local
	netip.MustParsePrefix("fec0::/10"),      // old site-local
	netip.MustParsePrefix("ff00::/8"),       // multicast
}

// WebhookAddressAllowed reports whether a webhook delivery may connect to
// address a: a public address always, an internal one only when a prefix
// of allowed holds it. This keeps an administrator's webhook from reaching
// the server's own host, its network or a cloud metadata service unless
// the operator chose to allow that.
func WebhookAddressAllowed(a netip.Addr, allowed []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	for _, p := range allowed {
		if p.Contains(a) {
			return true
		}
	}
	for _, p := range internalNetworks {
		if p.Contains(a) {
			return false
		}
	}
	return a.IsGlobalUnicast()
}

// CheckWebhookHost checks a webhook URL's host where that needs no DNS
// lookup: an IP literal must be an allowed address, and "localhost" names
// the loopback. Other names are checked after resolution, at every
// connection, by the delivery's dialer.
func CheckWebhookHost(host string, allowed []netip.Prefix) error {
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	var ok bool
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		ok = WebhookAddressAllowed(netip.MustParseAddr("127.0.0.1"), allowed) ||
			WebhookAddressAllowed(netip.IPv6Loopback(), allowed)
	} else if a, err := netip.ParseAddr(name); err == nil {
		ok = WebhookAddressAllowed(a, allowed)
	} else {
		return nil // a name: checked when it is resolved
	}
	if !ok {
		return Errorf(EINVALID, "url points at an internal address (%s); webhooks reach internal networks only where the operator allows them (--webhook-allowed-networks)", host)
	}
	return nil
}
