package service

import (
	"context"
	"time"

	"tokenmint"
)

// SessionPrincipalForUser exposes userPrincipal to the external tests.
func (s *Service) SessionPrincipalForUser(ctx context.Context, u *tokenmint.User) (*tokenmint.Principal, any, error) {
	p, err := s.userPrincipal(ctx, u)
	return p, nil, err
}

// RetryDelay exposes the delivery retry schedule to the external tests.
func RetryDelay(attempt int) time.Duration { return retryDelay(attempt) }

// ThreadCPUTime exposes threadCPUTime to the external tests.
func ThreadCPUTime() (time.Duration, bool) { return threadCPUTime() }
