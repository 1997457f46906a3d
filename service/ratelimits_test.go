package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/typesfile"
)

// limitedTypes are the built-in types and MeteredToken, whose tokens are
// limited to 3 requests per 10 seconds unless they carry a limit of their
// own.
func limitedTypes(t testing.TB) *tokenmint.TypeRegistry {
	t.Helper()
	doc := append(typesfile.DefaultsYAML(), []byte(`  - name: MeteredToken
    description: Metered.
    permissions: [api:read, tokens:read, tokens:write]
    default_days_to_live: 30
    owner_kind: user
    rate_limit: {requests: 3, per_seconds: 10}
`)...)
	reg, err := typesfile.Parse("types.yaml", doc)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func newRateService(t *testing.T) (*service.Service, context.Context, *tokenmint.FakeClock) {
	t.Helper()
	svc, ctx, _, clock := newServiceWith(t, nil, func(c *service.Config) { c.Types = limitedTypes(t) })
	// Start on a window boundary of every window length the tests use.
	clock.Set(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	return svc, ctx, clock
}

// verifyRate verifies a token and returns the rate state, or the refusal.
func verifyRate(svc *service.Service, plain string) (service.RateState, *service.RateLimitError, error) {
	res, err := svc.Verify(context.Background(), service.VerifyRequest{Token: plain, IP: "192.0.2.1"})
	var rl *service.RateLimitError
	if errors.As(err, &rl) {
		return *rl.State, rl, nil
	}
	if err != nil {
		return service.RateState{}, nil, err
	}
	return res.Rate, nil, nil
}

// accept counts the accepted verifications of n attempts.
func accept(t *testing.T, svc *service.Service, plain string, n int) int {
	t.Helper()
	ok := 0
	for range n {
		_, rl, err := verifyRate(svc, plain)
		if err != nil {
			t.Fatal(err)
		}
		if rl == nil {
			ok++
		}
	}
	return ok
}

func TestRateLimitRefusesOverTheLimitAndRollsOver(t *testing.T) {
	svc, ctx, clock := newRateService(t)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "limited", RateLimit: tokenmint.RateLimit{Requests: 5, PerSeconds: 60}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		st, rl, err := verifyRate(svc, issued.Plain)
		if err != nil || rl != nil {
			t.Fatalf("request %d: %v %v, want accepted", i+1, rl, err)
		}
		if st.Limit != 5 || st.Remaining != 4-i || st.Reset != 60 {
			t.Fatalf("request %d: state %+v, want limit 5, remaining %d, reset 60", i+1, st, 4-i)
		}
	}
	st, rl, err := verifyRate(svc, issued.Plain)
	if err != nil || rl == nil {
		t.Fatalf("request 6: %v, want refused", err)
	}
	if st.Remaining != 0 || rl.RetryAfter < 59*time.Second || rl.RetryAfter > 72*time.Second {
		t.Fatalf("refusal: state %+v, retry after %v; want nothing left and about a minute", st, rl.RetryAfter)
	}
	// A refused request spends no use and records no usage.
	tok, err := svc.GetToken(ctx, issued.Token.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tok.LastUsedAt != nil && tok.Uses > 5 {
		t.Fatalf("uses = %d after 5 accepted requests", tok.Uses)
	}
	// Half way into the next window half of the previous one still
	// counts: 5*0.5 = 2.5 of 5, so two more fit and the third does not.
	clock.Advance(90 * time.Second)
	if got := accept(t, svc, issued.Plain, 3); got != 2 {
		t.Fatalf("half way into the next window: %d accepted, want 2", got)
	}
	// Two windows later nothing of the old counts remains.
	clock.Advance(120 * time.Second)
	if got := accept(t, svc, issued.Plain, 6); got != 5 {
		t.Fatalf("after two windows: %d accepted, want 5", got)
	}
}

func TestRateLimitOfOwnerIsSharedByItsTokens(t *testing.T) {
	svc, ctx, _ := newRateService(t)
	a, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	// Unlimited so far: no rate state at all.
	if st, rl, err := verifyRate(svc, a.Plain); err != nil || rl != nil || st.Limit != 0 {
		t.Fatalf("unlimited token: %+v %v %v", st, rl, err)
	}
	if err := svc.SetOwnerRateLimit(ctx, tokenmint.OwnerUser, "admin", tokenmint.RateLimit{Requests: 4, PerSeconds: 60}); err != nil {
		t.Fatal(err)
	}
	if got := accept(t, svc, a.Plain, 3); got != 3 {
		t.Fatalf("token a: %d accepted, want 3", got)
	}
	if got := accept(t, svc, b.Plain, 3); got != 1 {
		t.Fatalf("token b, sharing the owner's 4: %d accepted, want 1", got)
	}
	l, err := svc.OwnerRateLimit(ctx, tokenmint.OwnerUser, "admin")
	if err != nil || l == nil || *l != (tokenmint.RateLimit{Requests: 4, PerSeconds: 60}) {
		t.Fatalf("OwnerRateLimit = %v, %v", l, err)
	}
	// Cleared, the owner's tokens are unlimited again at once.
	if err := svc.SetOwnerRateLimit(ctx, tokenmint.OwnerUser, "admin", tokenmint.RateLimit{}); err != nil {
		t.Fatal(err)
	}
	if got := accept(t, svc, b.Plain, 10); got != 10 {
		t.Fatalf("after clearing the owner's limit: %d accepted, want 10", got)
	}
}

// A request refused by the token's own limit does not count against the
// owner's: the other tokens of the owner keep their share.
func TestRateLimitRefusalDoesNotSpendTheOwnersCount(t *testing.T) {
	svc, ctx, _ := newRateService(t)
	if err := svc.SetOwnerRateLimit(ctx, tokenmint.OwnerUser, "admin", tokenmint.RateLimit{Requests: 10, PerSeconds: 60}); err != nil {
		t.Fatal(err)
	}
	tight, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "tight", RateLimit: tokenmint.RateLimit{Requests: 2, PerSeconds: 60}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if got := accept(t, svc, tight.Plain, 20); got != 2 {
		t.Fatalf("tight token: %d accepted, want 2", got)
	}
	if got := accept(t, svc, other.Plain, 20); got != 8 {
		t.Fatalf("other token after the tight one's refusals: %d accepted, want the 8 left", got)
	}
}

func TestRateLimitTypeDefaultAndTokenOverride(t *testing.T) {
	svc, ctx, _ := newRateService(t)
	def, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "MeteredToken", Name: "default"})
	if err != nil {
		t.Fatal(err)
	}
	own, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "MeteredToken", Name: "own", RateLimit: tokenmint.RateLimit{Requests: 6, PerSeconds: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if got := accept(t, svc, def.Plain, 10); got != 3 {
		t.Fatalf("type default 3/10: %d accepted", got)
	}
	if got := accept(t, svc, own.Plain, 10); got != 6 {
		t.Fatalf("token's own 6/10 over the type's: %d accepted", got)
	}
	info, err := svc.TokenRateLimits(ctx, def.Token)
	if err != nil {
		t.Fatal(err)
	}
	if info.Own != nil || info.Effective == nil || info.Effective.Requests != 3 || info.Source != service.RateSourceType {
		t.Fatalf("TokenRateLimits(default) = %+v", info)
	}
	info, err = svc.TokenRateLimits(ctx, own.Token)
	if err != nil {
		t.Fatal(err)
	}
	if info.Own == nil || info.Own.Requests != 6 || info.Source != service.RateSourceToken {
		t.Fatalf("TokenRateLimits(own) = %+v", info)
	}
}

// Lowering a token's limit applies to the very next request, although
// the old limit was cached.
func TestRateLimitLoweredAppliesAtOnce(t *testing.T) {
	svc, ctx, _ := newRateService(t)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "x", RateLimit: tokenmint.RateLimit{Requests: 100, PerSeconds: 60}})
	if err != nil {
		t.Fatal(err)
	}
	if got := accept(t, svc, issued.Plain, 5); got != 5 {
		t.Fatalf("%d accepted", got)
	}
	if _, err := svc.SetTokenRateLimit(ctx, issued.Token.ID, tokenmint.RateLimit{Requests: 5, PerSeconds: 60}); err != nil {
		t.Fatal(err)
	}
	if _, rl, err := verifyRate(svc, issued.Plain); err != nil || rl == nil {
		t.Fatalf("after lowering to 5/60 with 5 counted: %v %v, want refused", rl, err)
	}
	// Cleared: unlimited at once.
	if _, err := svc.SetTokenRateLimit(ctx, issued.Token.ID, tokenmint.RateLimit{}); err != nil {
		t.Fatal(err)
	}
	if st, rl, err := verifyRate(svc, issued.Plain); err != nil || rl != nil || st.Limit != 0 {
		t.Fatalf("after clearing: %+v %v %v, want accepted without a limit", st, rl, err)
	}
}

// Introspection is not a use: it does not count against the limit.
func TestRateLimitIntrospectionDoesNotCount(t *testing.T) {
	svc, ctx, _ := newRateService(t)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "x", RateLimit: tokenmint.RateLimit{Requests: 2, PerSeconds: 60}})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, Inspect: true}); err != nil {
			t.Fatal(err)
		}
	}
	if got := accept(t, svc, issued.Plain, 3); got != 2 {
		t.Fatalf("%d accepted after introspections, want 2", got)
	}
}

func TestRateLimitBadInputChangesNothing(t *testing.T) {
	svc, ctx, _ := newRateService(t)
	for _, l := range []tokenmint.RateLimit{{Requests: 0, PerSeconds: 10}, {Requests: 10, PerSeconds: 0}, {Requests: 1_000_001, PerSeconds: 1}, {Requests: 1, PerSeconds: 86401}, {Requests: -1, PerSeconds: 5}} {
		if _, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "bad", RateLimit: l}); tokenmint.ErrorCode(err) != tokenmint.EINVALID {
			t.Errorf("CreateToken with %+v: %v, want invalid", l, err)
		}
		if err := svc.SetOwnerRateLimit(ctx, tokenmint.OwnerUser, "admin", l); tokenmint.ErrorCode(err) != tokenmint.EINVALID {
			t.Errorf("SetOwnerRateLimit %+v: %v, want invalid", l, err)
		}
	}
	toks, _, err := svc.ListTokens(ctx, service.ListTokensInput{})
	if err != nil || len(toks) != 0 {
		t.Fatalf("tokens after refused creations: %d, %v", len(toks), err)
	}
	if l, err := svc.OwnerRateLimit(ctx, tokenmint.OwnerUser, "admin"); err != nil || l != nil {
		t.Fatalf("owner limit after refused changes: %v, %v", l, err)
	}
}

// A rate-limited token presented to create a token cannot mint an
// unlimited one, nor one with a looser limit, and the refusal is audited.
func TestRateLimitedCredentialCannotMintLooser(t *testing.T) {
	svc, ctx, _ := newRateService(t)
	maker, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "MeteredToken", Name: "maker"})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := svc.TokenPrincipal(ctx, maker.Plain, true)
	if err != nil {
		t.Fatal(err)
	}
	tctx := tokenmint.NewContextWithPrincipal(context.Background(), p)
	for _, l := range []tokenmint.RateLimit{{Requests: 4, PerSeconds: 10}, {Requests: 1, PerSeconds: 1}} {
		if _, err := svc.CreateToken(tctx, service.CreateTokenInput{Type: "MeteredToken", Name: "looser", RateLimit: l}); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
			t.Errorf("minting %v under 3/10: %v, want forbidden", l, err)
		}
	}
	// An unlimited type: the new token would be unlimited.
	if _, err := svc.CreateToken(tctx, service.CreateTokenInput{Type: "CIToken", Name: "unlimited"}); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
		t.Errorf("minting an unlimited token: %v, want forbidden", err)
	}
	// Nor may it clear its own limit.
	if _, err := svc.SetTokenRateLimit(tctx, maker.Token.ID, tokenmint.RateLimit{Requests: 100, PerSeconds: 1}); tokenmint.ErrorCode(err) != tokenmint.EFORBIDDEN {
		t.Errorf("loosening its own limit: %v, want forbidden", err)
	}
	// As tight or tighter is fine.
	if _, err := svc.CreateToken(tctx, service.CreateTokenInput{Type: "MeteredToken", Name: "tighter", RateLimit: tokenmint.RateLimit{Requests: 1, PerSeconds: 10}}); err != nil {
		t.Errorf("minting a tighter token: %v", err)
	}
	entries, _, err := svc.ListAudit(ctx, service.AuditQuery{Action: "token.create", Outcome: service.OutcomeDenied})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 3 {
		t.Errorf("denied creations audited: %d, want 3", len(entries))
	}
}

// A token recreated like another carries its rate limit; one without a
// limit of its own makes one without.
func TestRecreatedTokenKeepsItsRateLimit(t *testing.T) {
	svc, ctx, _ := newRateService(t)
	src, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "src", RateLimit: tokenmint.RateLimit{Requests: 7, PerSeconds: 30}})
	if err != nil {
		t.Fatal(err)
	}
	re, err := svc.RecreateToken(ctx, src.Token.ID, service.RecreateOverrides{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := svc.TokenRateLimits(ctx, re.Token)
	if err != nil {
		t.Fatal(err)
	}
	if info.Own == nil || *info.Own != (tokenmint.RateLimit{Requests: 7, PerSeconds: 30}) {
		t.Fatalf("recreated token's limit = %v, want 7/30", info.Own)
	}
	if got := accept(t, svc, re.Plain, 10); got != 7 {
		t.Fatalf("recreated token: %d accepted, want 7", got)
	}
	plain, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := svc.LikeToken(ctx, plain.Token.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !rc.Input.RateLimit.IsZero() {
		t.Fatalf("like an unlimited token: %v", rc.Input.RateLimit)
	}
}
