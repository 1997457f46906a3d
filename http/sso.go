package http

import (
	"errors"
	"net/http"
	"time"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/sso"
)

// ssoJSON is a provider as the API shows it: never its client secret,
// only whether one is set.
type ssoJSON struct {
	Name            string                 `json:"name"`
	IssuerURL       string                 `json:"issuer_url"`
	ClientID        string                 `json:"client_id"`
	ClientSecretSet bool                   `json:"client_secret_set"`
	Scopes          []string               `json:"scopes"`
	GroupsClaim     string                 `json:"groups_claim"`
	Mappings        []tokenmint.SSOMapping `json:"mappings"`
	LocalPasswords  string                 `json:"local_passwords"`
	BreakGlassUser  string                 `json:"break_glass_user"`
	RedirectURI     string                 `json:"redirect_uri"`
	CreatedAt       time.Time              `json:"created_at"`
	UpdatedAt       time.Time              `json:"updated_at"`
}

func (s *Server) ssoView(r *http.Request, p *tokenmint.SSOProvider) ssoJSON {
	return ssoJSON{
		Name: p.Name, IssuerURL: p.IssuerURL, ClientID: p.ClientID, ClientSecretSet: len(p.SealedClientSecret) > 0,
		Scopes: p.Scopes, GroupsClaim: p.GroupsClaim, Mappings: p.Mappings, LocalPasswords: p.LocalPasswords(),
		BreakGlassUser: p.BreakGlassUser, RedirectURI: s.ssoRedirectURI(r), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

type ssoRequest struct {
	Name           string                 `json:"name"`
	IssuerURL      string                 `json:"issuer_url"`
	ClientID       string                 `json:"client_id"`
	ClientSecret   *string                `json:"client_secret"`
	Scopes         []string               `json:"scopes"`
	GroupsClaim    string                 `json:"groups_claim"`
	Mappings       []tokenmint.SSOMapping `json:"mappings"`
	LocalPasswords string                 `json:"local_passwords"`
	BreakGlassUser string                 `json:"break_glass_user"`
}

func (s *Server) handleGetSSO(w http.ResponseWriter, r *http.Request) {
	p, err := s.svc.GetSSOProvider(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.ssoView(r, p))
}

func (s *Server) handlePutSSO(w http.ResponseWriter, r *http.Request) {
	var in ssoRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.svc.PutSSOProvider(r.Context(), service.SSOInput(in))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.ssoView(r, p))
}

func (s *Server) handleDeleteSSO(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DeleteSSOProvider(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ssoRedirectURI is this server's callback as the browser reaches it: the
// address to register at the identity provider. The provider only sends
// codes to registered addresses, so a forged Host header gains nothing.
func (s *Server) ssoRedirectURI(r *http.Request) string {
	scheme := "http"
	if s.secure || r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/ui/sso/callback"
}

// uiSSOStart sends the browser to the tenant's identity provider; when
// that cannot be done (no provider, provider down) the sign-in page says
// why, and the local form stays usable.
func (s *Server) uiSSOStart(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := loginData{Tenant: q.Get("tenant"), Next: safeNext(q.Get("next"))}
	st, err := s.svc.StartSSO(r.Context(), d.Tenant, s.ssoRedirectURI(r), d.Next)
	if err != nil {
		status, msg := s.ssoStatus(r, err)
		s.renderLogin(w, r, status, d, msg)
		return
	}
	// The state also goes into a cookie of this browser: the callback
	// must come back to the browser that started the sign-in, so nobody
	// can sign a victim in to the attacker's account by sending them the
	// attacker's callback link (login CSRF). SameSite=Lax, because the
	// callback is a navigation from the provider's site.
	http.SetCookie(w, &http.Cookie{
		Name: ssoStateCookie, Value: st.State, Path: "/ui/sso/", MaxAge: int(service.SSOLoginTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure,
	})
	http.Redirect(w, r, st.AuthURL, http.StatusFound)
}

// ssoStateCookie holds the state of the sign-in this browser started.
const ssoStateCookie = "tm_sso_state"

// uiSSOCallback finishes the sign-in the identity provider sent back.
func (s *Server) uiSSOCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	http.SetCookie(w, &http.Cookie{Name: ssoStateCookie, Path: "/ui/sso/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure})
	c, err := r.Cookie(ssoStateCookie)
	if err != nil || !validCSRF(q.Get("state"), c.Value) {
		s.renderLogin(w, r, http.StatusUnauthorized, loginData{}, "This sign-in was not started in this browser, or took too long. Start again with the button below.")
		return
	}
	res, err := s.svc.FinishSSO(r.Context(), q.Get("state"), q.Get("code"), q.Get("error"))
	if err != nil {
		status, msg := s.ssoStatus(r, err)
		s.renderLogin(w, r, status, loginData{}, msg)
		return
	}
	http.SetCookie(w, s.sessionCookie(res.Cookie, res.Session.ExpiresAt))
	http.Redirect(w, r, safeNext(res.Next), http.StatusSeeOther)
}

// ssoStatus is uiStatus, except that an identity provider that does not
// answer is named as such (not as the database).
func (s *Server) ssoStatus(r *http.Request, err error) (int, string) {
	var down *sso.UnavailableError
	if errors.As(err, &down) {
		return http.StatusServiceUnavailable, sentence(tokenmint.ErrorMessage(err))
	}
	return s.uiStatus(r, err)
}
