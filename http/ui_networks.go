package http

import (
	"net/http"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

// networkRule routes refusals about allowed networks to the "Allowed
// networks" field of a form (before the type's rule: "type X requires
// allowed_cidrs" concerns the networks).
var networkRule = fieldRule{"allowed_cidrs", []string{"allowed_cidrs", "networks"}}

// uiTokenNetworks saves the networks a token may be used from, from its
// page (POST /ui/tokens/{id}/networks): the owner narrows, changes or
// clears them; the service checks who may.
func (s *Server) uiTokenNetworks(w http.ResponseWriter, r *http.Request, us *uiSession) {
	id := r.PathValue("id")
	cidrs := tokenmint.SplitCIDRText(r.PostForm.Get("allowed_cidrs"))
	if cidrs == nil {
		cidrs = []string{}
	}
	tok, err := s.svc.UpdateToken(r.Context(), id, service.UpdateTokenInput{AllowedCIDRs: &cidrs})
	if err != nil {
		s.tokenFormError(w, r, us, err, networkRule)
		return
	}
	msg := "Token " + tok.Name + " may now be used from anywhere."
	if tok.AllowedCIDRs.Bound() {
		msg = "Token " + tok.Name + " may now be used only from " + strings.Join(tok.AllowedCIDRs.Strings(), ", ") + "."
	}
	redirectWith(w, r, "/ui/tokens/"+tok.ID, msg)
}
