package http

import "net/http"

// oauthRoutes adds the applications API and the OAuth2 authorization
// server's endpoints.
func (s *Server) oauthRoutes(m *http.ServeMux) {
	s.applicationRoutes(m)
}
