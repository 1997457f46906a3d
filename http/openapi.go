package http

import (
	_ "embed"
	"net/http"
)

// openAPIDocument is the OpenAPI 3.1 description of every non-UI route.
// openapi_test.go checks it against the routes registered in this package.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIRoutes serves the OpenAPI document without authentication. The
// pattern is more specific than the /api/ catch-all, so it wins.
func (s *Server) openAPIRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/openapi.json", s.handleOpenAPI)
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDocument)
}
