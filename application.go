package tokenmint

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// Application is a tenant-owned non-human identity: a service account, an
// integration or an OAuth client. It owns application tokens and client
// credentials; its access types decide what any of them may do.
type Application struct {
	ID          string   `json:"id"`
	TenantID    string   `json:"tenant_id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	AccessTypes []string `json:"access_types"`
	// DefaultAllowedCIDRs bind the application's new tokens that name no
	// networks of their own (empty: none).
	DefaultAllowedCIDRs CIDRList  `json:"default_allowed_cidrs"`
	Enabled             bool      `json:"enabled"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// MaxApplicationDescriptionLen bounds an application's description.
const MaxApplicationDescriptionLen = 1024

// applicationNamePattern is Juniper's rule for the names of applications
// and of their tokens: 1–32 ASCII letters, digits and '-'.
var applicationNamePattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

// ValidateApplicationName checks an application's name: 1–32 letters,
// digits and '-'. Names are unique in a tenant without regard to case
// (forti-cwp and FORTI-CWP are the same application); the stores enforce
// that.
func ValidateApplicationName(name string) error {
	if err := ValidateNameText("name", name); err != nil {
		return err
	}
	if !applicationNamePattern.MatchString(name) {
		return Errorf(EINVALID, "name must be 1-32 characters of letters, digits and '-'")
	}
	return nil
}

// ValidateApplicationTokenName checks the name of an application's token:
// the same rule as application names (Juniper's), 1–32 letters, digits and
// '-'. Names are unique among an application's tokens that are not
// revoked, without regard to case; the stores enforce that. User tokens
// keep the freer ValidateTokenName.
func ValidateApplicationTokenName(name string) error {
	if err := ValidateNameText("name", name); err != nil {
		return err
	}
	if !applicationNamePattern.MatchString(name) {
		return Errorf(EINVALID, "an application token's name must be 1-32 characters of letters, digits and '-'")
	}
	return nil
}

// ValidateApplicationDescription checks an application's description.
func ValidateApplicationDescription(d string) error {
	if len([]rune(d)) > MaxApplicationDescriptionLen {
		return Errorf(EINVALID, "description must be at most %d characters", MaxApplicationDescriptionLen)
	}
	return nil
}

// Access types are named permission bundles an application is granted.
// Like roles they are rules over the permissions the server knows, so
// permissions introduced by a types file are covered too. An access type
// may also be one explicit permission ("resource:verb").
const (
	// AccessReadOnly: every permission whose verb is read or download.
	AccessReadOnly = "read-only"
	// AccessReadWrite: read-only plus every write, upload and audit verb,
	// and tokens:rotate (an application's tokens may renew themselves).
	AccessReadWrite = "read-write"
	// AccessScan: runs and controls analyses and uploads what they need.
	AccessScan = "scan"
	// AccessIntrospect: may call the token introspection endpoint.
	AccessIntrospect = "introspect"
	// AccessAdmin: every permission, as the admin role.
	AccessAdmin = "admin"
)

// AccessTypes lists the named access types.
var AccessTypes = []string{AccessReadOnly, AccessReadWrite, AccessScan, AccessIntrospect, AccessAdmin}

var scanPermissions = NewPermissionSet("analysis:execute", "scans:control", "results:upload", "files:upload")

// accessTypeAllows reports whether the named access type grants p.
func accessTypeAllows(at string, p Permission) bool {
	switch at {
	case AccessReadOnly:
		v := p.Verb()
		return v == "read" || v == "download"
	case AccessReadWrite:
		switch p.Verb() {
		case "read", "download", "write", "upload", "audit", "rotate":
			return true
		}
		return false
	case AccessScan:
		return scanPermissions.Has(p)
	case AccessIntrospect:
		return p == "tokens:introspect"
	case AccessAdmin:
		return true
	}
	return Permission(at) == p
}

// ValidateAccessTypes checks that every access type is a named bundle or a
// permission known to the server (universe), with no repeats.
func ValidateAccessTypes(universe PermissionSet, ats []string) error {
	seen := map[string]bool{}
	for _, at := range ats {
		named := false
		for _, n := range AccessTypes {
			if n == at {
				named = true
			}
		}
		if !named && !universe.Has(Permission(at)) {
			return Errorf(EINVALID, "unknown access type %q (access types: %s, or a permission such as api:read)", at, strings.Join(AccessTypes, ", "))
		}
		if seen[at] {
			return Errorf(EINVALID, "access type %q given twice", at)
		}
		seen[at] = true
	}
	return nil
}

// AccessTypePermissions resolves access types to the permissions of the
// universe they grant: the fixed permission set of an application.
func AccessTypePermissions(universe PermissionSet, ats []string) PermissionSet {
	out := PermissionSet{}
	for p := range universe {
		for _, at := range ats {
			if accessTypeAllows(at, p) {
				out[p] = struct{}{}
				break
			}
		}
	}
	return out
}

// AccessTypesAllow reports whether AccessTypePermissions(universe, ats)
// holds p, without building the set (introspection asks it per call).
func AccessTypesAllow(universe PermissionSet, ats []string, p Permission) bool {
	if !universe.Has(p) {
		return false
	}
	for _, at := range ats {
		if accessTypeAllows(at, p) {
			return true
		}
	}
	return false
}

// ParseScope splits an OAuth scope (space-separated permissions) into a
// sorted list without repeats; a scope token that is not resource:verb is
// EINVALID.
func ParseScope(scope string) ([]Permission, error) {
	set := PermissionSet{}
	for _, f := range strings.Fields(scope) {
		p := Permission(f)
		if !p.Valid() {
			return nil, Errorf(EINVALID, "scope %q is not a permission of the form resource:verb", f)
		}
		set[p] = struct{}{}
	}
	return set.Sorted(), nil
}

// FormatScope joins permissions into an OAuth scope string.
func FormatScope(ps []Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}
