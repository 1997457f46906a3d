package service

import (
	"context"

	"tokenmint"
)

// SessionPrincipalForUser exposes userPrincipal to the external tests.
func (s *Service) SessionPrincipalForUser(ctx context.Context, u *tokenmint.User) (*tokenmint.Principal, any, error) {
	p, err := s.userPrincipal(ctx, u)
	return p, nil, err
}
