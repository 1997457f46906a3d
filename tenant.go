package tokenmint

import (
	"regexp"
	"time"
)

// DefaultTenant is the name of the tenant a fresh install creates.
const DefaultTenant = "default"

// Tenant is the isolation boundary: every object belongs to exactly one.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidateName checks a tenant, user or project name: 1–64 characters of
// letters, digits, '.', '_' and '-', starting with a letter or digit.
func ValidateName(field, name string) error {
	if err := ValidateNameText(field, name); err != nil {
		return err
	}
	if !namePattern.MatchString(name) {
		return Errorf(EINVALID, "%s must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit", field)
	}
	return nil
}
