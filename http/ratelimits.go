package http

import (
	"bytes"
	"encoding/json"
	"net/http"

	"tokenmint"
	"tokenmint/service"
)

// rateLimitRoutes are the owners' rate limits: a user's and an
// application's, shared by all their tokens (administrators only). A
// token's own limit is a field of the token (POST and PATCH
// /api/v1/tokens).
func (s *Server) rateLimitRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/users/{id}/rate-limit", s.authed(s.ownerRateLimitGet(tokenmint.OwnerUser)))
	m.HandleFunc("PUT /api/v1/users/{id}/rate-limit", s.authed(s.ownerRateLimitPut(tokenmint.OwnerUser)))
	m.HandleFunc("DELETE /api/v1/users/{id}/rate-limit", s.authed(s.ownerRateLimitDelete(tokenmint.OwnerUser)))
	m.HandleFunc("GET /api/v1/applications/{id}/rate-limit", s.authed(s.ownerRateLimitGet(tokenmint.OwnerApplication)))
	m.HandleFunc("PUT /api/v1/applications/{id}/rate-limit", s.authed(s.ownerRateLimitPut(tokenmint.OwnerApplication)))
	m.HandleFunc("DELETE /api/v1/applications/{id}/rate-limit", s.authed(s.ownerRateLimitDelete(tokenmint.OwnerApplication)))
}

// ownerRateLimitBody is the answer of the owner limit routes.
type ownerRateLimitBody struct {
	RateLimit *tokenmint.RateLimit `json:"rate_limit"`
}

func (s *Server) ownerRateLimitGet(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, err := s.svc.OwnerRateLimit(r.Context(), kind, r.PathValue("id"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ownerRateLimitBody{RateLimit: l})
	}
}

func (s *Server) ownerRateLimitPut(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var l tokenmint.RateLimit
		if err := decodeJSON(w, r, &l); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := l.Validate(); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.svc.SetOwnerRateLimit(r.Context(), kind, r.PathValue("id"), l); err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ownerRateLimitBody{RateLimit: &l})
	}
}

func (s *Server) ownerRateLimitDelete(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.svc.SetOwnerRateLimit(r.Context(), kind, r.PathValue("id"), tokenmint.RateLimit{}); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// rateLimitField is a rate_limit in a request: absent, null (none, or
// clear it) or a limit, which must be valid.
type rateLimitField struct {
	set   bool
	limit tokenmint.RateLimit
}

// UnmarshalJSON reads null or {"requests":N,"per_seconds":S}, strictly.
func (f *rateLimitField) UnmarshalJSON(b []byte) error {
	f.set = true
	if string(b) == "null" {
		f.limit = tokenmint.RateLimit{}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f.limit); err != nil {
		return tokenmint.Errorf(tokenmint.EINVALID, "rate_limit must be null or {\"requests\": N, \"per_seconds\": S}")
	}
	return f.limit.Validate()
}

// EffectiveRateLimit is the limit in force for a token and where it comes
// from: "token" (its own) or "type" (its type's default).
type EffectiveRateLimit struct {
	tokenmint.RateLimit
	Source string `json:"source"`
}

// addRateLimits fills the rate limit fields of a single token's answer
// (lists leave them out: they would cost a read per token).
func (s *Server) addRateLimits(r *http.Request, v *Token, tok *tokenmint.Token) error {
	info, err := s.svc.TokenRateLimits(r.Context(), tok)
	if err != nil {
		return err
	}
	setRateLimits(v, info)
	return nil
}

// setRateLimits fills the rate limit fields of a single token's answer.
func setRateLimits(v *Token, info service.TokenRateLimitInfo) {
	v.RateLimit, v.OwnerRateLimit = info.Own, info.Owner
	if info.Effective != nil {
		v.EffectiveRateLimit = &EffectiveRateLimit{RateLimit: *info.Effective, Source: info.Source}
	}
}

// writeTokenWithLimits answers a single token with its rate limits.
func (s *Server) writeTokenWithLimits(w http.ResponseWriter, r *http.Request, status int, tok *tokenmint.Token) {
	v := s.tokenView(r, tok)
	if err := s.addRateLimits(r, &v, tok); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

// updateTokenRateLimit applies a PATCH's rate_limit, after its other
// fields were applied.
func (s *Server) updateTokenRateLimit(r *http.Request, id string, f rateLimitField) (*tokenmint.Token, error) {
	return s.svc.SetTokenRateLimit(r.Context(), id, f.limit)
}
