package http

import (
	"net/http"

	"tokenmint"
	"tokenmint/service"
)

type policyRequest struct {
	MaxLifetimeDays          *int `json:"max_lifetime_days"`
	InactivityDeactivateDays *int `json:"inactivity_deactivate_days"`
	InactivityDeleteDays     *int `json:"inactivity_delete_days"`
	// ExpiryNoticeDays reads a list, or a plain number N as [N] for
	// clients written when it was one number.
	ExpiryNoticeDays       *tokenmint.NoticeDays `json:"expiry_notice_days"`
	ExpiryDigest           *bool                 `json:"expiry_digest"`
	ExpiryDigestWeekday    *string               `json:"expiry_digest_weekday"`
	AccessTokenTTL         *int                  `json:"access_token_ttl"`
	RefreshTokenTTL        *int                  `json:"refresh_token_ttl"`
	LoginFailuresPerMinute *int                  `json:"login_failures_per_minute"`
	MaxTokensPerOwner      *int                  `json:"max_tokens_per_owner"`
}

func (s *Server) handleGetPolicy(w http.ResponseWriter, r *http.Request) {
	pol, err := s.svc.GetPolicy(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pol)
}

// handlePutPolicy sets the fields given; fields left out keep their value.
func (s *Server) handlePutPolicy(w http.ResponseWriter, r *http.Request) {
	var in policyRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	pol, err := s.svc.PutPolicy(r.Context(), service.PolicyInput(in))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pol)
}
