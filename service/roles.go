package service

import (
	"context"

	"tokenmint"
)

// Role is a built-in role as callers see it: what it is for and the
// permissions it grants among those the server knows.
type Role struct {
	Name        string                 `json:"name"`
	Description string                 `json:"description"`
	Permissions []tokenmint.Permission `json:"permissions"`
}

// ListRoles lists the built-in roles, for any signed-in caller choosing a
// role to grant or wondering what one allows.
func (s *Service) ListRoles(ctx context.Context) ([]Role, error) {
	if tokenmint.PrincipalFromContext(ctx) == nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "authentication required")
	}
	out := make([]Role, 0, len(tokenmint.Roles))
	for _, name := range tokenmint.Roles {
		out = append(out, Role{
			Name: name, Description: tokenmint.RoleDescriptions[name],
			Permissions: tokenmint.RolePermissions(name, s.types.Universe()).Sorted(),
		})
	}
	return out, nil
}
