package tokenmint

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Bounds of a RateLimit.
const (
	MaxRateLimitRequests   = 1_000_000
	MaxRateLimitPerSeconds = 86400
)

// RateLimit allows Requests verifications per PerSeconds seconds. The zero
// value means no limit. It is carried by a token, by an owner (shared by
// all the owner's tokens) or by a token type (the default of its tokens).
type RateLimit struct {
	Requests   int `json:"requests" yaml:"requests" toml:"requests"`
	PerSeconds int `json:"per_seconds" yaml:"per_seconds" toml:"per_seconds"`
}

// IsZero reports whether l is no limit.
func (l RateLimit) IsZero() bool { return l.Requests == 0 && l.PerSeconds == 0 }

// Validate checks both fields are in range (the zero value is not a
// limit: callers that accept "none" test IsZero first).
func (l RateLimit) Validate() error {
	if l.Requests < 1 || l.Requests > MaxRateLimitRequests {
		return Errorf(EINVALID, "rate_limit.requests must be between 1 and %d", MaxRateLimitRequests)
	}
	if l.PerSeconds < 1 || l.PerSeconds > MaxRateLimitPerSeconds {
		return Errorf(EINVALID, "rate_limit.per_seconds must be between 1 and %d", MaxRateLimitPerSeconds)
	}
	return nil
}

// Window is the limit's period.
func (l RateLimit) Window() time.Duration { return time.Duration(l.PerSeconds) * time.Second }

// String is "N/S", the form the CLI reads.
func (l RateLimit) String() string {
	if l.IsZero() {
		return "none"
	}
	return fmt.Sprintf("%d/%d", l.Requests, l.PerSeconds)
}

// Looser reports whether l allows more than bound: a higher rate, or no
// limit under a bound that has one. Rates are compared exactly
// (requests/seconds as cross products), so 10/1 is looser than 100/60.
func (l RateLimit) Looser(bound RateLimit) bool {
	if bound.IsZero() {
		return false
	}
	if l.IsZero() {
		return true
	}
	return int64(l.Requests)*int64(bound.PerSeconds) > int64(bound.Requests)*int64(l.PerSeconds)
}

// ParseRateLimit reads "N/S" (N requests per S seconds), checked.
func ParseRateLimit(s string) (RateLimit, error) {
	n, d, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return RateLimit{}, Errorf(EINVALID, "rate limit %q must be REQUESTS/SECONDS, e.g. 100/60", s)
	}
	req, err1 := strconv.Atoi(n)
	per, err2 := strconv.Atoi(d)
	if err1 != nil || err2 != nil {
		return RateLimit{}, Errorf(EINVALID, "rate limit %q must be REQUESTS/SECONDS, e.g. 100/60", s)
	}
	l := RateLimit{Requests: req, PerSeconds: per}
	return l, l.Validate()
}

// Subject kinds of a stored rate limit.
const (
	RateSubjectToken       = "token"
	RateSubjectUser        = OwnerUser
	RateSubjectApplication = OwnerApplication
)

// RateLimitSubject names what a stored limit belongs to: a token, a user
// or an application of a tenant.
type RateLimitSubject struct {
	TenantID string
	Kind     string // RateSubjectToken, RateSubjectUser, RateSubjectApplication
	ID       string
}

// StoredRateLimit is a limit as the store keeps it.
type StoredRateLimit struct {
	RateLimitSubject
	Limit     RateLimit
	UpdatedAt time.Time
}

// RateLimitStore keeps the rate limits of tokens and owners, in a table
// of their own. Deleting the token, user or application deletes its limit.
type RateLimitStore interface {
	// PutRateLimit creates or replaces the subject's limit. It honours
	// WithAnnouncement (so other instances drop their cached limit).
	PutRateLimit(ctx context.Context, l *StoredRateLimit) error
	// DeleteRateLimit removes the subject's limit (none is no error). It
	// honours WithAnnouncement.
	DeleteRateLimit(ctx context.Context, s RateLimitSubject) error
	// RateLimitOf returns the subject's limit (ENOTFOUND: none).
	RateLimitOf(ctx context.Context, s RateLimitSubject) (*StoredRateLimit, error)
	// RateLimitsOf returns, in one read, the limits of a token and of its
	// owner (the zero RateLimit where there is none).
	RateLimitsOf(ctx context.Context, tenantID, tokenID, ownerKind, ownerID string) (token, owner RateLimit, err error)
}

// RateCount is one instance's count of accepted requests for a limiter
// key in the window starting at Window, to be added to the shared count.
type RateCount struct {
	Key    string
	Window time.Time
	Delta  int64
}

// RateCountStore shares rate limit counts between instances (PostgreSQL):
// each instance adds what it counted since its last sync and reads back
// the total of every instance.
type RateCountStore interface {
	// AddRateCounts adds every delta to its (key, window) row in one
	// statement and returns the totals after the addition, in order.
	AddRateCounts(ctx context.Context, counts []RateCount) ([]int64, error)
	// PruneRateCounts deletes the rows of windows that started before t.
	PruneRateCounts(ctx context.Context, before time.Time) error
}

// RetryAfterSeconds is the whole seconds a refused client is told to wait
// for d (Retry-After, and RateLimit-Reset of a refusal): rounded up past
// d, so a client that waits exactly that long is not refused again.
func RetryAfterSeconds(d time.Duration) int { return int(d.Seconds()) + 1 }
