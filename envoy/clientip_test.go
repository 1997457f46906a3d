package envoy_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	"tokenmint"
	"tokenmint/service"
)

// The client is Envoy's downstream peer unless that peer is a trusted
// proxy; then it is the right-most untrusted X-Forwarded-For hop, the
// HTTP server's rule. A trusted proxy's hop that is not an address is
// refused (400), and an IP block applies to the address found.
func TestCheckClientAddress(t *testing.T) {
	e := newEnv(t, envOptions{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	plain, _, id := e.createToken("CIToken", "")
	xff := func(v string) map[string]string {
		return map[string]string{"authorization": "Bearer " + plain, "x-forwarded-for": v}
	}
	wantAllowed(t, e.check(check{headers: xff("203.0.113.50, 198.51.100.9, 10.0.0.7"), source: "10.0.0.2"}))
	wantAllowed(t, e.check(check{headers: xff("203.0.113.77"), source: "198.51.100.30"}))
	wantAllowed(t, e.check(check{headers: bearer(plain), source: "10.0.0.3"}))
	wantDenied(t, e.check(check{headers: xff("unknown"), source: "10.0.0.2"}), codes.InvalidArgument, 400, tokenmint.EINVALID)

	if err := e.svc.Usage().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	usage, _, err := e.svc.TokenUsage(e.admin, id, service.PageInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ips []string
	for _, u := range usage {
		ips = append(ips, u.IP)
	}
	slices.Sort(ips)
	if want := []string{"10.0.0.3", "198.51.100.30", "198.51.100.9"}; !slices.Equal(ips, want) {
		t.Errorf("usage recorded from %v, want %v", ips, want)
	}

	if _, err := e.svc.BlockIP(e.admin, id, "198.51.100.9"); err != nil {
		t.Fatal(err)
	}
	wantDenied(t, e.check(check{headers: xff("198.51.100.9"), source: "10.0.0.2"}), codes.PermissionDenied, 403, tokenmint.EFORBIDDEN)
	wantAllowed(t, e.check(check{headers: xff("198.51.100.9"), source: "198.51.100.31"}))
}
