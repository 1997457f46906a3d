package tokenmint_test

import (
	"encoding/json"
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
	on := func(date string) *time.Time {
		e, err := tokenmint.ParseExpiresAt(date)
		if err != nil || e.Date() == nil {
			t.Fatalf("ParseExpiresAt(%q) = %+v, %v", date, e, err)
		}
		return e.Date()
	}

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
		// A date alone means that day at the current time of day (UTC), as
		// the UI's date picker does: the type's last allowed day is allowed.
		{"date only", ci, open, tokenmint.ExpiryRequest{ExpiresOn: on("2026-03-31")}, at(30 * tokenmint.Day), ""},
		{"date only at the type's max", ci, open, tokenmint.ExpiryRequest{ExpiresOn: on("2027-03-01")}, at(365 * tokenmint.Day), ""},
		{"date only past the type's max", ci, open, tokenmint.ExpiryRequest{ExpiresOn: on("2027-03-02")}, nil, "maximum of 365 days"},
		{"date only past the tenant's max", ci, capped, tokenmint.ExpiryRequest{ExpiresOn: on("2026-05-01")}, nil, "max_lifetime_days of 60"},
		{"date only today", ci, open, tokenmint.ExpiryRequest{ExpiresOn: on("2026-03-01")}, nil, "after today"},
		{"date only in the past", ci, open, tokenmint.ExpiryRequest{ExpiresOn: on("2025-12-31")}, nil, "after today"},
		{"date only far away", user, open, tokenmint.ExpiryRequest{ExpiresOn: on("9999-12-31")}, nil, "within 36500 days"},
		{"date and time together", ci, open, tokenmint.ExpiryRequest{ExpiresOn: on("2026-03-31"), ExpiresAt: at(tokenmint.Day)}, nil, "only one"},
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

// expires_at takes an RFC 3339 time or a date alone; anything else is
// refused with a message that names both forms and no Go time layout.
func TestParseExpiresAt(t *testing.T) {
	for _, ok := range []struct {
		in       string
		instant  string
		dateOnly bool
	}{
		{"2027-01-01", "2027-01-01T00:00:00Z", true},
		{"2027-01-01T12:30:00Z", "2027-01-01T12:30:00Z", false},
		{"2027-01-01T12:30:00.5+02:00", "2027-01-01T10:30:00.5Z", false},
	} {
		e, err := tokenmint.ParseExpiresAt(ok.in)
		if err != nil {
			t.Errorf("ParseExpiresAt(%q): %v", ok.in, err)
			continue
		}
		got := e.Instant()
		if ok.dateOnly {
			got = e.Date()
		}
		if got == nil || got.Format(time.RFC3339Nano) != ok.instant || (e.Date() != nil) != ok.dateOnly {
			t.Errorf("ParseExpiresAt(%q) = instant %v date %v, want %s (date only %v)", ok.in, e.Instant(), e.Date(), ok.instant, ok.dateOnly)
		}
	}
	for _, bad := range []string{"tomorrow", "2027-13-01", "2027-1-1", "01/02/2027", "2027-01-01 12:00", ""} {
		_, err := tokenmint.ParseExpiresAt(bad)
		msg := tokenmint.ErrorMessage(err)
		if tokenmint.ErrorCode(err) != tokenmint.EINVALID || !strings.Contains(msg, "2027-01-01") || strings.Contains(msg, "2006") || strings.Contains(msg, "parsing time") {
			t.Errorf("ParseExpiresAt(%q) = %q, want a human message naming the forms", bad, msg)
		}
	}
	var body struct {
		ExpiresAt *tokenmint.ExpiryTime `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(`{"expires_at":"2027-01-01"}`), &body); err != nil || body.ExpiresAt.Date() == nil || body.ExpiresAt.Instant() != nil {
		t.Errorf("JSON date: %+v, %v", body.ExpiresAt, err)
	}
	body.ExpiresAt = nil
	if err := json.Unmarshal([]byte(`{"expires_at":null}`), &body); err != nil || body.ExpiresAt.Date() != nil || body.ExpiresAt.Instant() != nil {
		t.Errorf("JSON null: %+v, %v", body.ExpiresAt, err)
	}
	for _, bad := range []string{`{"expires_at":"tomorrow"}`, `{"expires_at":20270101}`} {
		err := json.Unmarshal([]byte(bad), &body)
		if tokenmint.ErrorCode(err) != tokenmint.EINVALID || !strings.Contains(tokenmint.ErrorMessage(err), "2027-01-01") {
			t.Errorf("JSON %s: %v, want the human message", bad, err)
		}
	}
}
