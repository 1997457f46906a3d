package main

import (
	"context"
	"strings"

	"tokenmint/secret"
)

// scenVerifyRateLimited verifies a CIToken that carries a rate limit of
// its own and whose owner carries one too, both generous enough never to
// refuse: compared with verify-opaque in the same run, it is the cost of
// rate limiting on the verify path (the target: at most 5 % of req/s).
const scenVerifyRateLimited = "verify-ratelimited"

// benchRateLimit is the limit of the token and of its owner in
// verify-ratelimited: a million requests a second, never reached.
var benchRateLimit = map[string]int{"requests": 1_000_000, "per_seconds": 1}

// seedRateLimited creates a user with an owner rate limit, signs in as
// that user and creates a CIToken with a limit of its own, the same
// request as verify-opaque's but for the limits. A user of its own keeps
// the owner limit off the admin's tokens, which the other scenarios
// verify unlimited.
func seedRateLimited(ctx context.Context, api *benchAPI) (string, error) {
	name, password := "bench-rl-"+strings.ToLower(secret.Base62(8)), secret.Base62(24)
	var user struct {
		ID string `json:"id"`
	}
	if err := api.call(ctx, "POST", "/api/v1/users", map[string]any{"username": name, "password": password, "roles": []string{"member"}}, &user); err != nil {
		return "", err
	}
	if err := api.call(ctx, "PUT", "/api/v1/users/"+user.ID+"/rate-limit", benchRateLimit, nil); err != nil {
		return "", err
	}
	owner := newBenchAPI(api.base)
	if err := owner.login(ctx, name, password); err != nil {
		return "", err
	}
	var out struct {
		Token string `json:"token"`
	}
	err := owner.call(ctx, "POST", "/api/v1/tokens", map[string]any{"type": benchTokenType, "name": "bench-ratelimited", "rate_limit": benchRateLimit}, &out)
	return out.Token, err
}
