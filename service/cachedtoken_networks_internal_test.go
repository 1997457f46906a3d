package service

import (
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"tokenmint"
)

// The cache entry of a token with neither IP blocks nor allowed networks
// holds no IP rules at all (a nil pointer, the word every entry had for
// its blocks before networks existed); a bound one carries its networks,
// which the cached view hands back.
func TestCachedTokenKeepsNetworksWithoutGrowing(t *testing.T) {
	if got, want := unsafe.Sizeof(cachedToken{}.ip), unsafe.Sizeof(uintptr(0)); got != want {
		t.Fatalf("the IP rules of a cache entry take %d bytes, want one pointer (%d)", got, want)
	}
	tok := &tokenmint.Token{ID: "t", TenantID: "x", OwnerKind: tokenmint.OwnerUser, OwnerID: "u", Type: "CIToken",
		StoredStatus: tokenmint.StatusActive, CreatedAt: time.Unix(1, 0)}
	open, ok := newCachedToken(tok, nil, nil)
	if !ok || open.ip != nil {
		t.Fatalf("an unbound, unblocked token's entry holds IP rules: %+v", open.ip)
	}
	l, err := tokenmint.ParseCIDRList([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	tok.AllowedCIDRs = l
	bound, _ := newCachedToken(tok, nil, []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")})
	var view tokenmint.Token
	var exp time.Time
	var id [36]byte
	bound.token(&view, &exp, &id)
	if view.AllowedCIDRs.String() != "10.0.0.0/8" || len(bound.blockList()) != 1 {
		t.Fatalf("bound entry: networks %q, blocks %v", view.AllowedCIDRs.String(), bound.blockList())
	}
}
