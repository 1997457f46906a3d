package main

import (
	"context"

	"tokenmint/secret"
)

// scenVerifyRateLimited verifies a token that carries a rate limit of its
// own and whose owner carries one too, both generous enough never to
// refuse: compared with verify-opaque in the same run, it is the cost of
// rate limiting on the verify path (the target: at most 5 % of req/s).
const scenVerifyRateLimited = "verify-ratelimited"

// benchRateLimit is the limit of the token and of its owner in
// verify-ratelimited: a million requests a second, never reached.
var benchRateLimit = map[string]int{"requests": 1_000_000, "per_seconds": 1}

// seedRateLimited creates an application with an owner rate limit and one
// token of it with its own, and returns the token. An application of its
// own keeps the owner limit off the admin's tokens, which the other
// scenarios verify unlimited.
func seedRateLimited(ctx context.Context, api *benchAPI) (string, error) {
	var app struct {
		ID string `json:"id"`
	}
	if err := api.call(ctx, "POST", "/api/v1/applications", map[string]any{"name": "bench-rl-" + secret.Base62(8), "access_types": []string{"read-write"}}, &app); err != nil {
		return "", err
	}
	if err := api.call(ctx, "PUT", "/api/v1/applications/"+app.ID+"/rate-limit", benchRateLimit, nil); err != nil {
		return "", err
	}
	var out struct {
		Token string `json:"token"`
	}
	err := api.call(ctx, "POST", "/api/v1/applications/"+app.ID+"/tokens", map[string]any{"type": "ApplicationToken", "name": "bench-ratelimited", "rate_limit": benchRateLimit}, &out)
	return out.Token, err
}
