package tokenmint

import (
	"encoding/json"
	"time"
)

// Day is the unit of every lifetime rule.
const Day = 24 * time.Hour

// MaxDaysToLive bounds any requested lifetime, even of a type without a
// maximum: 100 years is "practically forever", and the bound keeps day
// counts from overflowing a time.Duration (about 292 years).
const MaxDaysToLive = 36500

// ExpiryRequest is how a caller asks for an expiry: at most one of an
// absolute time, a date, a number of days, or no expiry. All empty means
// the type's default.
type ExpiryRequest struct {
	ExpiresAt *time.Time
	// ExpiresOn is a date alone (midnight UTC): the token lives until that
	// day at the current time of day, UTC, the way the UI's date picker
	// means it. So the last day a type allows is allowed, where its
	// midnight or end of day would fall short or beyond.
	ExpiresOn  *time.Time
	DaysToLive *int
	NoExpiry   bool
}

// ExpiryTime is the expires_at of a request: an RFC 3339 time
// (2027-01-01T12:00:00Z) or a date alone (2027-01-01). Its UnmarshalJSON
// refuses anything else with a message that names both forms.
type ExpiryTime struct {
	t        time.Time
	dateOnly bool
}

// expiresAtForms is what the message of a bad expires_at offers instead.
const expiresAtForms = "expires_at must be a date such as 2027-01-01 or an RFC 3339 time such as 2027-01-01T12:00:00Z"

// ParseExpiresAt reads an expires_at: an RFC 3339 time or a date alone.
func ParseExpiresAt(s string) (ExpiryTime, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return ExpiryTime{t: d, dateOnly: true}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return ExpiryTime{t: t.UTC()}, nil
	}
	return ExpiryTime{}, Errorf(EINVALID, "%s", expiresAtForms)
}

// UnmarshalJSON reads a JSON string with ParseExpiresAt. (A JSON null
// leaves the pointer that holds an ExpiryTime nil, without calling this.)
func (e *ExpiryTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(EINVALID, "%s", expiresAtForms)
	}
	v, err := ParseExpiresAt(s)
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// Instant returns the time of an RFC 3339 expires_at: nil for none or
// for a date alone. It is ExpiryRequest.ExpiresAt.
func (e *ExpiryTime) Instant() *time.Time {
	if e == nil || e.dateOnly {
		return nil
	}
	t := e.t
	return &t
}

// Date returns a date-only expires_at at midnight UTC: nil for none or
// for a time. It is ExpiryRequest.ExpiresOn.
func (e *ExpiryTime) Date() *time.Time {
	if e == nil || !e.dateOnly {
		return nil
	}
	t := e.t
	return &t
}

// ResolveExpiry applies the type's and the tenant's limits to a request and
// returns the expiry (nil = no expiry). Limits count from now, so an
// extension may reach as far as a new token could.
func ResolveExpiry(now time.Time, typ *TokenType, pol Policy, req ExpiryRequest) (*time.Time, error) {
	given := 0
	if req.ExpiresAt != nil {
		given++
	}
	if req.ExpiresOn != nil {
		given++
	}
	if req.DaysToLive != nil {
		given++
	}
	if req.NoExpiry {
		given++
	}
	if given > 1 {
		return nil, Errorf(EINVALID, "give only one of expires_at, days_to_live and no_expiry")
	}
	var exp time.Time
	switch {
	case req.NoExpiry:
		return nil, checkNoExpiry(typ, pol)
	case req.ExpiresAt != nil:
		exp = req.ExpiresAt.UTC()
	case req.ExpiresOn != nil:
		y, m, d := now.UTC().Date()
		days := req.ExpiresOn.Sub(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) / Day
		if days < 1 {
			return nil, Errorf(EINVALID, "expires_at must be a date after today (UTC)")
		}
		if days > MaxDaysToLive {
			return nil, Errorf(EINVALID, "expires_at must be within %d days (100 years)", MaxDaysToLive)
		}
		exp = now.Add(days * Day)
	case req.DaysToLive != nil:
		if *req.DaysToLive < 1 || *req.DaysToLive > MaxDaysToLive {
			return nil, Errorf(EINVALID, "days_to_live must be 1-%d", MaxDaysToLive)
		}
		exp = now.Add(time.Duration(*req.DaysToLive) * Day)
	default:
		if typ.DefaultDaysToLive == 0 {
			if err := checkNoExpiry(typ, pol); err == nil {
				return nil, nil
			}
			// The policy forbids the type's default of no expiry: fall back
			// to the longest lifetime the policy allows.
			exp = now.Add(time.Duration(pol.MaxLifetimeDays) * Day)
		} else {
			exp = now.Add(time.Duration(typ.DefaultDaysToLive) * Day)
			if pol.MaxLifetimeDays > 0 && typ.DefaultDaysToLive > pol.MaxLifetimeDays {
				exp = now.Add(time.Duration(pol.MaxLifetimeDays) * Day)
			}
		}
	}
	if !exp.After(now) {
		return nil, Errorf(EINVALID, "expires_at must be in the future")
	}
	if exp.After(now.AddDate(0, 0, MaxDaysToLive)) {
		return nil, Errorf(EINVALID, "expires_at must be within %d days (100 years)", MaxDaysToLive)
	}
	// One minute of slack lets a client compute "now + max days" itself.
	const slack = time.Minute
	if typ.MaxDaysToLive > 0 && exp.After(now.Add(time.Duration(typ.MaxDaysToLive)*Day+slack)) {
		return nil, Errorf(EINVALID, "expiry exceeds the maximum of %d days for type %s", typ.MaxDaysToLive, typ.Name)
	}
	if pol.MaxLifetimeDays > 0 && exp.After(now.Add(time.Duration(pol.MaxLifetimeDays)*Day+slack)) {
		return nil, Errorf(EINVALID, "expiry exceeds the tenant's max_lifetime_days of %d", pol.MaxLifetimeDays)
	}
	return &exp, nil
}

// MaxExpiry returns the latest expiry a new token of typ may have at now,
// or nil when it may have none.
func MaxExpiry(now time.Time, typ *TokenType, pol Policy) *time.Time {
	days := typ.MaxDaysToLive
	if pol.MaxLifetimeDays > 0 && (days == 0 || pol.MaxLifetimeDays < days) {
		days = pol.MaxLifetimeDays
	}
	if days == 0 {
		return nil
	}
	t := now.Add(time.Duration(days) * Day)
	return &t
}

func checkNoExpiry(typ *TokenType, pol Policy) error {
	if !typ.AllowNoExpiry {
		return Errorf(EINVALID, "type %s requires an expiry (max %d days)", typ.Name, typ.MaxDaysToLive)
	}
	if pol.MaxLifetimeDays > 0 {
		return Errorf(EINVALID, "no expiry is refused: the tenant's max_lifetime_days is %d", pol.MaxLifetimeDays)
	}
	return nil
}
