package http

import (
	"net/http"

	"tokenmint"
)

func (s *Server) handleTokenUsage(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	usage, next, err := s.svc.TokenUsage(r.Context(), r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if usage == nil {
		usage = []tokenmint.IPUsage{}
	}
	writePage(w, usage, next)
}

func (s *Server) handleListBlockedIPs(w http.ResponseWriter, r *http.Request) {
	blocks, err := s.svc.BlockedIPs(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if blocks == nil {
		blocks = []tokenmint.IPBlock{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": blocks})
}

func (s *Server) handleBlockIP(w http.ResponseWriter, r *http.Request) {
	b, err := s.svc.BlockIP(r.Context(), r.PathValue("id"), r.PathValue("ip"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) handleUnblockIP(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.UnblockIP(r.Context(), r.PathValue("id"), r.PathValue("ip")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
