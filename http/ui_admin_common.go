package http

import "net/http"

// shownSecret is one value shown once on the secret page, with a copy
// button.
type shownSecret struct {
	ID, Label, Value string
}

// fact is one line of a definition list.
type fact struct{ Term, Value string }

// secretOnceData is the administration page that shows new secrets (a
// webhook's signing secret, an application's client credential) once. It
// is the answer to the form, so the secret is never in a URL or a store.
type secretOnceData struct {
	Heading  string
	Secrets  []shownSecret
	Facts    []fact
	CloseURL string
}

func (s *Server) renderSecretOnce(w http.ResponseWriter, r *http.Request, us *uiSession, sub string, d secretOnceData) {
	pg := s.adminPage(w, r, us, d.Heading, sub)
	pg.Data = d
	s.render(w, r, http.StatusCreated, "admin_secret", pg)
}

// confirmData is a page that asks before something that cannot be undone.
type confirmData struct {
	Heading, Text, Action, Button, CancelURL string
}

func (s *Server) renderConfirm(w http.ResponseWriter, r *http.Request, us *uiSession, sub string, d confirmData) {
	pg := s.adminPage(w, r, us, d.Heading, sub)
	pg.Data = d
	s.render(w, r, http.StatusOK, "admin_confirm", pg)
}
