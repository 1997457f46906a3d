package tokenmint

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ExpiryNotice records that the owner of a token was told, at one window
// of the policy's expiry_notice_days, that it expires at ExpiresAt. A
// notice for a window also covers every farther window of the same
// expiry: a token first seen five days before expiry is told once, for
// its nearest window, and never later for the 30-day one. Extending the
// token moves its expiry and arms every window again.
type ExpiryNotice struct {
	TenantID   string
	TokenID    string
	ExpiresAt  time.Time
	WindowDays int
	SentAt     time.Time
}

// ExpiryDigest records that one user got the weekly digest of the week
// that starts on WeekDay (the Monday, a day numbered by UnixDay; see
// WeekStart), so it is sent once per user and week across instances and
// restarts.
type ExpiryDigest struct {
	TenantID string
	UserID   string
	WeekDay  int64
	SentAt   time.Time
}

// ExpiryWarningStore keeps what the expiry warnings need: the notices per
// window, the weekly digests sent, and the counts of tokens per expiry
// day that show a cliff on the dashboard.
type ExpiryWarningStore interface {
	// TokensDueNotice returns tokens of the tenant that expire after from
	// and at or before to, are neither revoked nor exhausted, and have no
	// expiry notice for their current expiry of a window of windowDays or
	// fewer; soonest expiry first, at most limit of them.
	TokensDueNotice(ctx context.Context, tenantID string, from, to time.Time, windowDays, limit int) ([]*Token, error)
	// RecordExpiryNotice records n and appends ev in one transaction and
	// reports true; when n was recorded already it changes nothing and
	// reports false. ENOTFOUND when the token is not in the tenant.
	RecordExpiryNotice(ctx context.Context, n ExpiryNotice, ev *Event) (bool, error)
	// DigestTokens returns the tenant's user-owned tokens, active at from,
	// that expire after from and at or before to, by owner, then soonest
	// expiry, then ID.
	DigestTokens(ctx context.Context, tenantID string, from, to time.Time) ([]*Token, error)
	// RecordExpiryDigest records d and appends ev in one transaction and
	// reports true; when d was recorded already (same tenant, user and
	// week) it changes nothing and reports false.
	RecordExpiryDigest(ctx context.Context, d ExpiryDigest, ev *Event) (bool, error)
	// ExpiryDays counts the tenant's tokens active at from that expire
	// after from and at or before to, per UTC day of their expiry (see
	// UnixDay), by day; days without any are left out.
	ExpiryDays(ctx context.Context, tenantID string, from, to time.Time) ([]DayCount, error)
}

// EventExpiryDigest is the internal event of a weekly digest: it becomes
// one e-mail to the user it names and is not offered to webhooks (it is
// not in EventTypes).
const EventExpiryDigest = "tokens.expiry_digest"

// DigestDays is how far ahead the weekly digest looks.
const DigestDays = 30

// ExpiryDigestData is the payload of an EventExpiryDigest: whom it is for
// and the tokens it lists, soonest expiry first.
type ExpiryDigestData struct {
	UserID string       `json:"user_id"`
	Days   int          `json:"days"`
	Tokens []EventToken `json:"tokens"`
}

// WeekStart returns the Monday (UTC) of the week of a day numbered by
// UnixDay. Day 0, 1970-01-01, was a Thursday.
func WeekStart(day int64) int64 {
	off := (day + 3) % 7
	if off < 0 {
		off += 7
	}
	return day - off
}

// Weekdays are the values of a policy's expiry_digest_weekday.
var Weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// DefaultDigestWeekday is the day the weekly digest goes out when the
// policy names none.
const DefaultDigestWeekday = "monday"

// ParseWeekday returns the time.Weekday of a lower-case English day name.
func ParseWeekday(s string) (time.Weekday, bool) {
	i := slices.Index(Weekdays, strings.ToLower(s))
	if i < 0 {
		return 0, false
	}
	return time.Weekday(i), true
}
