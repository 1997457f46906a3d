package tokenmint

import (
	"sort"
	"strings"
)

// Permission is a "resource:verb" string such as "results:upload".
type Permission string

// AllPermissions marks a token type that carries every permission its owner
// holds (SonarQube's user token); it is only valid in token type definitions.
const AllPermissions Permission = "*"

// KnownPermissions are the permissions built into tokenmint. Types files may
// name others as long as they have the resource:verb shape.
var KnownPermissions = []Permission{
	"results:upload", "results:download", "issues:audit",
	"reports:read", "reports:write", "projects:purge", "projects:read",
	"analysis:execute", "files:upload", "files:download", "scans:control",
	"api:read", "api:write", "tokens:read", "tokens:write", "tokens:rotate", "tokens:manage", "tokens:introspect",
	"users:manage",
}

// Valid reports whether p has the resource:verb shape: two names of 1 to
// 32 characters, each a lowercase letter followed by lowercase letters,
// digits, '_' or '-' (the regular expression
// ^[a-z][a-z0-9_-]{0,31}:[a-z][a-z0-9_-]{0,31}$, checked by hand because
// every forward-auth request checks its permissions).
func (p Permission) Valid() bool {
	resource, verb, ok := strings.Cut(string(p), ":")
	return ok && validPermissionName(resource) && validPermissionName(verb)
}

func validPermissionName(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Verb returns the part after the colon.
func (p Permission) Verb() string {
	_, verb, _ := strings.Cut(string(p), ":")
	return verb
}

// PermissionSet is a set of permissions.
type PermissionSet map[Permission]struct{}

// NewPermissionSet returns a set holding ps.
func NewPermissionSet(ps ...Permission) PermissionSet {
	s := make(PermissionSet, len(ps))
	for _, p := range ps {
		s[p] = struct{}{}
	}
	return s
}

// Has reports whether p is in the set.
func (s PermissionSet) Has(p Permission) bool {
	_, ok := s[p]
	return ok
}

// HasAll reports whether every permission of ps is in the set.
func (s PermissionSet) HasAll(ps []Permission) bool {
	for _, p := range ps {
		if !s.Has(p) {
			return false
		}
	}
	return true
}

// Add puts every permission of ps into the set.
func (s PermissionSet) Add(ps ...Permission) {
	for _, p := range ps {
		s[p] = struct{}{}
	}
}

// Intersect returns the permissions in both sets.
func (s PermissionSet) Intersect(o PermissionSet) PermissionSet {
	out := PermissionSet{}
	for p := range s {
		if o.Has(p) {
			out[p] = struct{}{}
		}
	}
	return out
}

// Sorted returns the permissions in lexical order.
func (s PermissionSet) Sorted() []Permission {
	out := make([]Permission, 0, len(s))
	for p := range s {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
