package http

import (
	"net/http"
	"net/url"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// auditRow is an audit entry with the actor's name when it is a user.
type auditRow struct {
	*tokenmint.AuditEntry
	Actor string
}

type auditData struct {
	Rows     []auditRow
	Users    []*tokenmint.User
	Outcomes []string
	// The filters as typed.
	Action, Actor, Object, Outcome, Since, Until string
	Next                                         string
}

// uiAudit shows the audit log, newest first, with filters by action, actor,
// object, outcome and date range (UTC days, both inclusive).
func (s *Server) uiAudit(w http.ResponseWriter, r *http.Request, us *uiSession) {
	pg := s.adminPage(w, r, us, "Audit log", "audit")
	ctx := r.Context()
	q := r.URL.Query()
	d := &auditData{
		Outcomes: []string{service.OutcomeSuccess, service.OutcomeFailure, service.OutcomeDenied},
		Action:   q.Get("action"), Actor: q.Get("actor"), Object: q.Get("object"), Outcome: q.Get("outcome"),
		Since: q.Get("since"), Until: q.Get("until"),
	}
	pg.Data = d
	users, err := s.allUsers(ctx)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	d.Users = users
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Username
	}
	in := service.AuditQuery{Action: d.Action, Actor: d.Actor, Object: d.Object, Outcome: d.Outcome, Cursor: q.Get("cursor")}
	if d.Since != "" {
		t, err := time.Parse(uiDate, d.Since)
		if err != nil {
			pg.Fields["since"] = "Enter a date."
		}
		in.Since = &t
	}
	if d.Until != "" {
		t, err := time.Parse(uiDate, d.Until)
		if err != nil {
			pg.Fields["until"] = "Enter a date."
		}
		t = t.Add(tokenmint.Day) // the whole day
		in.Until = &t
	}
	if len(pg.Fields) > 0 {
		pg.Error = "Please correct the filters marked below."
		s.render(w, r, http.StatusBadRequest, "admin_audit", pg)
		return
	}
	entries, next, err := s.svc.ListAudit(ctx, in)
	if err != nil {
		status := s.formError(r, pg, err, fieldRule{"since", []string{"since"}}, fieldRule{"outcome", []string{"outcome"}}, fieldRule{"cursor", []string{"cursor"}})
		s.render(w, r, status, "admin_audit", pg)
		return
	}
	for _, e := range entries {
		row := auditRow{AuditEntry: e, Actor: e.ActorKind + " " + e.ActorID}
		if e.ActorKind == "user" && names[e.ActorID] != "" {
			row.Actor = names[e.ActorID]
		} else if e.ActorID == "" {
			row.Actor = e.ActorKind
		}
		d.Rows = append(d.Rows, row)
	}
	if next != "" {
		nq := url.Values{}
		for k, v := range q {
			if k != "cursor" && len(v) > 0 && v[0] != "" {
				nq.Set(k, v[0])
			}
		}
		nq.Set("cursor", next)
		d.Next = "/ui/admin/audit?" + nq.Encode()
	}
	s.render(w, r, http.StatusOK, "admin_audit", pg)
}
