package tokenmint

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Token states. Active, inactive and revoked are stored; expired and
// exhausted are derived from the clock and the use count.
const (
	StatusActive    = "active"
	StatusInactive  = "inactive"
	StatusExpired   = "expired"
	StatusRevoked   = "revoked"
	StatusExhausted = "exhausted"
)

// Statuses lists every token state, for validating filters.
var Statuses = []string{StatusActive, StatusInactive, StatusExpired, StatusRevoked, StatusExhausted}

// Token is the metadata of an issued token. The secret itself is never
// stored; only its keyed hash lives in the Store, beside the token.
type Token struct {
	ID          string     `json:"id"`
	TenantID    string     `json:"tenant_id"`
	OwnerKind   string     `json:"owner_kind"`
	OwnerID     string     `json:"owner_id"`
	Type        string     `json:"type"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	ProjectID   string     `json:"project_id,omitempty"`
	Prefix      string     `json:"prefix"` // the first characters of the secret, for recognising it
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	Uses        int64      `json:"uses"`
	MaxUses     int        `json:"max_uses"`
	// StoredStatus is active, inactive or revoked; Status derives the rest.
	StoredStatus string     `json:"-"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	// AllowedCIDRs are the networks the token may be used from (empty:
	// anywhere); see docs/bound-networks.md.
	AllowedCIDRs CIDRList `json:"allowed_cidrs,omitempty"`
	// Version counts the changes of description, expiry and stored status.
	// Store.UpdateToken saves a token only if its version is still the one
	// read, so a change decided on a stale read cannot undo a concurrent
	// one (a revocation, say).
	Version int64 `json:"-"`
}

// Status returns the token's state at now. Revoked wins over everything,
// then expired, exhausted and inactive.
func (t *Token) Status(now time.Time) string {
	switch {
	case t.StoredStatus == StatusRevoked:
		return StatusRevoked
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return StatusExpired
	case t.MaxUses > 0 && t.Uses >= int64(t.MaxUses):
		return StatusExhausted
	case t.StoredStatus == StatusInactive:
		return StatusInactive
	}
	return StatusActive
}

// ValidStatus reports whether s names a token state.
func ValidStatus(s string) bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Limits on free-text token fields.
const (
	MaxTokenNameLen        = 100
	MaxTokenDescriptionLen = 1024
)

// ValidateTokenName checks a user token's name: 1–100 visible characters
// of any script (ValidateNameText).
func ValidateTokenName(name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > MaxTokenNameLen || strings.TrimSpace(name) == "" {
		return Errorf(EINVALID, "name must be 1-%d characters", MaxTokenNameLen)
	}
	return ValidateNameText("name", name)
}

// ValidateTokenDescription checks a token's description length.
func ValidateTokenDescription(d string) error {
	if len([]rune(d)) > MaxTokenDescriptionLen {
		return Errorf(EINVALID, "description must be at most %d characters", MaxTokenDescriptionLen)
	}
	return nil
}

// ValidateTokenCursor checks the cursor of a page of tokens: empty for the
// first page, or the next_cursor of the previous page, which is a token ID
// (a UUID). Anything else is refused rather than read as "from the start",
// so a client with a corrupted cursor never loops over the first page.
func ValidateTokenCursor(cursor string) error {
	if cursor == "" || isUUID(cursor) {
		return nil
	}
	return Errorf(EINVALID, "cursor must be the next_cursor of a previous page")
}

// isUUID reports whether s has the textual form of a UUID:
// 8-4-4-4-12 hexadecimal digits.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
