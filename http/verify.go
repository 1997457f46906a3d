package http

import (
	"net/http"
	"time"

	"tokenmint"
	"tokenmint/service"
)

type verifyResponse struct {
	Active      bool                   `json:"active"`
	Tenant      string                 `json:"tenant"`
	Subject     string                 `json:"subject"`
	OwnerKind   string                 `json:"owner_kind"`
	TokenID     string                 `json:"token_id"`
	Type        string                 `json:"type"`
	Project     string                 `json:"project,omitempty"`
	Permissions []tokenmint.Permission `json:"permissions"`
	ExpiresAt   *time.Time             `json:"expires_at"`
}

// handleVerify is the forward-auth endpoint for nginx auth_request, Traefik
// forwardAuth, Caddy forward_auth and Envoy ext_authz.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	raw, ok, err := presentedToken(r)
	if err == nil && !ok {
		err = tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "no token presented")
	}
	var res *service.VerifyResult
	if err == nil {
		q := r.URL.Query()
		perm := tokenmint.Permission(q.Get("permission"))
		if perm != "" && !perm.Valid() {
			err = tokenmint.Errorf(tokenmint.EINVALID, "permission must have the form resource:verb")
		} else {
			res, err = s.svc.Verify(r.Context(), service.VerifyRequest{
				Token: raw, Permission: perm, Project: q.Get("project"), Tenant: q.Get("tenant"),
				IP: service.ClientIPFromContext(r.Context()),
			})
		}
	}
	if err != nil {
		s.metrics.verifies.WithLabelValues(verifyOutcome(err)).Inc()
		switch tokenmint.ErrorCode(err) {
		case tokenmint.EUNAUTHORIZED:
			w.Header().Set("WWW-Authenticate", `Bearer realm="tokenmint", error="invalid_token"`)
		case tokenmint.EFORBIDDEN:
			w.Header().Set("WWW-Authenticate", `Bearer realm="tokenmint", error="insufficient_scope"`)
		}
		s.writeError(w, r, err)
		return
	}
	s.metrics.verifies.WithLabelValues("ok").Inc()
	tenant, err := s.svc.TenantName(r.Context(), res.Token.TenantID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	exp := res.ExpiresAt()
	setExpirationHeader(w, exp)
	w.Header().Set("X-Auth-Subject", res.Token.OwnerID)
	w.Header().Set("X-Auth-Tenant", tenant)
	writeJSON(w, http.StatusOK, verifyResponse{
		Active: true, Tenant: tenant, Subject: res.Token.OwnerID, OwnerKind: res.Token.OwnerKind,
		TokenID: res.Token.ID, Type: res.Token.Type, Project: res.ProjectID,
		Permissions: res.Permissions.Sorted(), ExpiresAt: exp,
	})
}

func verifyOutcome(err error) string {
	switch tokenmint.ErrorCode(err) {
	case tokenmint.EUNAUTHORIZED:
		return "unauthorized"
	case tokenmint.EFORBIDDEN:
		return "forbidden"
	case tokenmint.EINVALID:
		return "invalid"
	}
	return "error"
}
