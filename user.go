package tokenmint

import (
	"strings"
	"time"
)

// User is a local account of one tenant.
type User struct {
	ID           string    `json:"id"`
	TenantID     string    `json:"tenant_id"`
	Username     string    `json:"username"`
	Email        string    `json:"email"`
	PasswordHash string    `json:"-"`
	Roles        []string  `json:"roles"` // tenant-wide roles
	Enabled      bool      `json:"enabled"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// HasRole reports whether the user holds role tenant-wide.
func (u *User) HasRole(role string) bool {
	for _, r := range u.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// IsAdmin reports whether the user is a tenant administrator.
func (u *User) IsAdmin() bool { return u.HasRole(RoleAdmin) }

// ValidateRoles checks that every role is built in and none repeats.
func ValidateRoles(roles []string) error {
	seen := map[string]bool{}
	for _, r := range roles {
		if !ValidRole(r) {
			return Errorf(EINVALID, "unknown role %q (roles: %s)", r, strings.Join(Roles, ", "))
		}
		if seen[r] {
			return Errorf(EINVALID, "role %q given twice", r)
		}
		seen[r] = true
	}
	return nil
}

// ValidateEmail does the cheap check that is worth doing before sending mail.
func ValidateEmail(email string) error {
	if email == "" {
		return nil
	}
	at := strings.IndexByte(email, '@')
	if len(email) > 254 || at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n<>") {
		return Errorf(EINVALID, "email %q is not a valid address", email)
	}
	return nil
}

// ValidatePassword enforces the minimum length of local passwords.
func ValidatePassword(pw string) error {
	if len(pw) < 8 || len(pw) > 256 {
		return Errorf(EINVALID, "password must be 8-256 characters")
	}
	return nil
}
