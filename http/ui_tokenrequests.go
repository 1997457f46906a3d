package http

import (
	"net/http"
	"net/url"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

// The web UI of token requests: "My requests" under Token Management,
// where the requester follows a request and collects its token once, and
// Administration → Token requests, where administrators decide.

func (s *Server) uiTokenRequestRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /ui/token-requests", s.uiAuthed(s.uiMyRequests))
	m.HandleFunc("POST /ui/token-requests/{id}/collect", s.uiAuthed(s.uiCollectRequest))
	m.HandleFunc("POST /ui/token-requests/{id}/cancel", s.uiAuthed(s.uiCancelRequest))
	m.HandleFunc("GET /ui/admin/token-requests", s.uiAdmin(s.uiAdminRequests))
	m.HandleFunc("POST /ui/admin/token-requests/{id}/approve", s.uiAdmin(s.uiApproveRequest))
	m.HandleFunc("POST /ui/admin/token-requests/{id}/deny", s.uiAdmin(s.uiDenyRequest))
}

// requestRow is a token request as the tables show it.
type requestRow struct {
	*tokenmint.TokenRequest
	Requester string
	Project   string
	// Networks and Limit show the token's networks and own rate limit in
	// words ("" for none), for the administrator deciding.
	Networks string
	Limit    string
}

type requestListData struct {
	Rows     []requestRow
	Status   string
	Statuses []string
	Next     string
}

// listRequests fills a page's request table: the caller's own, or (all)
// the tenant's, filtered by the query's status.
func (s *Server) listRequests(r *http.Request, all bool) (*requestListData, error) {
	q := r.URL.Query()
	d := &requestListData{Status: q.Get("status"), Statuses: tokenmint.RequestStatuses}
	list, next, err := s.svc.ListTokenRequests(r.Context(), service.ListTokenRequestsInput{All: all, Status: d.Status, Before: q.Get("cursor")})
	if err != nil {
		return d, err
	}
	projects, _, err := s.projectNames(r.Context())
	if err != nil {
		return d, err
	}
	names := map[string]string{}
	if all {
		users, err := s.allUsers(r.Context())
		if err != nil {
			return d, err
		}
		for _, u := range users {
			names[u.ID] = u.Username
		}
	}
	for _, x := range list {
		row := requestRow{TokenRequest: x, Requester: names[x.RequesterID], Project: projects[x.ProjectID],
			Networks: strings.Join(x.AllowedCIDRs.Strings(), ", ")}
		if !x.RateLimit.IsZero() {
			row.Limit = rateLimitText(&x.RateLimit)
		}
		d.Rows = append(d.Rows, row)
	}
	if next != "" {
		nq := url.Values{"cursor": {next}}
		if d.Status != "" {
			nq.Set("status", d.Status)
		}
		d.Next = r.URL.Path + "?" + nq.Encode()
	}
	return d, nil
}

func (s *Server) uiMyRequests(w http.ResponseWriter, r *http.Request, us *uiSession) {
	pg := s.newPage(w, r, us, "My requests")
	pg.Nav = "tokens"
	d, err := s.listRequests(r, false)
	pg.Data = d
	status := http.StatusOK
	if err != nil {
		status = s.formError(r, pg, err)
	}
	s.render(w, r, status, "token_requests", pg)
}

// uiCollectRequest creates the token of the caller's approved request and
// shows it, once, like a creation.
func (s *Server) uiCollectRequest(w http.ResponseWriter, r *http.Request, us *uiSession) {
	issued, _, err := s.svc.CollectTokenRequest(r.Context(), r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	projects, _, _ := s.projectNames(r.Context())
	pg := s.newPage(w, r, us, "Token collected")
	pg.Nav = "tokens"
	pg.Data = secretData{
		Heading: "Token collected", Row: s.tokenRow(issued.Token, projects, map[string]string{us.p.User.ID: us.p.User.Username}),
		Plain: issued.Plain, Encoded: issued.Encoded, CloseURL: "/ui/token-requests",
	}
	s.render(w, r, http.StatusCreated, "token_secret", pg)
}

func (s *Server) uiCancelRequest(w http.ResponseWriter, r *http.Request, us *uiSession) {
	if _, err := s.svc.CancelTokenRequest(r.Context(), r.PathValue("id")); err != nil {
		s.uiError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/token-requests", "Request cancelled.")
}

func (s *Server) uiAdminRequests(w http.ResponseWriter, r *http.Request, us *uiSession) {
	pg := s.newPage(w, r, us, "Token requests")
	pg.Nav, pg.Sub = "admin", "token-requests"
	d, err := s.listRequests(r, true)
	pg.Data = d
	status := http.StatusOK
	if err != nil {
		status = s.formError(r, pg, err)
	}
	s.render(w, r, status, "admin_token_requests", pg)
}

func (s *Server) uiApproveRequest(w http.ResponseWriter, r *http.Request, us *uiSession) {
	if _, err := s.svc.ApproveTokenRequest(r.Context(), r.PathValue("id")); err != nil {
		s.uiError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/admin/token-requests", "Request approved. The requester can now collect the token.")
}

func (s *Server) uiDenyRequest(w http.ResponseWriter, r *http.Request, us *uiSession) {
	if _, err := s.svc.DenyTokenRequest(r.Context(), r.PathValue("id"), r.PostForm.Get("reason")); err != nil {
		s.uiError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/admin/token-requests", "Request denied.")
}
