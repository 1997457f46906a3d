package http

import (
	"context"
	"net/http"

	"tokenmint/service"
)

// Opaque tokens owned by an application (tma_…): created and listed under
// the application; read, extended, deactivated and revoked through
// /api/v1/tokens/{id} like any other token.
func (s *Server) applicationTokenRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /api/v1/applications/{id}/tokens", s.authed(s.handleCreateApplicationToken))
	m.HandleFunc("GET /api/v1/applications/{id}/tokens", s.authed(s.handleListApplicationTokens))
}

func (s *Server) handleCreateApplicationToken(w http.ResponseWriter, r *http.Request) {
	appID := r.PathValue("id")
	s.createToken(w, r, func(ctx context.Context, in service.CreateTokenInput) (*service.IssuedToken, error) {
		return s.svc.CreateApplicationToken(ctx, appID, in)
	})
}

func (s *Server) handleListApplicationTokens(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	toks, next, err := s.svc.ListApplicationTokens(r.Context(), r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]Token, 0, len(toks))
	for _, t := range toks {
		items = append(items, s.tokenView(r, t))
	}
	writePage(w, items, next)
}
