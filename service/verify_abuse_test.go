package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/secret"
	"tokenmint/service"
)

// unknownToken is a well-formed token (valid checksum) that no one holds.
func unknownToken() string {
	return tokenmint.FormatToken(tokenmint.KindUser, secret.Base62(tokenmint.RandomLen))
}

// A client guessing tokens is refused with 429 (and a Retry-After) once
// it has presented the limit of unknown tokens in a minute; the tokens it
// already used keep working, and other clients are not affected.
func TestVerifyOfUnknownTokensIsLimitedPerClientIP(t *testing.T) {
	svc, ctx, _, clock := newService(t)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "valid"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	verify := func(ip, tok string) error {
		_, err := svc.Verify(context.Background(), service.VerifyRequest{Token: tok, IP: ip, Inspect: true})
		return err
	}
	const guesser = "198.51.100.9"
	if err := verify(guesser, issued.Plain); err != nil {
		t.Fatalf("the guesser's own valid token: %v", err)
	}
	for i := range 60 {
		if err := verify(guesser, unknownToken()); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
			t.Fatalf("unknown token %d: %v, want unauthorized", i+1, err)
		}
	}
	var rl *service.RateLimitError
	if err := verify(guesser, unknownToken()); !errors.As(err, &rl) || rl.RetryAfter <= 0 {
		t.Fatalf("an unknown token past the limit: %v, want *RateLimitError with a wait", err)
	}
	if err := verify(guesser, issued.Plain); err != nil {
		t.Errorf("the guesser's valid token, already verified: %v", err)
	}
	if err := verify("192.0.2.44", unknownToken()); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
		t.Errorf("another client's unknown token: %v, want unauthorized, not limited", err)
	}
	if err := verify("192.0.2.44", other.Plain); err != nil {
		t.Errorf("another client's valid token: %v", err)
	}
	clock.Advance(61 * time.Second)
	if err := verify(guesser, unknownToken()); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
		t.Errorf("after the minute: %v, want unauthorized", err)
	}
}
