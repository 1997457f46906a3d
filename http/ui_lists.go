package http

import (
	"context"
	"slices"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

// The UI's pages show whole lists (tables and pickers): they page through
// the service's paged lists and keep the orders they always had — names
// alphabetical, usage most recent first.

func (s *Server) allUsers(ctx context.Context) ([]*tokenmint.User, error) {
	us, err := service.AllPages(func(in service.PageInput) ([]*tokenmint.User, string, error) {
		return s.svc.ListUsers(ctx, in)
	})
	slices.SortFunc(us, func(a, b *tokenmint.User) int { return strings.Compare(a.Username, b.Username) })
	return us, err
}

func (s *Server) allProjects(ctx context.Context) ([]*tokenmint.Project, error) {
	ps, err := service.AllPages(func(in service.PageInput) ([]*tokenmint.Project, string, error) {
		return s.svc.ListProjects(ctx, in)
	})
	slices.SortFunc(ps, func(a, b *tokenmint.Project) int { return strings.Compare(a.Name, b.Name) })
	return ps, err
}

func (s *Server) allApplications(ctx context.Context) ([]*tokenmint.Application, error) {
	as, err := service.AllPages(func(in service.PageInput) ([]*tokenmint.Application, string, error) {
		return s.svc.ListApplications(ctx, in)
	})
	slices.SortFunc(as, func(a, b *tokenmint.Application) int { return strings.Compare(a.Name, b.Name) })
	return as, err
}

func (s *Server) allWebhooks(ctx context.Context) ([]*tokenmint.Webhook, error) {
	return service.AllPages(func(in service.PageInput) ([]*tokenmint.Webhook, string, error) {
		return s.svc.ListWebhooks(ctx, in)
	})
}

func (s *Server) allMembers(ctx context.Context, projectKey string) ([]*tokenmint.Membership, error) {
	return service.AllPages(func(in service.PageInput) ([]*tokenmint.Membership, string, error) {
		return s.svc.ListMemberships(ctx, projectKey, in)
	})
}

func (s *Server) allCredentials(ctx context.Context, appID string) ([]*tokenmint.ClientCredential, error) {
	return service.AllPages(func(in service.PageInput) ([]*tokenmint.ClientCredential, string, error) {
		return s.svc.ListClientCredentials(ctx, appID, in)
	})
}

func (s *Server) allUsage(ctx context.Context, tokenID string) ([]tokenmint.IPUsage, error) {
	us, err := service.AllPages(func(in service.PageInput) ([]tokenmint.IPUsage, string, error) {
		return s.svc.TokenUsage(ctx, tokenID, in)
	})
	slices.SortStableFunc(us, func(a, b tokenmint.IPUsage) int { return b.LastUsed.Compare(a.LastUsed) })
	return us, err
}
