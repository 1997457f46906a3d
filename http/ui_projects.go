package http

import (
	"net/http"
	"net/url"

	"tokenmint"
	"tokenmint/service"
)

type projectForm struct{ Name, Description string }

type projectsData struct {
	Projects []*tokenmint.Project
	Form     projectForm
}

func (s *Server) renderProjects(w http.ResponseWriter, r *http.Request, pg *page, status int, form projectForm) {
	ps, err := s.allProjects(r.Context())
	if err != nil {
		s.uiError(w, r, nil, err)
		return
	}
	pg.Data = projectsData{Projects: ps, Form: form}
	s.render(w, r, status, "admin_projects", pg)
}

func (s *Server) uiProjects(w http.ResponseWriter, r *http.Request, us *uiSession) {
	s.renderProjects(w, r, s.adminPage(w, r, us, "Projects", "projects"), http.StatusOK, projectForm{})
}

func (s *Server) uiCreateProject(w http.ResponseWriter, r *http.Request, us *uiSession) {
	form := projectForm{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description")}
	p, err := s.svc.CreateProject(r.Context(), form.Name, form.Description)
	if err != nil {
		pg := s.adminPage(w, r, us, "Projects", "projects")
		status := s.formError(r, pg, err, fieldRule{"description", []string{"description"}}, fieldRule{"name", []string{"name", "project", "exists"}})
		s.renderProjects(w, r, pg, status, form)
		return
	}
	redirectWith(w, r, "/ui/admin/projects/"+url.PathEscape(p.ID), "Project "+p.Name+" created.")
}

// memberRow is a membership with the member's name.
type memberRow struct {
	UserID, Username, Role string
}

type projectPageData struct {
	Project *tokenmint.Project
	Members []memberRow
	Users   []*tokenmint.User
	Roles   []string
	Form    struct{ User, Role string }
	// Edit is the name and description form: the project's, or what was
	// typed when a change was refused.
	Edit projectForm
}

func (s *Server) renderProjectPage(w http.ResponseWriter, r *http.Request, us *uiSession, pg *page, status int, tmpl string) {
	ctx := r.Context()
	p, err := s.svc.GetProject(ctx, r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	ms, err := s.allMembers(ctx, p.ID)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	users, err := s.allUsers(ctx)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Username
	}
	d := &projectPageData{Project: p, Users: users, Roles: tokenmint.Roles}
	d.Form.User, d.Form.Role = r.PostForm.Get("user"), r.PostForm.Get("role")
	d.Edit = projectForm{Name: p.Name, Description: p.Description}
	if r.PostForm.Has("name") {
		d.Edit = projectForm{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description")}
	}
	if d.Form.Role == "" {
		d.Form.Role = tokenmint.RoleMember
	}
	for _, m := range ms {
		d.Members = append(d.Members, memberRow{UserID: m.UserID, Username: names[m.UserID], Role: m.Role})
	}
	pg.Title = "Project " + p.Name
	pg.Data = d
	s.render(w, r, status, tmpl, pg)
}

func (s *Server) uiProjectPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	s.renderProjectPage(w, r, us, s.adminPage(w, r, us, "Project", "projects"), http.StatusOK, "admin_project")
}

func (s *Server) uiPutMember(w http.ResponseWriter, r *http.Request, us *uiSession) {
	f := r.PostForm
	m, err := s.svc.PutMembership(r.Context(), r.PathValue("id"), f.Get("user"), f.Get("role"))
	if err != nil {
		pg := s.adminPage(w, r, us, "Project", "projects")
		status := s.formError(r, pg, err, fieldRule{"role", []string{"role"}}, fieldRule{"user", []string{"user"}})
		s.renderProjectPage(w, r, us, pg, status, "admin_project")
		return
	}
	redirectWith(w, r, "/ui/admin/projects/"+url.PathEscape(m.ProjectID), "Membership saved.")
}

func (s *Server) uiEditProject(w http.ResponseWriter, r *http.Request, us *uiSession) {
	name, description := r.PostForm.Get("name"), r.PostForm.Get("description")
	p, err := s.svc.UpdateProject(r.Context(), r.PathValue("id"), service.ProjectInput{Name: &name, Description: &description})
	if err != nil {
		pg := s.adminPage(w, r, us, "Project", "projects")
		status := s.formError(r, pg, err, fieldRule{"description", []string{"description"}}, fieldRule{"name", []string{"name", "exists"}})
		s.renderProjectPage(w, r, us, pg, status, "admin_project")
		return
	}
	redirectWith(w, r, "/ui/admin/projects/"+url.PathEscape(p.ID), "Project saved.")
}

func (s *Server) uiRemoveMember(w http.ResponseWriter, r *http.Request, us *uiSession) {
	id := r.PathValue("id")
	if err := s.svc.DeleteMembership(r.Context(), id, r.PathValue("user")); err != nil {
		s.uiError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/admin/projects/"+url.PathEscape(id), "Member removed from the project.")
}

func (s *Server) uiDeleteProjectPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	s.renderProjectPage(w, r, us, s.adminPage(w, r, us, "Delete project", "projects"), http.StatusOK, "admin_project_delete")
}

func (s *Server) uiDeleteProject(w http.ResponseWriter, r *http.Request, us *uiSession) {
	if err := s.svc.DeleteProject(r.Context(), r.PathValue("id")); err != nil {
		s.uiError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/admin/projects", "Project deleted. Tokens scoped to it no longer work.")
}
