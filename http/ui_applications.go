package http

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

// appForm is what the admin typed into an application form.
type appForm struct {
	Name, Description string
	AccessTypes       map[string]bool
	Enabled           bool
	// DefaultCIDRs is the "Default allowed networks" field as typed.
	DefaultCIDRs string
}

type appsData struct {
	Apps        []*tokenmint.Application
	AccessTypes []string
	Form        appForm
}

var appRules = []fieldRule{
	{"default_allowed_cidrs", []string{"allowed_cidrs", "networks"}},
	{"description", []string{"description"}},
	{"access_types", []string{"access type"}},
	{"name", []string{"name"}},
}

func (s *Server) renderApps(w http.ResponseWriter, r *http.Request, us *uiSession, pg *page, status int, form appForm) {
	apps, err := s.allApplications(r.Context())
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	pg.Data = appsData{Apps: apps, AccessTypes: tokenmint.AccessTypes, Form: form}
	s.render(w, r, status, "admin_apps", pg)
}

func (s *Server) uiApps(w http.ResponseWriter, r *http.Request, us *uiSession) {
	form := appForm{AccessTypes: map[string]bool{tokenmint.AccessReadOnly: true}}
	s.renderApps(w, r, us, s.adminPage(w, r, us, "Applications", "applications"), http.StatusOK, form)
}

func (s *Server) uiCreateApp(w http.ResponseWriter, r *http.Request, us *uiSession) {
	ats, set := formList(r, "access_types")
	form := appForm{Name: strings.TrimSpace(r.PostForm.Get("name")), Description: r.PostForm.Get("description"), AccessTypes: set,
		DefaultCIDRs: r.PostForm.Get("default_allowed_cidrs")}
	a, err := s.svc.CreateApplication(r.Context(), service.ApplicationInput{Name: form.Name, Description: form.Description, AccessTypes: ats,
		DefaultAllowedCIDRs: tokenmint.SplitCIDRText(form.DefaultCIDRs)})
	if err != nil {
		pg := s.adminPage(w, r, us, "Applications", "applications")
		status := s.formError(r, pg, err, appRules...)
		s.renderApps(w, r, us, pg, status, form)
		return
	}
	redirectWith(w, r, "/ui/admin/applications/"+url.PathEscape(a.ID), "Application "+a.Name+" created. Give it a client credential to let it sign in.")
}

type appPageData struct {
	App         *tokenmint.Application
	Credentials []*tokenmint.ClientCredential
	Tokens      []tokenRow
	AccessTypes []string
	Form        appForm
	TokenForm   appTokenForm
	// RateLimit is the limit the application's tokens share.
	RateLimit ownerRateLimitForm
}

// renderAppPage shows an application; form and tokenForm, when not nil,
// are what was typed into its forms.
func (s *Server) renderAppPage(w http.ResponseWriter, r *http.Request, us *uiSession, pg *page, status int, form *appForm, tokenForm *appTokenForm) {
	ctx := r.Context()
	a, err := s.svc.GetApplication(ctx, r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	creds, err := s.allCredentials(ctx, a.ID)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	if form == nil {
		form = &appForm{Name: a.Name, Description: a.Description, AccessTypes: map[string]bool{}, Enabled: a.Enabled,
			DefaultCIDRs: strings.Join(a.DefaultAllowedCIDRs.Strings(), "\n")}
		for _, at := range a.AccessTypes {
			form.AccessTypes[at] = true
		}
	}
	tokens, err := s.appTokenRows(r, a)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	tf, err := s.newAppTokenForm(r)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	if tokenForm != nil {
		tf.Name, tf.ExpiresOn, tf.NoExpiry, tf.AllowedCIDRs = tokenForm.Name, tokenForm.ExpiresOn, tokenForm.NoExpiry, tokenForm.AllowedCIDRs
	}
	rl, err := s.ownerRateLimitForm(r, tokenmint.OwnerApplication, a.ID)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	pg.Title = "Application " + a.Name
	pg.Data = appPageData{App: a, Credentials: creds, Tokens: tokens, AccessTypes: tokenmint.AccessTypes, Form: *form, TokenForm: tf, RateLimit: rl}
	s.render(w, r, status, "admin_app", pg)
}

func (s *Server) uiAppPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	s.renderAppPage(w, r, us, s.adminPage(w, r, us, "Application", "applications"), http.StatusOK, nil, nil)
}

func (s *Server) uiUpdateApp(w http.ResponseWriter, r *http.Request, us *uiSession) {
	ats, set := formList(r, "access_types")
	f := r.PostForm
	form := appForm{Name: strings.TrimSpace(f.Get("name")), Description: f.Get("description"), AccessTypes: set, Enabled: f.Get("enabled") != "",
		DefaultCIDRs: f.Get("default_allowed_cidrs")}
	upd := service.ApplicationUpdate{Name: &form.Name, Description: &form.Description, AccessTypes: &ats, Enabled: &form.Enabled}
	if f.Has("default_allowed_cidrs") {
		cidrs := tokenmint.SplitCIDRText(form.DefaultCIDRs)
		if cidrs == nil {
			cidrs = []string{}
		}
		upd.DefaultAllowedCIDRs = &cidrs
	}
	a, err := s.svc.UpdateApplication(r.Context(), r.PathValue("id"), upd)
	if err != nil {
		pg := s.adminPage(w, r, us, "Application", "applications")
		status := s.formError(r, pg, err, appRules...)
		s.renderAppPage(w, r, us, pg, status, &form, nil)
		return
	}
	redirectWith(w, r, "/ui/admin/applications/"+url.PathEscape(a.ID), "Application "+a.Name+" saved.")
}

func (s *Server) uiCreateCredential(w http.ResponseWriter, r *http.Request, us *uiSession) {
	c, err := s.svc.CreateClientCredential(r.Context(), r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	s.renderSecretOnce(w, r, us, "applications", secretOnceData{
		Heading: "New client credential",
		Secrets: []shownSecret{
			{ID: "client-id", Label: "Client ID", Value: c.Credential.ClientID},
			{ID: "client-secret", Label: "Client secret", Value: c.ClientSecret},
			{ID: "client-credential", Label: "Single credential (for Authorization: Basic)", Value: c.Encoded},
		},
		CloseURL: "/ui/admin/applications/" + url.PathEscape(c.Credential.ApplicationID),
	})
}

func (s *Server) uiRevokeCredentialPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	// Asked about a credential that is not one of this application's (or
	// not of this tenant), the page is "not found", like the POST.
	creds, err := s.allCredentials(r.Context(), r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	if !slices.ContainsFunc(creds, func(c *tokenmint.ClientCredential) bool { return c.ID == r.PathValue("cred") }) {
		s.uiError(w, r, us, tokenmint.Errorf(tokenmint.ENOTFOUND, "client credential not found"))
		return
	}
	p := "/ui/admin/applications/" + url.PathEscape(r.PathValue("id"))
	s.renderConfirm(w, r, us, "applications", confirmData{
		Heading: "Revoke client credential?", Text: "Clients using it can no longer get tokens with it. The application's other credentials keep working. This cannot be undone.",
		Action: p + "/credentials/" + url.PathEscape(r.PathValue("cred")) + "/revoke", Button: "Revoke credential", CancelURL: p,
	})
}

func (s *Server) uiRevokeCredential(w http.ResponseWriter, r *http.Request, us *uiSession) {
	id := r.PathValue("id")
	if err := s.svc.RevokeClientCredential(r.Context(), id, r.PathValue("cred")); err != nil {
		s.uiError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/admin/applications/"+url.PathEscape(id), "Client credential revoked.")
}

func (s *Server) uiDeleteAppPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	a, err := s.svc.GetApplication(r.Context(), r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	p := "/ui/admin/applications/" + url.PathEscape(a.ID)
	s.renderConfirm(w, r, us, "applications", confirmData{
		Heading: "Delete application " + a.Name + "?", Text: "Its client credentials and tokens stop working. This cannot be undone.",
		Action: p + "/delete", Button: "Delete application", CancelURL: p,
	})
}

func (s *Server) uiDeleteApp(w http.ResponseWriter, r *http.Request, us *uiSession) {
	if err := s.svc.DeleteApplication(r.Context(), r.PathValue("id")); err != nil {
		s.uiError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/admin/applications", "Application deleted.")
}
