package http

import (
	"net/http"

	"tokenmint/service"
)

// recreateTokenRequest is the optional body of POST
// /api/v1/tokens/{id}/recreate: what to change of the copied settings.
type recreateTokenRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	expiryFields
}

// RecreatedToken is the answer to a recreation: the new token with its
// secret, like a creation's, plus where it came from and what today's
// rules changed.
type RecreatedToken struct {
	IssuedToken
	RecreatedFrom string   `json:"recreated_from"`
	Adjustments   []string `json:"adjustments"`
}

// handleRecreateToken creates a token like an existing one ("Create a
// token like this"); the old token is not changed.
func (s *Server) handleRecreateToken(w http.ResponseWriter, r *http.Request) {
	var in recreateTokenRequest
	// The body is optional: no body recreates the token as it was.
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	rc, err := s.svc.RecreateToken(r.Context(), r.PathValue("id"), service.RecreateOverrides{
		Name: in.Name, Description: in.Description, Expiry: in.request(),
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := RecreatedToken{IssuedToken: s.issuedView(r, rc.IssuedToken), RecreatedFrom: rc.From, Adjustments: adjustmentTexts(rc.Adjustments)}
	w.Header().Set("Location", "/api/v1/tokens/"+rc.Token.ID)
	writeJSON(w, http.StatusCreated, out)
}

// adjustmentTexts are the messages of adjustments, never null in JSON.
func adjustmentTexts(adj []service.Adjustment) []string {
	out := make([]string, 0, len(adj))
	for _, a := range adj {
		out = append(out, a.Message)
	}
	return out
}
