package http

import (
	"net/http"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

// ssoForm is the single sign-on page's form, as stored or as typed.
type ssoForm struct {
	Configured     bool
	Name           string
	IssuerURL      string
	ClientID       string
	SecretSet      bool
	Scopes         string
	GroupsClaim    string
	Mappings       string
	LocalPasswords string
	BreakGlassUser string
	RedirectURI    string
	Updated        string
}

func (s *Server) renderSSO(w http.ResponseWriter, r *http.Request, us *uiSession, pg *page, status int, typed *ssoForm) {
	d := typed
	if d == nil {
		d = &ssoForm{LocalPasswords: tokenmint.LocalPasswordsEnabled, GroupsClaim: tokenmint.DefaultGroupsClaim,
			Scopes: strings.Join(tokenmint.DefaultSSOScopes, " ")}
		p, err := s.svc.GetSSOProvider(r.Context())
		switch {
		case err == nil:
			lines := make([]string, len(p.Mappings))
			for i, m := range p.Mappings {
				lines[i] = m.String()
			}
			d = &ssoForm{Configured: true, Name: p.Name, IssuerURL: p.IssuerURL, ClientID: p.ClientID,
				SecretSet: len(p.SealedClientSecret) > 0, Scopes: strings.Join(p.Scopes, " "), GroupsClaim: p.GroupsClaim,
				Mappings: strings.Join(lines, "\n"), LocalPasswords: p.LocalPasswords(), BreakGlassUser: p.BreakGlassUser,
				Updated: fmtTime(p.UpdatedAt)}
		case tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND:
			s.uiError(w, r, us, err)
			return
		}
	}
	d.RedirectURI = s.ssoRedirectURI(r)
	pg.Data = d
	s.render(w, r, status, "admin_sso", pg)
}

func (s *Server) uiSSO(w http.ResponseWriter, r *http.Request, us *uiSession) {
	s.renderSSO(w, r, us, s.adminPage(w, r, us, "Single sign-on", "sso"), http.StatusOK, nil)
}

func (s *Server) uiSaveSSO(w http.ResponseWriter, r *http.Request, us *uiSession) {
	f := r.PostForm
	typed := &ssoForm{
		Name: f.Get("name"), IssuerURL: f.Get("issuer_url"), ClientID: f.Get("client_id"),
		Scopes: f.Get("scopes"), GroupsClaim: f.Get("groups_claim"), Mappings: f.Get("mappings"),
		LocalPasswords: f.Get("local_passwords"), BreakGlassUser: f.Get("break_glass_user"),
		Configured: f.Get("configured") == "true", SecretSet: f.Get("secret_set") == "true",
	}
	in := service.SSOInput{
		Name: strings.TrimSpace(typed.Name), IssuerURL: strings.TrimSpace(typed.IssuerURL), ClientID: strings.TrimSpace(typed.ClientID),
		Scopes: strings.Fields(strings.ReplaceAll(typed.Scopes, ",", " ")), GroupsClaim: strings.TrimSpace(typed.GroupsClaim),
		LocalPasswords: typed.LocalPasswords, BreakGlassUser: strings.TrimSpace(typed.BreakGlassUser),
		Mappings: []tokenmint.SSOMapping{},
	}
	// An empty secret field keeps the stored secret: it is never shown,
	// so the form cannot send it back.
	if sec := f.Get("client_secret"); sec != "" {
		in.ClientSecret = &sec
	}
	pg := s.adminPage(w, r, us, "Single sign-on", "sso")
	for _, line := range strings.Split(typed.Mappings, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		m, err := tokenmint.ParseSSOMapping(line)
		if err != nil {
			pg.Fields["mappings"] = sentence(tokenmint.ErrorMessage(err))
			break
		}
		in.Mappings = append(in.Mappings, m)
	}
	if len(pg.Fields) > 0 {
		pg.Error = "Please correct the fields marked below."
		s.renderSSO(w, r, us, pg, http.StatusBadRequest, typed)
		return
	}
	if _, err := s.svc.PutSSOProvider(r.Context(), in); err != nil {
		status := s.formError(r, pg, err,
			fieldRule{"mappings", []string{"mapping", "role", "project"}},
			fieldRule{"break_glass_user", []string{"break_glass_user", "break-glass"}},
			fieldRule{"issuer_url", []string{"issuer_url"}},
			fieldRule{"client_id", []string{"client_id"}},
			fieldRule{"scopes", []string{"scope"}},
			fieldRule{"groups_claim", []string{"groups_claim"}},
			fieldRule{"name", []string{"name"}},
		)
		s.renderSSO(w, r, us, pg, status, typed)
		return
	}
	redirectWith(w, r, "/ui/admin/sso", "Single sign-on saved. The sign-in page offers it now.")
}

func (s *Server) uiDeleteSSO(w http.ResponseWriter, r *http.Request, us *uiSession) {
	if err := s.svc.DeleteSSOProvider(r.Context()); err != nil {
		s.uiError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/admin/sso", "Single sign-on removed. Local passwords work again.")
}
