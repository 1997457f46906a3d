package http

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// tokenView is a token as the API shows it (the Token the CLI client
// decodes): without description and use when an administrator looks at
// another user's token.
func (s *Server) tokenView(r *http.Request, t *tokenmint.Token) Token {
	v := Token{
		ID: t.ID, Name: t.Name, Type: t.Type, OwnerKind: t.OwnerKind, OwnerID: t.OwnerID,
		ProjectID: t.ProjectID, Prefix: t.Prefix, Status: t.Status(s.svc.Now()),
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, ExpiresAt: t.ExpiresAt,
		MaxUses: t.MaxUses, RevokedAt: t.RevokedAt, TypePermissions: s.typePermissions(t.Type),
		AllowedCIDRs: t.AllowedCIDRs.Strings(),
	}
	// Another user's token, seen by an administrator, shows neither its
	// description nor its use (Fortify's rule).
	if service.SeesPrivate(tokenmint.PrincipalFromContext(r.Context()), t) {
		d := t.Description
		v.Description = &d
		v.TokenUse = &TokenUse{LastUsedAt: t.LastUsedAt, Uses: t.Uses}
	}
	return v
}

// issuedView is the only answer that carries a token's secret.
func (s *Server) issuedView(r *http.Request, issued *service.IssuedToken) IssuedToken {
	return IssuedToken{Secret: issued.Plain, Encoded: issued.Encoded, Token: s.tokenView(r, issued.Token)}
}

type tokenTypeView struct {
	Name              string                 `json:"name"`
	Description       string                 `json:"description"`
	Permissions       []tokenmint.Permission `json:"permissions"`
	ProjectScoped     bool                   `json:"project_scoped"`
	ProjectRequired   bool                   `json:"project_required"`
	Projects          []string               `json:"projects,omitempty"`
	DefaultDaysToLive int                    `json:"default_days_to_live"`
	MaxDaysToLive     int                    `json:"max_days_to_live"`
	AllowNoExpiry     bool                   `json:"allow_no_expiry"`
	MaxUses           int                    `json:"max_uses"`
	Obsolete          bool                   `json:"obsolete"`
	ReplacedBy        string                 `json:"replaced_by,omitempty"`
	MaxExpiresAt      *time.Time             `json:"max_expires_at"`
	// ApprovalRequired: tokens of this type are asked for through
	// POST /api/v1/token-requests and approved by an administrator.
	ApprovalRequired bool `json:"approval_required"`
	// RequireAllowedCIDRs: tokens of the type must name networks.
	RequireAllowedCIDRs bool                 `json:"require_allowed_cidrs,omitempty"`
	RateLimit           *tokenmint.RateLimit `json:"rate_limit,omitempty"`
}

func (s *Server) handleTokenTypes(w http.ResponseWriter, r *http.Request) {
	types, err := s.svc.CreatableTypes(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]tokenTypeView, 0, len(types))
	for _, t := range types {
		out = append(out, tokenTypeView{
			Name: t.Name, Description: t.Description, Permissions: t.Permissions, ProjectScoped: t.ProjectScoped,
			ProjectRequired: t.ProjectRequired, Projects: t.Projects,
			DefaultDaysToLive: t.DefaultDaysToLive, MaxDaysToLive: t.MaxDaysToLive, AllowNoExpiry: t.NoExpiryAllowed,
			MaxUses: t.MaxUses, Obsolete: t.Obsolete, ReplacedBy: t.ReplacedBy, MaxExpiresAt: t.MaxExpiresAt,
			ApprovalRequired:    t.RequiresApproval(),
			RequireAllowedCIDRs: t.RequireAllowedCIDRs,
			RateLimit:           t.RateLimit,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// expiryFields are the ways a request may set an expiry.
type expiryFields struct {
	ExpiresAt  *tokenmint.ExpiryTime `json:"expires_at"` // RFC 3339 time or a date
	DaysToLive *int                  `json:"days_to_live"`
	NoExpiry   bool                  `json:"no_expiry"`
}

func (e expiryFields) request() tokenmint.ExpiryRequest {
	return tokenmint.ExpiryRequest{ExpiresAt: e.ExpiresAt.Instant(), ExpiresOn: e.ExpiresAt.Date(), DaysToLive: e.DaysToLive, NoExpiry: e.NoExpiry}
}

func (e expiryFields) given() bool { return e.ExpiresAt != nil || e.DaysToLive != nil || e.NoExpiry }

type createTokenRequest struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Project     string `json:"project"`
	// AllowedCIDRs bind the token to networks (docs/bound-networks.md).
	AllowedCIDRs []string `json:"allowed_cidrs"`
	// RateLimit is the token's own limit (absent or null: none).
	RateLimit rateLimitField `json:"rate_limit"`
	expiryFields
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request) {
	s.createToken(w, r, s.svc.CreateToken)
}

// createToken decodes a token request, issues it with create and answers
// 201 with the secret, shown this once.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, create func(context.Context, service.CreateTokenInput) (*service.IssuedToken, error)) {
	var in createTokenRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	issued, err := create(r.Context(), service.CreateTokenInput{
		Type: in.Type, Name: in.Name, Description: in.Description, Project: in.Project, Expiry: in.request(),
		AllowedCIDRs: in.AllowedCIDRs,
		RateLimit:    in.RateLimit.limit,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tokens/"+issued.Token.ID)
	v := s.issuedView(r, issued)
	if issued.RateLimits != nil {
		setRateLimits(&v.Token, *issued.RateLimits) // known at creation: no read
	} else if err := s.addRateLimits(r, &v.Token, issued.Token); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := service.ListTokensInput{Owner: q.Get("owner"), Status: q.Get("status"), Type: q.Get("type"), Before: q.Get("cursor")}
	var err error
	if v := q.Get("all"); v != "" {
		if in.All, err = strconv.ParseBool(v); err != nil {
			s.writeError(w, r, tokenmint.Errorf(tokenmint.EINVALID, "all must be true or false"))
			return
		}
	}
	if err := tokenDayFilters(q, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Limit, err = pageLimit(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	toks, next, err := s.svc.ListTokens(r.Context(), in)
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

func (s *Server) handleGetToken(w http.ResponseWriter, r *http.Request) {
	tok, err := s.svc.GetToken(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeTokenWithLimits(w, r, http.StatusOK, tok)
}

func (s *Server) handleSelfToken(w http.ResponseWriter, r *http.Request) {
	tok, err := s.svc.SelfToken(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeTokenWithLimits(w, r, http.StatusOK, tok)
}

type updateTokenRequest struct {
	Description *string `json:"description"`
	Active      *bool   `json:"active"`
	// AllowedCIDRs replaces the token's networks ([]: anywhere).
	AllowedCIDRs *[]string `json:"allowed_cidrs"`
	// RateLimit sets the token's own limit; null clears it.
	RateLimit rateLimitField `json:"rate_limit"`
	expiryFields
}

func (s *Server) handleUpdateToken(w http.ResponseWriter, r *http.Request) {
	var in updateTokenRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	upd := service.UpdateTokenInput{Description: in.Description, Active: in.Active, AllowedCIDRs: in.AllowedCIDRs}
	if in.given() {
		req := in.request()
		upd.Expiry = &req
	}
	var tok *tokenmint.Token
	var err error
	if upd.Description != nil || upd.Active != nil || upd.Expiry != nil || upd.AllowedCIDRs != nil || !in.RateLimit.set {
		if tok, err = s.svc.UpdateToken(r.Context(), r.PathValue("id"), upd); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if in.RateLimit.set {
		if tok, err = s.updateTokenRateLimit(r, r.PathValue("id"), in.RateLimit); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	s.writeTokenWithLimits(w, r, http.StatusOK, tok)
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type rotateRequest struct {
	GraceSeconds int `json:"grace_seconds"`
	expiryFields
}

func (s *Server) decodeRotate(w http.ResponseWriter, r *http.Request) (service.RotateTokenInput, error) {
	var in rotateRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			return service.RotateTokenInput{}, err
		}
	}
	return service.RotateTokenInput{Grace: graceFromSeconds(in.GraceSeconds), Expiry: in.request()}, nil
}

// graceFromSeconds converts a caller's grace period without overflow: a
// count too large for a time.Duration becomes the largest one, and any
// negative count -1 ns, which the service then refuses as out of range
// instead of wrapping around to a small grace.
func graceFromSeconds(n int) time.Duration {
	switch {
	case n > int(math.MaxInt64/time.Second):
		return math.MaxInt64
	case n < 0:
		return -1
	}
	return time.Duration(n) * time.Second
}

func (s *Server) handleRotateToken(w http.ResponseWriter, r *http.Request) {
	in, err := s.decodeRotate(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	issued, err := s.svc.RotateToken(r.Context(), r.PathValue("id"), in)
	s.writeIssued(w, r, issued, err)
}

func (s *Server) handleRotateSelf(w http.ResponseWriter, r *http.Request) {
	in, err := s.decodeRotate(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	issued, err := s.svc.RotateSelf(r.Context(), in)
	s.writeIssued(w, r, issued, err)
}

func (s *Server) writeIssued(w http.ResponseWriter, r *http.Request, issued *service.IssuedToken, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.issuedView(r, issued))
}
