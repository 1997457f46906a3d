package http

import (
	"net/http"
	"net/url"

	"tokenmint"
	"tokenmint/service"
)

// appTokenForm is the New token form of an application's page.
type appTokenForm struct {
	Name, ExpiresOn string
	// AllowedCIDRs is the token's "Allowed networks" field as typed
	// (empty: the application's default).
	AllowedCIDRs string
	NoExpiry     bool
	// Max is the latest expiry date of the ApplicationToken type now ("":
	// no limit); NoExpiryAllowed folds the type and the tenant policy.
	Max, Min        string
	NoExpiryAllowed bool
}

// newAppTokenForm fills the New token form's limits from the application
// token type's rules and the tenant policy.
func (s *Server) newAppTokenForm(r *http.Request) (appTokenForm, error) {
	f := appTokenForm{Min: s.today().AddDate(0, 0, 1).Format(uiDate)}
	typ, ok := s.svc.Types().Lookup(service.DefaultApplicationTokenType)
	if !ok {
		return f, nil
	}
	pol, err := s.svc.GetPolicy(r.Context())
	if err != nil {
		return f, err
	}
	now := s.svc.Now()
	if latest := tokenmint.MaxExpiry(now, typ, pol); latest != nil {
		f.Max = latest.UTC().Format(uiDate)
		f.ExpiresOn = f.Max
	} else {
		f.ExpiresOn = s.today().AddDate(0, 0, max(typ.DefaultDaysToLive, 1)).Format(uiDate)
	}
	f.NoExpiryAllowed = typ.AllowNoExpiry && pol.MaxLifetimeDays == 0
	return f, nil
}

// appTokenRows lists an application's tokens for its page.
func (s *Server) appTokenRows(r *http.Request, a *tokenmint.Application) ([]tokenRow, error) {
	toks, err := service.AllPages(func(in service.PageInput) ([]*tokenmint.Token, string, error) {
		return s.svc.ListApplicationTokens(r.Context(), a.ID, in)
	})
	if err != nil {
		return nil, err
	}
	rows := make([]tokenRow, 0, len(toks))
	for _, t := range toks {
		rows = append(rows, s.tokenRow(t, nil, map[string]string{a.ID: a.Name}))
	}
	return rows, nil
}

var appTokenRules = []fieldRule{
	{"token_allowed_cidrs", []string{"allowed_cidrs", "networks"}},
	expiryRules,
	{"token_name", []string{"name"}},
}

// uiCreateAppToken issues a token of the application and shows it once.
func (s *Server) uiCreateAppToken(w http.ResponseWriter, r *http.Request, us *uiSession) {
	f := r.PostForm
	expiry, err := s.formExpiry(f)
	var issued *service.IssuedToken
	if err == nil {
		issued, err = s.svc.CreateApplicationToken(r.Context(), r.PathValue("id"), service.CreateTokenInput{
			Name: f.Get("token_name"), Expiry: expiry, AllowedCIDRs: tokenmint.SplitCIDRText(f.Get("token_allowed_cidrs")),
		})
	}
	if err != nil {
		pg := s.adminPage(w, r, us, "Application", "applications")
		status := s.formError(r, pg, err, appTokenRules...)
		s.renderAppPage(w, r, us, pg, status, nil, &appTokenForm{Name: f.Get("token_name"), ExpiresOn: f.Get("expires_on"), NoExpiry: f.Get("no_expiry") != "",
			AllowedCIDRs: f.Get("token_allowed_cidrs")})
		return
	}
	a, err := s.svc.GetApplication(r.Context(), r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	pg := s.adminPage(w, r, us, "Application token created", "applications")
	pg.Data = secretData{
		Heading: "Token created for " + a.Name, Row: s.tokenRow(issued.Token, nil, map[string]string{a.ID: a.Name}),
		Plain: issued.Plain, Encoded: issued.Encoded, CloseURL: "/ui/admin/applications/" + url.PathEscape(a.ID),
	}
	s.render(w, r, http.StatusCreated, "token_secret", pg)
}
