package http

import (
	"net/http"
	"time"

	"tokenmint"
	"tokenmint/service"
)

type userJSON struct {
	ID        string    `json:"id"`
	Username  string    `json:"username"`
	Email     string    `json:"email"`
	Roles     []string  `json:"roles"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func userView(u *tokenmint.User) userJSON {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	return userJSON{ID: u.ID, Username: u.Username, Email: u.Email, Roles: roles, Enabled: u.Enabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type createUserRequest struct {
	Username string   `json:"username"`
	Email    string   `json:"email"`
	Password string   `json:"password"`
	Roles    []string `json:"roles"`
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	var in createUserRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.svc.CreateUser(r.Context(), service.CreateUserInput(in))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userView(u))
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	us, next, err := s.svc.ListUsers(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]userJSON, 0, len(us))
	for _, u := range us {
		items = append(items, userView(u))
	}
	writePage(w, items, next)
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.svc.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userView(u))
}

type updateUserRequest struct {
	Email    *string   `json:"email"`
	Password *string   `json:"password"`
	Roles    *[]string `json:"roles"`
	Enabled  *bool     `json:"enabled"`
}

func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request) {
	var in updateUserRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.svc.UpdateUser(r.Context(), r.PathValue("id"), service.UpdateUserInput(in))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userView(u))
}

func (s *Server) handleListRoles(w http.ResponseWriter, r *http.Request) {
	roles, err := s.svc.ListRoles(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": roles})
}
