package tokenmint

import (
	"net/netip"
	"strings"
)

// internalNetworks are the IPv4 ranges a webhook must not reach unless the
// operator allows them: loopback, private, link-local (which holds cloud
// metadata services), multicast, and the special-purpose ranges of
// RFC 6890 that route inside an operator's network or nowhere.
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
}

// globalUnicast6 is the only IPv6 range a webhook may reach without the
// operator's leave (RFC 4291 §2.4); every other IPv6 address is special,
// internal or unassigned.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// internalNetworks6 are the special-purpose ranges inside 2000::/3 that are
// refused. The ones that embed an IPv4 address (6to4, Teredo) are not
// here: their embedded IPv4 address is judged instead (see embeddedIPv4).
var internalNetworks6 = []netip.Prefix{
	netip.MustParsePrefix("2001::/23"),     // IETF protocol assignments (benchmarking, ORCHID, …)
	netip.MustParsePrefix("2001:db8::/32"), // documentation
	netip.MustParsePrefix("3fff::/20"),     // documentation (RFC 9637)
}

var (
	siit       = netip.MustParsePrefix("::ffff:0:0:0/96") // RFC 2765 IPv4-translated
	compatible = netip.MustParsePrefix("::/96")           // RFC 4291 IPv4-compatible (deprecated)
	nat64      = netip.MustParsePrefix("64:ff9b::/96")    // RFC 6052 well-known prefix
	sixToFour  = netip.MustParsePrefix("2002::/16")       // RFC 3056
	teredo     = netip.MustParsePrefix("2001::/32")       // RFC 4380
)

// WebhookAddressAllowed reports whether a webhook delivery may connect to
// address a: a public address always, an internal one only when a prefix
// of allowed holds it. This keeps an administrator's webhook from reaching
// the server's own host, its network or a cloud metadata service unless
// the operator chose to allow that.
//
// IPv6 addresses are allowed only in global unicast (2000::/3) outside
// the special-purpose ranges. One that carries an IPv4 address is judged
// as that IPv4 address too, so an internal IPv4 address cannot be reached
// through a translation: IPv4-mapped addresses are plain IPv4; the
// IPv4-compatible, IPv4-translated and NAT64 forms (outside 2000::/3) pass
// only when an allowed prefix holds their IPv4 address; 6to4 and Teredo
// (inside it) pass when their IPv4 addresses are public or allowed. The
// local-use NAT64 prefix 64:ff9b:1::/48 places the IPv4 address where the
// operator's prefix length says, so it is refused unless an allowed
// prefix holds it.
func WebhookAddressAllowed(a netip.Addr, allowed []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap() // an IPv4-mapped address is that IPv4 address
	}
	if inPrefixes(a, allowed) {
		return true
	}
	if v4s := embeddedIPv4(a); v4s != nil {
		// Outside global unicast (IPv4-compatible, IPv4-translated, NAT64)
		// only an IPv4 address the operator allows passes; inside it
		// (6to4, Teredo) a public one does too.
		global := globalUnicast6.Contains(a)
		for _, v4 := range v4s {
			if !inPrefixes(v4, allowed) && (!global || !publicIPv4(v4)) {
				return false
			}
		}
		return true
	}
	if a.Is4() {
		return publicIPv4(a)
	}
	return globalUnicast6.Contains(a) && !inPrefixes(a, internalNetworks6)
}

func publicIPv4(a netip.Addr) bool {
	return !inPrefixes(a, internalNetworks)
}

func inPrefixes(a netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// embeddedIPv4 returns the IPv4 addresses an IPv6 address a leads to, or
// nil when a embeds none. Teredo yields two: the relay server and the
// client's public address (stored inverted), and both must be allowed.
func embeddedIPv4(a netip.Addr) []netip.Addr {
	if !a.Is6() {
		return nil
	}
	b := a.As16()
	last := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	switch {
	case siit.Contains(a), compatible.Contains(a), nat64.Contains(a):
		return []netip.Addr{last}
	case sixToFour.Contains(a):
		return []netip.Addr{netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})}
	case teredo.Contains(a):
		server := netip.AddrFrom4([4]byte{b[4], b[5], b[6], b[7]})
		client := netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
		return []netip.Addr{server, client}
	}
	return nil
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
