package tokenmint

import (
	"reflect"
	"slices"
	"strings"
	"time"
)

// Policy is a tenant's token governance settings.
type Policy struct {
	TenantID string `json:"tenant_id"`
	// MaxLifetimeDays caps every token's lifetime; 0 means no cap. When set,
	// tokens without expiry are refused.
	MaxLifetimeDays          int `json:"max_lifetime_days"`
	InactivityDeactivateDays int `json:"inactivity_deactivate_days"`
	InactivityDeleteDays     int `json:"inactivity_delete_days"`
	// ExpiryNoticeDays are the advance expiry notices, farthest first
	// (see NoticeDays).
	ExpiryNoticeDays NoticeDays `json:"expiry_notice_days"`
	// ExpiryDigest turns on the weekly e-mail to each owner listing their
	// tokens expiring in the next DigestDays days, sent on
	// ExpiryDigestWeekday (a lower-case English day name).
	ExpiryDigest        bool   `json:"expiry_digest"`
	ExpiryDigestWeekday string `json:"expiry_digest_weekday"`
	// AccessTokenTTL and RefreshTokenTTL are in seconds.
	AccessTokenTTL  int `json:"access_token_ttl"`
	RefreshTokenTTL int `json:"refresh_token_ttl"`
	// LoginFailuresPerMinute throttles password logins and the OAuth2
	// password grant: after this many failures in a minute, per user and
	// per client IP, attempts get 429 until the minute is over.
	LoginFailuresPerMinute int `json:"login_failures_per_minute"`
	// MaxTokensPerOwner caps the live tokens (neither revoked, expired nor
	// used up) one user or application may hold; creating one more is
	// refused. 0 means no cap.
	MaxTokensPerOwner int       `json:"max_tokens_per_owner"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// DefaultMaxTokensPerOwner is the token quota of a tenant that never set
// one.
const DefaultMaxTokensPerOwner = 500

// MaxTokensPerOwnerLimit is the highest quota a policy may set.
const MaxTokensPerOwnerLimit = 1000000

// DefaultLoginFailuresPerMinute is the login throttle of a tenant that never
// set one, and of attempts naming no known tenant.
const DefaultLoginFailuresPerMinute = 10

// DefaultPolicy is the policy of a tenant that never set one.
func DefaultPolicy(tenantID string) Policy {
	return Policy{
		TenantID:                 tenantID,
		InactivityDeactivateDays: 30,
		InactivityDeleteDays:     90,
		ExpiryNoticeDays:         slices.Clone(DefaultExpiryNoticeDays),
		ExpiryDigestWeekday:      DefaultDigestWeekday,
		AccessTokenTTL:           3600,
		RefreshTokenTTL:          30 * 24 * 3600,
		LoginFailuresPerMinute:   DefaultLoginFailuresPerMinute,
		MaxTokensPerOwner:        DefaultMaxTokensPerOwner,
	}
}

// Validate checks that every field is in range.
func (p Policy) Validate() error {
	switch {
	case p.MaxLifetimeDays < 0 || p.MaxLifetimeDays > 36500:
		return Errorf(EINVALID, "max_lifetime_days must be 0-36500")
	case p.InactivityDeactivateDays < 0 || p.InactivityDeleteDays < 0:
		return Errorf(EINVALID, "inactivity days must not be negative")
	case p.InactivityDeleteDays > 0 && p.InactivityDeactivateDays > p.InactivityDeleteDays:
		return Errorf(EINVALID, "inactivity_deactivate_days must not exceed inactivity_delete_days")
	case p.ExpiryNoticeDays.Validate() != nil:
		return p.ExpiryNoticeDays.Validate()
	case !validWeekday(p.ExpiryDigestWeekday):
		return Errorf(EINVALID, "expiry_digest_weekday must be a day name such as monday")
	case p.AccessTokenTTL < 60 || p.AccessTokenTTL > 86400:
		return Errorf(EINVALID, "access_token_ttl must be 60-86400 seconds")
	case p.RefreshTokenTTL < 300 || p.RefreshTokenTTL > 365*86400:
		return Errorf(EINVALID, "refresh_token_ttl must be 300 seconds to 365 days")
	case p.LoginFailuresPerMinute < 1 || p.LoginFailuresPerMinute > 1000:
		return Errorf(EINVALID, "login_failures_per_minute must be 1-1000")
	case p.MaxTokensPerOwner < 0 || p.MaxTokensPerOwner > MaxTokensPerOwnerLimit:
		return Errorf(EINVALID, "max_tokens_per_owner must be 0-%d (0: no limit)", MaxTokensPerOwnerLimit)
	}
	return nil
}

func validWeekday(s string) bool {
	_, ok := ParseWeekday(s)
	return ok && s == strings.ToLower(s)
}

// Equal reports whether two policies are the same in every field (Policy
// holds a list, so == does not apply).
func (p Policy) Equal(q Policy) bool {
	if !slices.Equal(p.ExpiryNoticeDays, q.ExpiryNoticeDays) {
		return false
	}
	p.ExpiryNoticeDays, q.ExpiryNoticeDays = nil, nil
	return reflect.DeepEqual(p, q)
}
