package service

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"tokenmint"
)

// ScopeAliases maps a vendor's OAuth scope names to tokenmint permissions,
// so that a client written for another product asks for its own scopes
// unchanged (Checkmarx SCA asks for sca_api). A grant asked for an alias
// gets the alias's permissions that the subject holds; the permission "*"
// stands for everything the subject holds. The JWT carries the resulting
// permissions, never the alias.
type ScopeAliases map[string][]tokenmint.Permission

// DefaultScopeAliases are the aliases a server has unless its
// configuration replaces them: the scopes of the Checkmarx SCA password
// grant. sca_api acts with everything the user holds, as a Checkmarx token
// acts with the user's roles; access_control_api is Checkmarx's user and
// team administration, here user and token management.
func DefaultScopeAliases() ScopeAliases {
	return ScopeAliases{
		"sca_api":            {tokenmint.AllPermissions},
		"access_control_api": {"users:manage", "tokens:manage", "tokens:read", "tokens:write"},
	}
}

var scopeAliasName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)

// Validate checks the alias names (letters, digits, '_', '.', '-'; never
// the resource:verb shape of a permission, which they would shadow) and
// their permissions.
func (a ScopeAliases) Validate() error {
	for name, perms := range a {
		if !scopeAliasName.MatchString(name) {
			return fmt.Errorf("scope alias %q: a name is a letter then up to 63 letters, digits, '_', '.' or '-'", name)
		}
		if len(perms) == 0 {
			return fmt.Errorf("scope alias %s: give at least one permission", name)
		}
		for _, p := range perms {
			if p != tokenmint.AllPermissions && !p.Valid() {
				return fmt.Errorf("scope alias %s: %q is not a permission of the form resource:verb (or *)", name, p)
			}
		}
	}
	return nil
}

// Names returns the alias names in order.
func (a ScopeAliases) Names() []string {
	out := make([]string, 0, len(a))
	for n := range a {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// ParseScopeAliases reads the configuration form of scope aliases:
// "alias=perm perm; alias2=*". "none" means no alias at all. The result is
// validated.
func ParseScopeAliases(s string) (ScopeAliases, error) {
	out := ScopeAliases{}
	if strings.TrimSpace(s) == "none" {
		return out, nil
	}
	for _, def := range strings.Split(s, ";") {
		if strings.TrimSpace(def) == "" {
			continue
		}
		name, perms, ok := strings.Cut(def, "=")
		name = strings.TrimSpace(name)
		if !ok {
			return nil, fmt.Errorf("scope alias %q: write NAME=PERMISSION [PERMISSION ...]", strings.TrimSpace(def))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("scope alias %s is defined twice", name)
		}
		out[name] = []tokenmint.Permission{}
		for _, p := range strings.FieldsFunc(perms, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
			out[name] = append(out[name], tokenmint.Permission(p))
		}
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}

// ScopeAliases returns the aliases this server accepts in a scope.
func (s *Service) ScopeAliases() ScopeAliases {
	if s.cfg.ScopeAliases == nil {
		return DefaultScopeAliases()
	}
	return s.cfg.ScopeAliases
}

// requestedScope parses the scope parameter and checks it against what
// the subject holds; an empty scope asks for everything it holds. A
// permission the subject lacks is an error naming it; an alias gets what
// the subject holds of it.
func (s *Service) requestedScope(form url.Values, holds tokenmint.PermissionSet) ([]tokenmint.Permission, error) {
	raw := strings.TrimSpace(form.Get("scope"))
	if raw == "" {
		if len(holds) == 0 {
			return nil, oauthErr("invalid_scope", "the subject holds no permission")
		}
		return holds.Sorted(), nil
	}
	aliases := s.ScopeAliases()
	out := tokenmint.PermissionSet{}
	for _, f := range strings.Fields(raw) {
		if perms, ok := aliases[f]; ok {
			for _, p := range perms {
				if p == tokenmint.AllPermissions {
					out.Add(holds.Sorted()...)
				} else if holds.Has(p) {
					out.Add(p)
				}
			}
			continue
		}
		p := tokenmint.Permission(f)
		if !p.Valid() {
			known := "none configured"
			if names := aliases.Names(); len(names) > 0 {
				known = strings.Join(names, ", ")
			}
			return nil, oauthErr("invalid_scope", "scope %q is neither a permission (resource:verb) nor a scope alias of this server (%s)", f, known)
		}
		if !holds.Has(p) {
			return nil, oauthErr("invalid_scope", "scope %s exceeds what the subject may do", p)
		}
		out.Add(p)
	}
	if len(out) == 0 {
		return nil, oauthErr("invalid_scope", "scope %q grants none of the permissions the subject holds", raw)
	}
	return out.Sorted(), nil
}
