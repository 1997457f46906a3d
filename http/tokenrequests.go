package http

import (
	"net/http"
	"strconv"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// tokenRequestRoutes are the API of token requests: asking for a token of
// a type that needs approval, deciding, and collecting the token.
func (s *Server) tokenRequestRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /api/v1/token-requests", s.authed(s.handleRequestToken))
	m.HandleFunc("GET /api/v1/token-requests", s.authed(s.handleListTokenRequests))
	m.HandleFunc("GET /api/v1/token-requests/{id}", s.authed(s.handleGetTokenRequest))
	m.HandleFunc("POST /api/v1/token-requests/{id}/approve", s.authed(s.handleApproveTokenRequest))
	m.HandleFunc("POST /api/v1/token-requests/{id}/deny", s.authed(s.handleDenyTokenRequest))
	m.HandleFunc("POST /api/v1/token-requests/{id}/cancel", s.authed(s.handleCancelTokenRequest))
	m.HandleFunc("POST /api/v1/token-requests/{id}/issue", s.authed(s.handleIssueTokenRequest))
}

// tokenRequestView is a request as the API shows it.
func tokenRequestView(r *tokenmint.TokenRequest) TokenRequest {
	v := TokenRequest{
		ID: r.ID, Type: r.Type, Name: r.Name, Description: r.Description, ProjectID: r.ProjectID,
		RequesterID: r.RequesterID, Justification: r.Justification, Status: r.Status,
		DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt, Reason: r.Reason, TokenID: r.TokenID,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ExpiresAt: r.ExpiresAt,
		TokenExpiry: TokenExpiry{DaysToLive: r.Expiry.DaysToLive, NoExpiry: r.Expiry.NoExpiry},
		// Not secret, unlike the description: the deciding administrators
		// see how narrow the token will be.
		AllowedCIDRs: r.AllowedCIDRs.Strings(),
	}
	if !r.RateLimit.IsZero() {
		l := r.RateLimit
		v.RateLimit = &l
	}
	switch {
	case r.Expiry.ExpiresAt != nil:
		v.TokenExpiry.ExpiresAt = r.Expiry.ExpiresAt.Format(time.RFC3339)
	case r.Expiry.ExpiresOn != nil:
		v.TokenExpiry.ExpiresAt = r.Expiry.ExpiresOn.Format(time.DateOnly)
	}
	if r.Status != tokenmint.RequestIssued {
		// A collection given back (the token could not be stored) leaves
		// an unused ID behind: only an issued request names a token.
		v.TokenID = ""
	}
	return v
}

type newTokenRequestBody struct {
	createTokenRequest
	Justification string `json:"justification"`
}

func (s *Server) handleRequestToken(w http.ResponseWriter, r *http.Request) {
	var in newTokenRequestBody
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := s.svc.RequestToken(r.Context(), service.RequestTokenInput{
		CreateTokenInput: service.CreateTokenInput{
			Type: in.Type, Name: in.Name, Description: in.Description, Project: in.Project, Expiry: in.request(),
			AllowedCIDRs: in.AllowedCIDRs, RateLimit: in.RateLimit.limit,
		},
		Justification: in.Justification,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/token-requests/"+req.ID)
	writeJSON(w, http.StatusCreated, tokenRequestView(req))
}

func (s *Server) handleListTokenRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := service.ListTokenRequestsInput{Status: q.Get("status"), Before: q.Get("cursor")}
	var err error
	if v := q.Get("all"); v != "" {
		if in.All, err = strconv.ParseBool(v); err != nil {
			s.writeError(w, r, tokenmint.Errorf(tokenmint.EINVALID, "all must be true or false"))
			return
		}
	}
	if in.Limit, err = pageLimit(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, next, err := s.svc.ListTokenRequests(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]TokenRequest, 0, len(list))
	for _, x := range list {
		items = append(items, tokenRequestView(x))
	}
	writePage(w, items, next)
}

func (s *Server) handleGetTokenRequest(w http.ResponseWriter, r *http.Request) {
	req, err := s.svc.GetTokenRequest(r.Context(), r.PathValue("id"))
	s.writeTokenRequest(w, r, req, err)
}

func (s *Server) handleApproveTokenRequest(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		var none struct{}
		if err := decodeJSON(w, r, &none); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	req, err := s.svc.ApproveTokenRequest(r.Context(), r.PathValue("id"))
	s.writeTokenRequest(w, r, req, err)
}

type denyBody struct {
	Reason string `json:"reason"`
}

func (s *Server) handleDenyTokenRequest(w http.ResponseWriter, r *http.Request) {
	var in denyBody
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := s.svc.DenyTokenRequest(r.Context(), r.PathValue("id"), in.Reason)
	s.writeTokenRequest(w, r, req, err)
}

func (s *Server) handleCancelTokenRequest(w http.ResponseWriter, r *http.Request) {
	req, err := s.svc.CancelTokenRequest(r.Context(), r.PathValue("id"))
	s.writeTokenRequest(w, r, req, err)
}

// handleIssueTokenRequest collects the token of an approved request: it
// answers like POST /api/v1/tokens, with the secret this once.
func (s *Server) handleIssueTokenRequest(w http.ResponseWriter, r *http.Request) {
	issued, _, err := s.svc.CollectTokenRequest(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tokens/"+issued.Token.ID)
	writeJSON(w, http.StatusCreated, s.issuedView(r, issued))
}

func (s *Server) writeTokenRequest(w http.ResponseWriter, r *http.Request, req *tokenmint.TokenRequest, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tokenRequestView(req))
}
