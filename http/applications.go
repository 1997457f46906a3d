package http

import (
	"net/http"
	"time"

	"tokenmint"
	"tokenmint/service"
)

func (s *Server) applicationRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/applications", s.authed(s.handleListApplications))
	m.HandleFunc("POST /api/v1/applications", s.authed(s.handleCreateApplication))
	m.HandleFunc("GET /api/v1/applications/{id}", s.authed(s.handleGetApplication))
	m.HandleFunc("PATCH /api/v1/applications/{id}", s.authed(s.handleUpdateApplication))
	m.HandleFunc("DELETE /api/v1/applications/{id}", s.authed(s.handleDeleteApplication))
	m.HandleFunc("GET /api/v1/applications/{id}/credentials", s.authed(s.handleListCredentials))
	m.HandleFunc("POST /api/v1/applications/{id}/credentials", s.authed(s.handleCreateCredential))
	m.HandleFunc("DELETE /api/v1/applications/{id}/credentials/{credential_id}", s.authed(s.handleRevokeCredential))
	s.applicationTokenRoutes(m)
}

type applicationJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	AccessTypes []string  `json:"access_types"`
	Enabled     bool      `json:"enabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// DefaultAllowedCIDRs bind the application's new tokens that name no
	// networks ([] for none).
	DefaultAllowedCIDRs []string `json:"default_allowed_cidrs"`
}

func applicationView(a *tokenmint.Application) applicationJSON {
	ats := a.AccessTypes
	if ats == nil {
		ats = []string{}
	}
	cidrs := a.DefaultAllowedCIDRs.Strings()
	if cidrs == nil {
		cidrs = []string{}
	}
	return applicationJSON{ID: a.ID, Name: a.Name, Description: a.Description, AccessTypes: ats,
		Enabled: a.Enabled, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, DefaultAllowedCIDRs: cidrs}
}

type credentialJSON struct {
	ID        string     `json:"id"`
	ClientID  string     `json:"client_id"`
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// LastUsedAt is the last successful authentication, to the minute.
	LastUsedAt *time.Time `json:"last_used_at"`
}

func credentialView(c *tokenmint.ClientCredential) credentialJSON {
	return credentialJSON{ID: c.ID, ClientID: c.ClientID, Prefix: c.Prefix, CreatedAt: c.CreatedAt, RevokedAt: c.RevokedAt, LastUsedAt: c.LastUsedAt}
}

type createApplicationRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	AccessTypes []string `json:"access_types"`
	// DefaultAllowedCIDRs: see service.ApplicationInput.
	DefaultAllowedCIDRs []string `json:"default_allowed_cidrs"`
}

func (s *Server) handleCreateApplication(w http.ResponseWriter, r *http.Request) {
	var in createApplicationRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.svc.CreateApplication(r.Context(), service.ApplicationInput(in))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, applicationView(a))
}

func (s *Server) handleListApplications(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	as, next, err := s.svc.ListApplications(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]applicationJSON, 0, len(as))
	for _, a := range as {
		items = append(items, applicationView(a))
	}
	writePage(w, items, next)
}

func (s *Server) handleGetApplication(w http.ResponseWriter, r *http.Request) {
	a, err := s.svc.GetApplication(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, applicationView(a))
}

type updateApplicationRequest struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	AccessTypes *[]string `json:"access_types"`
	Enabled     *bool     `json:"enabled"`
	// DefaultAllowedCIDRs: see service.ApplicationUpdate.
	DefaultAllowedCIDRs *[]string `json:"default_allowed_cidrs"`
}

func (s *Server) handleUpdateApplication(w http.ResponseWriter, r *http.Request) {
	var in updateApplicationRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.svc.UpdateApplication(r.Context(), r.PathValue("id"), service.ApplicationUpdate(in))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, applicationView(a))
}

func (s *Server) handleDeleteApplication(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DeleteApplication(r.Context(), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleListCredentials(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cs, next, err := s.svc.ListClientCredentials(r.Context(), r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]credentialJSON, 0, len(cs))
	for _, c := range cs {
		items = append(items, credentialView(c))
	}
	writePage(w, items, next)
}

// issuedCredentialJSON is the only answer that carries a client secret.
type issuedCredentialJSON struct {
	ID           string `json:"id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Credential   string `json:"credential"`
}

func (s *Server) handleCreateCredential(w http.ResponseWriter, r *http.Request) {
	ic, err := s.svc.CreateClientCredential(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, issuedCredentialJSON{
		ID: ic.Credential.ID, ClientID: ic.Credential.ClientID, ClientSecret: ic.ClientSecret, Credential: ic.Encoded,
	})
}

func (s *Server) handleRevokeCredential(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.RevokeClientCredential(r.Context(), r.PathValue("id"), r.PathValue("credential_id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
