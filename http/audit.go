package http

import (
	"net/http"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// handleListAudit serves GET /api/v1/audit?action=&actor=&object=&outcome=
// &since=&until=&limit=&cursor= (times in RFC 3339; since inclusive, until
// exclusive), newest first with next_cursor. actor is "system", "anonymous",
// a username or application name (with what its tokens did), or an actor ID.
func (s *Server) handleListAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := service.AuditQuery{
		Action: q.Get("action"), Actor: q.Get("actor"), Object: q.Get("object"),
		Outcome: q.Get("outcome"), Cursor: q.Get("cursor"),
	}
	for _, f := range []struct {
		name string
		dst  **time.Time
	}{{"since", &in.Since}, {"until", &in.Until}} {
		if v := q.Get(f.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				s.writeError(w, r, tokenmint.Errorf(tokenmint.EINVALID, "%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z", f.name))
				return
			}
			t = t.UTC()
			*f.dst = &t
		}
	}
	var err error
	if in.Limit, err = pageLimit(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, next, err := s.svc.ListAudit(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if entries == nil {
		entries = []*tokenmint.AuditEntry{}
	}
	writePage(w, entries, next)
}
