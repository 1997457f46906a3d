package http_test

import (
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// rateHeaders returns the RateLimit-* headers of an answer as numbers
// (-1 where absent).
func rateHeaders(r response) (limit, remaining, reset int) {
	get := func(k string) int {
		v := r.header.Get(k)
		if v == "" {
			return -1
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return -2
		}
		return n
	}
	return get("RateLimit-Limit"), get("RateLimit-Remaining"), get("RateLimit-Reset")
}

func TestVerifyOfRateLimitedTokenAnswers429WithHeaders(t *testing.T) {
	e := newEnv(t)
	plain, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "limited", "rate_limit": map[string]any{"requests": 3, "per_seconds": 60}})
	for i := range 3 {
		r := e.verify("Bearer "+plain, "?permission=results:upload")
		if r.status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, r.status, r.body)
		}
		if l, rem, reset := rateHeaders(r); l != 3 || rem != 2-i || reset != 60 {
			t.Fatalf("request %d: RateLimit headers %d %d %d, want 3 %d 60", i+1, l, rem, reset, 2-i)
		}
	}
	e.clock.Advance(15 * time.Second)
	r := e.verify("Bearer "+plain, "?permission=results:upload")
	if r.status != http.StatusTooManyRequests || r.errorCode(t) != "rate_limited" {
		t.Fatalf("fourth request: %d %s, want 429 rate_limited", r.status, r.body)
	}
	// The sliding window still weighs the full window just passed: one
	// request fits again a third into the next (3 * 2/3 + 1 = 3), 45 s +
	// 20 s from now.
	ra, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || ra < 65 || ra > 66 {
		t.Fatalf("Retry-After %q, want 65 s (the rest of the window and a third of the next)", r.header.Get("Retry-After"))
	}
	// RateLimit-Reset of a refusal agrees with Retry-After: a client that
	// waits for the window's end (45 s) would only be refused again.
	if l, rem, reset := rateHeaders(r); l != 3 || rem != 0 || reset != ra {
		t.Fatalf("429: RateLimit headers %d %d %d, want 3 0 %d (Retry-After)", l, rem, reset, ra)
	}
	// The token's page shows its own limit and the one in force.
	m := e.admin.do("GET", "/api/v1/tokens/"+id, nil).json(t)
	own, _ := m["rate_limit"].(map[string]any)
	eff, _ := m["effective_rate_limit"].(map[string]any)
	if own["requests"] != 3.0 || own["per_seconds"] != 60.0 || eff["source"] != "token" {
		t.Fatalf("token JSON: rate_limit %v, effective %v", m["rate_limit"], m["effective_rate_limit"])
	}
	// An unlimited token carries no RateLimit headers.
	free, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "free"})
	if r := e.verify("Bearer "+free, ""); r.status != 200 || r.header.Get("RateLimit-Limit") != "" {
		t.Fatalf("unlimited token: %d, RateLimit-Limit %q", r.status, r.header.Get("RateLimit-Limit"))
	}
}

func TestPatchTokenRateLimitSetsAndClears(t *testing.T) {
	e := newEnv(t)
	plain, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "x"})
	r := e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"rate_limit": map[string]any{"requests": 1, "per_seconds": 30}})
	if r.status != 200 {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	if rl, _ := r.json(t)["rate_limit"].(map[string]any); rl["requests"] != 1.0 {
		t.Fatalf("PATCH answer rate_limit = %v", r.json(t)["rate_limit"])
	}
	if r := e.verify("Bearer "+plain, ""); r.status != 200 {
		t.Fatalf("first: %d", r.status)
	}
	if r := e.verify("Bearer "+plain, ""); r.status != 429 {
		t.Fatalf("second under 1/30: %d, want 429", r.status)
	}
	// With other fields at once, and then null clears it.
	r = e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"description": "edited", "rate_limit": nil})
	if r.status != 200 {
		t.Fatalf("PATCH null: %d %s", r.status, r.body)
	}
	if m := r.json(t); m["rate_limit"] != nil || m["description"] != "edited" {
		t.Fatalf("after clearing: %v", m)
	}
	if r := e.verify("Bearer "+plain, ""); r.status != 200 || r.header.Get("RateLimit-Limit") != "" {
		t.Fatalf("after clearing: %d %q", r.status, r.header.Get("RateLimit-Limit"))
	}
}

func TestRateLimitBadInputIs400AndChangesNothing(t *testing.T) {
	e := newEnv(t)
	_, _, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "x"})
	tokens, audit := e.counts()
	bad := []any{
		map[string]any{"requests": 0, "per_seconds": 10},
		map[string]any{"requests": 10},
		map[string]any{"requests": 10, "per_seconds": 86401},
		map[string]any{"requests": 10, "per_seconds": 10, "burst": 5},
		"100/60",
	}
	for _, b := range bad {
		if r := e.admin.do("POST", "/api/v1/tokens", map[string]any{"type": "CIToken", "name": "bad", "rate_limit": b}); r.status != 400 {
			t.Errorf("create with rate_limit %v: %d %s", b, r.status, r.body)
		}
		if r := e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"description": "changed", "rate_limit": b}); r.status != 400 {
			t.Errorf("PATCH with rate_limit %v: %d %s", b, r.status, r.body)
		}
		if r := e.admin.do("PUT", "/api/v1/users/admin/rate-limit", b); r.status != 400 {
			t.Errorf("PUT owner limit %v: %d %s", b, r.status, r.body)
		}
	}
	if tk, au := e.counts(); tk != tokens || au != audit {
		t.Fatalf("tokens %d→%d, audit %d→%d: a refused request changed something", tokens, tk, audit, au)
	}
	m := e.admin.do("GET", "/api/v1/tokens/"+id, nil).json(t)
	if m["description"] == "changed" || m["rate_limit"] != nil {
		t.Fatalf("token after refused PATCHes: %v", m)
	}
	if r := e.admin.do("GET", "/api/v1/users/admin/rate-limit", nil); r.status != 200 || r.json(t)["rate_limit"] != nil {
		t.Fatalf("owner limit after refused PUTs: %d %s", r.status, r.body)
	}
}

func TestOwnerRateLimitIsSharedByTheOwnersTokens(t *testing.T) {
	e := newEnv(t)
	a, _, aid := e.admin.createToken(map[string]any{"type": "CIToken", "name": "a"})
	b, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "b"})
	if r := e.admin.do("PUT", "/api/v1/users/admin/rate-limit", map[string]any{"requests": 2, "per_seconds": 60}); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	if r := e.verify("Bearer "+a, ""); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := e.verify("Bearer "+b, ""); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := e.verify("Bearer "+a, ""); r.status != 429 {
		t.Fatalf("third request of the owner: %d, want 429", r.status)
	}
	if ol, _ := e.admin.do("GET", "/api/v1/tokens/"+aid, nil).json(t)["owner_rate_limit"].(map[string]any); ol["requests"] != 2.0 {
		t.Fatalf("owner_rate_limit = %v", ol)
	}
	if r := e.admin.do("DELETE", "/api/v1/users/admin/rate-limit", nil); r.status != 204 {
		t.Fatalf("DELETE: %d", r.status)
	}
	if r := e.verify("Bearer "+b, ""); r.status != 200 {
		t.Fatalf("after DELETE: %d", r.status)
	}
}

// A rate-limited token presented to the API cannot mint an unlimited one.
func TestRateLimitedTokenCannotMintUnlimited(t *testing.T) {
	e := newEnv(t)
	plain, _, _ := e.admin.createToken(map[string]any{"type": "UserToken", "name": "maker", "rate_limit": map[string]any{"requests": 100, "per_seconds": 60}})
	c := e.withToken(plain)
	if r := c.do("POST", "/api/v1/tokens", map[string]any{"type": "UserToken", "name": "unlimited"}); r.status != 403 {
		t.Fatalf("minting an unlimited token: %d %s, want 403", r.status, r.body)
	}
	if r := c.do("POST", "/api/v1/tokens", map[string]any{"type": "UserToken", "name": "tighter", "rate_limit": map[string]any{"requests": 10, "per_seconds": 60}}); r.status != 201 {
		t.Fatalf("minting a tighter token: %d %s", r.status, r.body)
	}
}

// The creation answer carries the token's rate limits without reading
// them back (the creation knows its own and reads the owner's through the
// cache): they must be exactly what a read of the token says, with and
// without an own limit, an owner's limit, and after the owner's changed.
func TestCreatedTokenAnswerHasTheLimitsAReadShows(t *testing.T) {
	e := newEnv(t)
	fields := []string{"rate_limit", "owner_rate_limit", "effective_rate_limit"}
	check := func(name string, body map[string]any, wantOwner any) {
		t.Helper()
		r := e.admin.do("POST", "/api/v1/tokens", body)
		if r.status != http.StatusCreated {
			t.Fatalf("%s: create %d %s", name, r.status, r.body)
		}
		created := r.json(t)
		read := e.admin.do("GET", "/api/v1/tokens/"+created["id"].(string), nil).json(t)
		for _, f := range fields {
			if !reflect.DeepEqual(created[f], read[f]) {
				t.Errorf("%s: %s in the creation answer %v, read back %v", name, f, created[f], read[f])
			}
		}
		if ol, _ := created["owner_rate_limit"].(map[string]any); (wantOwner == nil) != (ol == nil) || (ol != nil && ol["requests"] != wantOwner) {
			t.Errorf("%s: owner_rate_limit %v, want requests %v", name, created["owner_rate_limit"], wantOwner)
		}
	}
	own := map[string]any{"requests": 3, "per_seconds": 60}
	check("no limits", map[string]any{"type": "CIToken", "name": "a"}, nil)
	check("own limit", map[string]any{"type": "CIToken", "name": "b", "rate_limit": own}, nil)
	if r := e.admin.do("PUT", "/api/v1/users/admin/rate-limit", map[string]any{"requests": 7, "per_seconds": 60}); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	check("owner's limit", map[string]any{"type": "CIToken", "name": "c"}, 7.0)
	if r := e.admin.do("PUT", "/api/v1/users/admin/rate-limit", map[string]any{"requests": 9, "per_seconds": 60}); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	check("owner's limit changed", map[string]any{"type": "CIToken", "name": "d", "rate_limit": own}, 9.0)
	if r := e.admin.do("DELETE", "/api/v1/users/admin/rate-limit", nil); r.status != 204 {
		t.Fatalf("DELETE: %d", r.status)
	}
	check("owner's limit removed", map[string]any{"type": "CIToken", "name": "e"}, nil)
}
