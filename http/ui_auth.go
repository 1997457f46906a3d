package http

import (
	"net/http"
	"time"

	"tokenmint/secret"
	"tokenmint/service"
)

// loginCSRFCookie protects the login form before any session exists: the
// form's hidden field must equal this cookie (double submit), so another
// site cannot sign a browser in to an account of its choosing.
const loginCSRFCookie = "tm_login_csrf"

type loginData struct {
	Username string
	Tenant   string
	Next     string
	// SSO is the tenant's "Sign in with …" button (nil: none).
	SSO *service.SSOButton
}

func (s *Server) uiLoginPage(w http.ResponseWriter, r *http.Request) {
	uiHeaders(w)
	// Someone already signed in goes where they were heading.
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if _, _, err := s.svc.SessionPrincipal(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
	}
	s.renderLogin(w, r, http.StatusOK, loginData{Tenant: r.URL.Query().Get("tenant"), Next: safeNext(r.URL.Query().Get("next"))}, "")
}

// renderLogin shows the login form with a fresh login CSRF value.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData, errMsg string) {
	token := secret.Opaque(24)
	http.SetCookie(w, &http.Cookie{
		Name: loginCSRFCookie, Value: token, Path: "/ui/login", MaxAge: int((time.Hour).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure,
	})
	if d.SSO == nil {
		tenant := d.Tenant
		if tenant == "" {
			tenant = r.URL.Query().Get("tenant")
		}
		// A database that does not answer only hides the button; the
		// error below says what matters.
		d.SSO, _ = s.svc.SSOButtonFor(r.Context(), tenant)
	}
	pg := s.newPage(w, r, nil, "Sign in")
	pg.CSRF = token
	pg.Error = errMsg
	pg.Data = d
	s.render(w, r, status, "login", pg)
}

func (s *Server) uiLogin(w http.ResponseWriter, r *http.Request) {
	uiHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, loginData{}, "The form could not be read.")
		return
	}
	d := loginData{Username: r.PostForm.Get("username"), Tenant: r.PostForm.Get("tenant"), Next: safeNext(r.PostForm.Get("next"))}
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !validCSRF(r.PostForm.Get(csrfField), c.Value) {
		s.renderLogin(w, r, http.StatusForbidden, d, "This form has expired. Please sign in again.")
		return
	}
	password := r.PostForm.Get("password")
	if d.Username == "" || password == "" {
		s.renderLogin(w, r, http.StatusBadRequest, d, "Enter your username and password.")
		return
	}
	res, err := s.svc.Login(r.Context(), d.Tenant, d.Username, password)
	if err != nil {
		status, msg := s.uiStatus(r, err)
		s.renderLogin(w, r, status, d, msg)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Path: "/ui/login", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure})
	http.SetCookie(w, s.sessionCookie(res.Cookie, res.Session.ExpiresAt))
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *Server) uiLogout(w http.ResponseWriter, r *http.Request, us *uiSession) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.svc.Logout(r.Context(), c.Value); err != nil {
			s.uiError(w, r, us, err)
			return
		}
	}
	http.SetCookie(w, s.sessionCookie("", time.Time{}))
	redirectWith(w, r, "/ui/login", "You have signed out.")
}
