package http

import (
	"net/http"

	"tokenmint"
)

type leakedRequest struct {
	Token string `json:"token"`
}

// handleRevokeLeaked needs no authentication: whoever finds a leaked token
// may kill it. It answers 202 whether or not the token existed.
func (s *Server) handleRevokeLeaked(w http.ResponseWriter, r *http.Request) {
	var in leakedRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Token == "" {
		s.writeError(w, r, tokenmint.Errorf(tokenmint.EINVALID, "token is required"))
		return
	}
	if err := s.svc.RevokeLeaked(r.Context(), in.Token); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
}
