package http_test

import (
	"net/http"
	"testing"

	"tokenmint"
	"tokenmint/secret"
)

// A revoked token is refused at the cost of an unknown one: one secret
// lookup in the store each time, even once its state is cached, so the
// two answers take the same time over HTTP (medians in
// BenchmarkVerifyRefusalTiming). Before, the cached refusal read nothing
// and answered in less than half the time.
func TestVerifyRefusesRevokedAtTheCostOfUnknown(t *testing.T) {
	e := newEnv(t)
	plain, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "to-revoke"})
	if r := e.admin.do("DELETE", "/api/v1/tokens/"+id, nil); r.status/100 != 2 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	verify := func(tok string) int {
		r := e.withToken(tok).do("GET", "/api/v1/auth/verify", nil)
		return r.status
	}
	if st := verify(plain); st != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", st)
	}
	lookups := func(tok string) int64 {
		before := e.store.secretLookups.Load()
		if st := verify(tok); st != http.StatusUnauthorized {
			t.Fatalf("refusal: %d", st)
		}
		return e.store.secretLookups.Load() - before
	}
	unknown := lookups(tokenmint.FormatToken(tokenmint.KindUser, secret.Base62(tokenmint.RandomLen)))
	revoked := lookups(plain) // its state is cached by now
	if unknown != 1 || revoked != unknown {
		t.Errorf("store lookups: %d for an unknown token, %d for a cached revoked one; want 1 each", unknown, revoked)
	}
}
