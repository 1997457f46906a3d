package tokenmint_test

import (
	"strings"
	"testing"
	"time"

	"tokenmint"
)

func TestResolveExpiry(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ci := &tokenmint.TokenType{Name: "CIToken", DefaultDaysToLive: 30, MaxDaysToLive: 365}
	user := &tokenmint.TokenType{Name: "UserToken", DefaultDaysToLive: 0, AllowNoExpiry: true}
	open := tokenmint.DefaultPolicy("t")
	capped := open
	capped.MaxLifetimeDays = 60
	days := func(n int) *int { return &n }
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }

	cases := []struct {
		name    string
		typ     *tokenmint.TokenType
		pol     tokenmint.Policy
		req     tokenmint.ExpiryRequest
		want    *time.Time
		wantErr string
	}{
		{"type default", ci, open, tokenmint.ExpiryRequest{}, at(30 * tokenmint.Day), ""},
		{"days within max", ci, open, tokenmint.ExpiryRequest{DaysToLive: days(365)}, at(365 * tokenmint.Day), ""},
		{"days above type max", ci, open, tokenmint.ExpiryRequest{DaysToLive: days(366)}, nil, "maximum of 365 days for type CIToken"},
		{"date above tenant max", ci, capped, tokenmint.ExpiryRequest{ExpiresAt: at(61 * tokenmint.Day)}, nil, "max_lifetime_days of 60"},
		{"past date", ci, open, tokenmint.ExpiryRequest{ExpiresAt: at(-time.Hour)}, nil, "in the future"},
		{"no expiry forbidden by type", ci, open, tokenmint.ExpiryRequest{NoExpiry: true}, nil, "requires an expiry"},
		{"no expiry allowed", user, open, tokenmint.ExpiryRequest{NoExpiry: true}, nil, ""},
		{"no expiry forbidden by policy", user, capped, tokenmint.ExpiryRequest{NoExpiry: true}, nil, "max_lifetime_days is 60"},
		{"default no expiry under capped policy", user, capped, tokenmint.ExpiryRequest{}, at(60 * tokenmint.Day), ""},
		{"two ways at once", ci, open, tokenmint.ExpiryRequest{NoExpiry: true, DaysToLive: days(1)}, nil, "only one"},
		{"zero days", ci, open, tokenmint.ExpiryRequest{DaysToLive: days(0)}, nil, "must be 1-36500"},
		// A day count that would overflow a time.Duration (≈ 292 years)
		// must be refused, not wrapped around to a near expiry.
		{"overflowing days", user, open, tokenmint.ExpiryRequest{DaysToLive: days(213504)}, nil, "must be 1-36500"},
		{"century without max", user, open, tokenmint.ExpiryRequest{DaysToLive: days(36500)}, at(36500 * tokenmint.Day), ""},
		{"date beyond a century", user, open, tokenmint.ExpiryRequest{ExpiresAt: at(36501 * tokenmint.Day)}, nil, "within 36500 days"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := tokenmint.ResolveExpiry(now, c.typ, c.pol, c.req)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(tokenmint.ErrorMessage(err), c.wantErr) || tokenmint.ErrorCode(err) != tokenmint.EINVALID {
					t.Fatalf("err = %v, want invalid containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (c.want == nil) || (got != nil && !got.Equal(*c.want)) {
				t.Fatalf("expiry = %v, want %v", got, c.want)
			}
		})
	}
}

func TestTokenStatusPrecedence(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	past := now.Add(-time.Second)
	cases := []struct {
		tok  tokenmint.Token
		want string
	}{
		{tokenmint.Token{StoredStatus: "active"}, "active"},
		{tokenmint.Token{StoredStatus: "inactive"}, "inactive"},
		{tokenmint.Token{StoredStatus: "revoked", ExpiresAt: &past}, "revoked"},
		{tokenmint.Token{StoredStatus: "inactive", ExpiresAt: &past}, "expired"},
		{tokenmint.Token{StoredStatus: "active", ExpiresAt: &now}, "expired"},
		{tokenmint.Token{StoredStatus: "inactive", MaxUses: 1, Uses: 1}, "exhausted"},
	}
	for _, c := range cases {
		if got := c.tok.Status(now); got != c.want {
			t.Errorf("%+v: status %s, want %s", c.tok, got, c.want)
		}
	}
}
