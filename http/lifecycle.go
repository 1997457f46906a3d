package http

import "net/http"

// lifecycleRoutes registers policies, token usage and IP blocks, the
// anonymous leak report, webhooks, deliveries and the audit log.
func (s *Server) lifecycleRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/policies", s.authed(s.handleGetPolicy))
	m.HandleFunc("PUT /api/v1/policies", s.authed(s.handlePutPolicy))

	m.HandleFunc("GET /api/v1/tokens/{id}/usage", s.authed(s.handleTokenUsage))
	m.HandleFunc("GET /api/v1/tokens/{id}/blocked-ips", s.authed(s.handleListBlockedIPs))
	// {ip...} takes the rest of the path, so a CIDR may be sent with its
	// slash as is (/blocked-ips/10.0.0.0/8) or escaped (10.0.0.0%2F8).
	m.HandleFunc("PUT /api/v1/tokens/{id}/blocked-ips/{ip...}", s.authed(s.handleBlockIP))
	m.HandleFunc("DELETE /api/v1/tokens/{id}/blocked-ips/{ip...}", s.authed(s.handleUnblockIP))
	m.HandleFunc("POST /api/v1/tokens/revoke-leaked", s.handleRevokeLeaked)

	m.HandleFunc("GET /api/v1/webhooks", s.authed(s.handleListWebhooks))
	m.HandleFunc("POST /api/v1/webhooks", s.authed(s.handleCreateWebhook))
	m.HandleFunc("GET /api/v1/webhooks/{id}", s.authed(s.handleGetWebhook))
	m.HandleFunc("PATCH /api/v1/webhooks/{id}", s.authed(s.handleUpdateWebhook))
	m.HandleFunc("DELETE /api/v1/webhooks/{id}", s.authed(s.handleDeleteWebhook))
	m.HandleFunc("GET /api/v1/webhooks/{id}/deliveries", s.authed(s.handleListDeliveries))
	m.HandleFunc("GET /api/v1/deliveries", s.authed(s.handleListTenantDeliveries))

	m.HandleFunc("GET /api/v1/audit", s.authed(s.handleListAudit))
}
