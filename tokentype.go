package tokenmint

import (
	"fmt"
	"regexp"
	"sort"
)

// Owner kinds of tokens.
const (
	OwnerUser        = "user"
	OwnerApplication = "application"
)

// TokenType is the runtime definition of a kind of token. Types come from a
// types file; built-in defaults ship in the binary.
type TokenType struct {
	Name        string       `json:"name" yaml:"name"`
	Description string       `json:"description" yaml:"description"`
	Permissions []Permission `json:"permissions" yaml:"permissions"`
	// ProjectScoped types must be created for one project.
	ProjectScoped     bool `json:"project_scoped" yaml:"project_scoped"`
	DefaultDaysToLive int  `json:"default_days_to_live" yaml:"default_days_to_live"`
	// MaxDaysToLive of 0 means no type limit.
	MaxDaysToLive int  `json:"max_days_to_live" yaml:"max_days_to_live"`
	AllowNoExpiry bool `json:"allow_no_expiry" yaml:"allow_no_expiry"`
	// MaxUses of 0 means unlimited; 1 makes a single-use token.
	MaxUses    int    `json:"max_uses" yaml:"max_uses"`
	Internal   bool   `json:"internal" yaml:"internal"`
	Obsolete   bool   `json:"obsolete" yaml:"obsolete"`
	ReplacedBy string `json:"replaced_by,omitempty" yaml:"replaced_by"`
	OwnerKind  string `json:"owner_kind" yaml:"owner_kind"`
	// Approval "required" makes a person ask for a token of this type
	// (a token request) and an administrator approve it before it exists.
	Approval string `json:"approval,omitempty" yaml:"approval"`
	// RequireAllowedCIDRs refuses a token of this type that is bound to no
	// network (given, or the application's default).
	RequireAllowedCIDRs bool `json:"require_allowed_cidrs,omitempty" yaml:"require_allowed_cidrs"`
	// RateLimit is the default limit of the type's tokens that carry none
	// of their own (nil: none).
	RateLimit *RateLimit `json:"rate_limit,omitempty" yaml:"rate_limit"`
}

// Creatable reports whether a person may create tokens of this type.
func (t *TokenType) Creatable() bool { return !t.Internal && !t.Obsolete }

// AllOwnerPermissions reports whether the type carries every permission of
// its owner rather than a fixed list.
func (t *TokenType) AllOwnerPermissions() bool {
	for _, p := range t.Permissions {
		if p == AllPermissions {
			return true
		}
	}
	return false
}

var typeNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// Validate checks one type on its own; TypeRegistry checks cross references.
func (t *TokenType) Validate() error {
	if !typeNamePattern.MatchString(t.Name) {
		return fmt.Errorf("name %q must be 1-64 letters, digits, '_' or '-', starting with a letter", t.Name)
	}
	if len(t.Permissions) == 0 {
		return fmt.Errorf("type %s: permissions must not be empty", t.Name)
	}
	for _, p := range t.Permissions {
		if p != AllPermissions && !p.Valid() {
			return fmt.Errorf("type %s: permission %q is not of the form resource:verb", t.Name, p)
		}
	}
	switch t.OwnerKind {
	case OwnerUser, OwnerApplication:
	default:
		return fmt.Errorf("type %s: owner_kind %q must be %q or %q", t.Name, t.OwnerKind, OwnerUser, OwnerApplication)
	}
	if t.DefaultDaysToLive < 0 || t.MaxDaysToLive < 0 || t.MaxUses < 0 {
		return fmt.Errorf("type %s: days and uses must not be negative", t.Name)
	}
	if t.DefaultDaysToLive == 0 && !t.AllowNoExpiry {
		return fmt.Errorf("type %s: default_days_to_live 0 means no expiry, which needs allow_no_expiry", t.Name)
	}
	if t.MaxDaysToLive > 0 && t.DefaultDaysToLive > t.MaxDaysToLive {
		return fmt.Errorf("type %s: default_days_to_live %d exceeds max_days_to_live %d", t.Name, t.DefaultDaysToLive, t.MaxDaysToLive)
	}
	if t.ProjectScoped {
		for _, p := range t.Permissions {
			if TenantAdminPermissions.Has(p) {
				// A project-scoped credential gets nothing tenant-level, so
				// such a type would promise what no token of it can do.
				return fmt.Errorf("type %s: a project-scoped type cannot carry the tenant administration permission %s", t.Name, p)
			}
		}
	}
	if err := t.validateApproval(); err != nil {
		return err
	}
	if t.RateLimit != nil {
		if err := t.RateLimit.Validate(); err != nil {
			return fmt.Errorf("type %s: %s", t.Name, ErrorMessage(err))
		}
	}
	if t.ReplacedBy != "" && !t.Obsolete {
		return fmt.Errorf("type %s: replaced_by is only for obsolete types", t.Name)
	}
	return nil
}

// TypeRegistry is the validated, immutable set of token types in force.
type TypeRegistry struct {
	byName   map[string]*TokenType
	ordered  []*TokenType
	universe PermissionSet
	// typePerms holds each registered type's permission set, built once:
	// verification asks for it on every request.
	typePerms map[*TokenType]PermissionSet
}

// TypeError is a problem with one of the types given to NewTypeRegistry.
// Index says which, so a caller that read the types from a file can point at
// the offending entry.
type TypeError struct {
	Index int
	Err   error
}

func (e *TypeError) Error() string { return e.Err.Error() }

func (e *TypeError) Unwrap() error { return e.Err }

// NewTypeRegistry validates types and their cross references. Its errors are
// *TypeError values naming the offending type's index in types.
func NewTypeRegistry(types []TokenType) (*TypeRegistry, error) {
	r := &TypeRegistry{byName: map[string]*TokenType{}, universe: NewPermissionSet(KnownPermissions...)}
	for i := range types {
		t := types[i]
		if err := t.Validate(); err != nil {
			return nil, &TypeError{Index: i, Err: err}
		}
		if _, dup := r.byName[t.Name]; dup {
			return nil, &TypeError{Index: i, Err: fmt.Errorf("type %s is defined twice", t.Name)}
		}
		r.byName[t.Name] = &t
		r.ordered = append(r.ordered, &t)
		for _, p := range t.Permissions {
			if p != AllPermissions {
				r.universe.Add(p)
			}
		}
	}
	// r.ordered is still in the order of types here, so i is the index.
	for i, t := range r.ordered {
		if t.ReplacedBy == "" {
			continue
		}
		repl, ok := r.byName[t.ReplacedBy]
		if !ok {
			return nil, &TypeError{Index: i, Err: fmt.Errorf("type %s: replaced_by names unknown type %q", t.Name, t.ReplacedBy)}
		}
		if repl.Obsolete {
			return nil, &TypeError{Index: i, Err: fmt.Errorf("type %s: replaced_by names type %s, which is obsolete itself", t.Name, repl.Name)}
		}
	}
	sort.SliceStable(r.ordered, func(i, j int) bool { return r.ordered[i].Name < r.ordered[j].Name })
	r.typePerms = make(map[*TokenType]PermissionSet, len(r.ordered))
	for _, t := range r.ordered {
		if !t.AllOwnerPermissions() {
			r.typePerms[t] = NewPermissionSet(t.Permissions...)
		}
	}
	return r, nil
}

// Lookup returns the type with the given name.
func (r *TypeRegistry) Lookup(name string) (*TokenType, bool) {
	t, ok := r.byName[name]
	return t, ok
}

// All returns every type, sorted by name.
func (r *TypeRegistry) All() []*TokenType { return r.ordered }

// Universe returns every permission known to the server: the built-in ones
// and every one a type names.
func (r *TypeRegistry) Universe() PermissionSet { return r.universe }

// TypePermissions returns the concrete permissions a type grants before they
// are intersected with what its owner holds. The set is shared: callers
// must not change it.
func (r *TypeRegistry) TypePermissions(t *TokenType) PermissionSet {
	if t.AllOwnerPermissions() {
		return r.universe
	}
	if ps, ok := r.typePerms[t]; ok {
		return ps
	}
	return NewPermissionSet(t.Permissions...)
}
