package envoy_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	"tokenmint"
	"tokenmint/service"
)

// ext_authz goes through the same verify: a token bound to networks is
// allowed from Envoy's downstream peer inside them (IPv4-mapped too) and
// refused (403) from outside.
func TestCheckBoundNetworks(t *testing.T) {
	e := newEnv(t, envOptions{})
	it, err := e.svc.CreateToken(e.admin, service.CreateTokenInput{Type: "CIToken", Name: "bound", AllowedCIDRs: []string{"198.51.100.0/24"}})
	if err != nil {
		t.Fatal(err)
	}
	ext := map[string]string{"tokenmint.permission": "api:read"}
	wantAllowed(t, e.check(check{headers: bearer(it.Plain), extensions: ext, source: "198.51.100.20"}))
	wantAllowed(t, e.check(check{headers: bearer(it.Plain), extensions: ext, source: "::ffff:198.51.100.21"}))
	wantDenied(t, e.check(check{headers: bearer(it.Plain), extensions: ext, source: "203.0.113.5"}), codes.PermissionDenied, 403, tokenmint.EFORBIDDEN)
}
