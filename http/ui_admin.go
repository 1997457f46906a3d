package http

import (
	"net/http"
	"strconv"

	"tokenmint"
	"tokenmint/service"
)

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request, us *uiSession, title, sub string) *page {
	pg := s.newPage(w, r, us, title)
	pg.Nav, pg.Sub = "admin", sub
	return pg
}

// uiAdminTokens lists every token of the tenant. The service leaves out
// the descriptions of other users' tokens, and the table never shows usage.
func (s *Server) uiAdminTokens(w http.ResponseWriter, r *http.Request, us *uiSession) {
	pg := s.adminPage(w, r, us, "All tokens", "tokens")
	s.renderTokenTable(w, r, pg, service.ListTokensInput{All: true}, "admin_tokens")
}

func (s *Server) uiAdminSetTokenActive(w http.ResponseWriter, r *http.Request, us *uiSession) {
	_, msg, err := s.setActive(r)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/admin/tokens", msg)
}

// userForm is what the admin typed into a user form.
type userForm struct {
	Username, Email string
	Roles           map[string]bool
	Enabled         bool
}

type usersData struct {
	Users []*tokenmint.User
	Roles []string
	Form  userForm
}

var userRules = []fieldRule{
	{"password", []string{"password"}},
	{"email", []string{"email"}},
	{"roles", []string{"role"}},
	{"username", []string{"username", "user", "name"}},
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, pg *page, status int, form userForm) {
	users, err := s.allUsers(r.Context())
	if err != nil {
		s.uiError(w, r, nil, err)
		return
	}
	pg.Data = usersData{Users: users, Roles: tokenmint.Roles, Form: form}
	s.render(w, r, status, "admin_users", pg)
}

func (s *Server) uiUsers(w http.ResponseWriter, r *http.Request, us *uiSession) {
	pg := s.adminPage(w, r, us, "Users", "users")
	s.renderUsers(w, r, pg, http.StatusOK, userForm{Roles: map[string]bool{tokenmint.RoleMember: true}})
}

// formRoles reads the role checkboxes of a user form.
func formRoles(r *http.Request) ([]string, map[string]bool) {
	roles := []string{}
	set := map[string]bool{}
	for _, role := range r.PostForm["roles"] {
		if !set[role] {
			roles = append(roles, role)
			set[role] = true
		}
	}
	return roles, set
}

func (s *Server) uiCreateUser(w http.ResponseWriter, r *http.Request, us *uiSession) {
	f := r.PostForm
	roles, set := formRoles(r)
	form := userForm{Username: f.Get("username"), Email: f.Get("email"), Roles: set}
	u, err := s.svc.CreateUser(r.Context(), service.CreateUserInput{
		Username: form.Username, Email: form.Email, Password: f.Get("password"), Roles: roles,
	})
	if err != nil {
		pg := s.adminPage(w, r, us, "Users", "users")
		status := s.formError(r, pg, err, userRules...)
		s.renderUsers(w, r, pg, status, form)
		return
	}
	redirectWith(w, r, "/ui/admin/users", "User "+u.Username+" created.")
}

type userPageData struct {
	User  *tokenmint.User
	Roles []string
	Form  userForm
	Self  bool
	// RateLimit is the limit the user's tokens share.
	RateLimit ownerRateLimitForm
}

func (s *Server) renderUserPage(w http.ResponseWriter, r *http.Request, us *uiSession, pg *page, status int, form *userForm) {
	u, err := s.svc.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	if form == nil {
		form = &userForm{Username: u.Username, Email: u.Email, Roles: map[string]bool{}, Enabled: u.Enabled}
		for _, role := range u.Roles {
			form.Roles[role] = true
		}
	}
	rl, err := s.ownerRateLimitForm(r, tokenmint.OwnerUser, u.ID)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	pg.Title = "User " + u.Username
	pg.Data = userPageData{User: u, Roles: tokenmint.Roles, Form: *form, Self: u.ID == us.p.User.ID, RateLimit: rl}
	s.render(w, r, status, "admin_user", pg)
}

func (s *Server) uiUserPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	s.renderUserPage(w, r, us, s.adminPage(w, r, us, "User", "users"), http.StatusOK, nil)
}

// uiUpdateUser saves the edit form: email, roles, enabled and, when
// given, a new password.
func (s *Server) uiUpdateUser(w http.ResponseWriter, r *http.Request, us *uiSession) {
	f := r.PostForm
	roles, set := formRoles(r)
	form := userForm{Email: f.Get("email"), Roles: set, Enabled: f.Get("enabled") != ""}
	in := service.UpdateUserInput{Email: &form.Email, Roles: &roles, Enabled: &form.Enabled}
	if pw := f.Get("password"); pw != "" {
		in.Password = &pw
	}
	u, err := s.svc.UpdateUser(r.Context(), r.PathValue("id"), in)
	if err != nil {
		pg := s.adminPage(w, r, us, "User", "users")
		status := s.formError(r, pg, err, append([]fieldRule{{"enabled", []string{"disable yourself"}}}, userRules...)...)
		s.renderUserPage(w, r, us, pg, status, &form)
		return
	}
	redirectWith(w, r, "/ui/admin/users/"+u.ID, "User "+u.Username+" saved.")
}

func (s *Server) uiSetUserEnabled(w http.ResponseWriter, r *http.Request, us *uiSession) {
	enabled, err := strconv.ParseBool(r.PostForm.Get("enabled"))
	if err != nil {
		s.uiError(w, r, us, tokenmint.Errorf(tokenmint.EINVALID, "enabled must be true or false"))
		return
	}
	u, err := s.svc.UpdateUser(r.Context(), r.PathValue("id"), service.UpdateUserInput{Enabled: &enabled})
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	msg := "User " + u.Username + " enabled."
	if !enabled {
		msg = "User " + u.Username + " disabled: their session and tokens stop working at once."
	}
	redirectWith(w, r, "/ui/admin/users", msg)
}
