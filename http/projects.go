package http

import (
	"net/http"

	"tokenmint"
	"tokenmint/service"
)

type createProjectRequest struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (s *Server) handleCreateProject(w http.ResponseWriter, r *http.Request) {
	var in createProjectRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.svc.CreateProject(r.Context(), in.Name, in.Description)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) handleListProjects(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ps, next, err := s.svc.ListProjects(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ps == nil {
		ps = []*tokenmint.Project{}
	}
	writePage(w, ps, next)
}

func (s *Server) handleGetProject(w http.ResponseWriter, r *http.Request) {
	p, err := s.svc.GetProject(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

type updateProjectRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (s *Server) handleUpdateProject(w http.ResponseWriter, r *http.Request) {
	var in updateProjectRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.svc.UpdateProject(r.Context(), r.PathValue("id"), service.ProjectInput{Name: in.Name, Description: in.Description})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) handleDeleteProject(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DeleteProject(r.Context(), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleListMembers(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ms, next, err := s.svc.ListMemberships(r.Context(), r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ms == nil {
		ms = []*tokenmint.Membership{}
	}
	writePage(w, ms, next)
}

type putMemberRequest struct {
	Role string `json:"role"`
}

func (s *Server) handlePutMember(w http.ResponseWriter, r *http.Request) {
	var in putMemberRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.svc.PutMembership(r.Context(), r.PathValue("id"), r.PathValue("user"), in.Role)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) handleDeleteMember(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DeleteMembership(r.Context(), r.PathValue("id"), r.PathValue("user")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
