package http

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"tokenmint"
)

// The web UI is server-rendered: html/template pages and a small stylesheet
// and script, all embedded in the binary, so serving it needs no front-end
// build step and makes no request to another host.

//go:embed templates/*.html
var uiTemplateFS embed.FS

//go:embed static
var uiStaticFS embed.FS

// uiPages holds one template set per page: the layout plus the page.
var uiPages = parseUIPages()

func parseUIPages() map[string]*template.Template {
	names, err := fs.Glob(uiTemplateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	// layout.html and the partials (files starting with "_") are parsed
	// into every page's set.
	shared := []string{"templates/layout.html"}
	for _, n := range names {
		if strings.HasPrefix(n, "templates/_") {
			shared = append(shared, n)
		}
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		files := append(append([]string{}, shared...), n)
		pages[base] = template.Must(template.New(base).Funcs(uiFuncs).ParseFS(uiTemplateFS, files...))
	}
	return pages
}

// uiRoutes registers the web UI under /ui/ (and / as a way in).
func (s *Server) uiRoutes(m *http.ServeMux) {
	static, err := fs.Sub(uiStaticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/ui/static/", http.FileServerFS(static))
	m.Handle("GET /ui/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Files only: a directory is not listed.
		if fi, err := fs.Stat(static, strings.TrimPrefix(r.URL.Path, "/ui/static/")); err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		// The assets change only with the binary: an hour of caching, and
		// never sniffed as anything but their type.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
	})
	m.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/tokens", http.StatusSeeOther)
	})
	m.HandleFunc("GET /ui/login", s.uiLoginPage)
	m.HandleFunc("POST /ui/login", s.uiLogin)
	m.HandleFunc("GET /ui/sso/start", s.uiSSOStart)
	m.HandleFunc("GET /ui/sso/callback", s.uiSSOCallback)
	m.HandleFunc("POST /ui/logout", s.uiAuthed(s.uiLogout))

	m.HandleFunc("GET /ui/tokens", s.uiAuthed(s.uiTokenList))
	m.HandleFunc("GET /ui/cli-code", s.uiAuthed(s.uiCLICodePage))
	m.HandleFunc("POST /ui/cli-code", s.uiAuthed(s.uiCLICode))
	m.HandleFunc("GET /ui/tokens/new", s.uiAuthed(s.uiNewTokenPage))
	m.HandleFunc("POST /ui/tokens/new", s.uiAuthed(s.uiCreateToken))
	m.HandleFunc("GET /ui/tokens/{id}", s.uiAuthed(s.uiTokenPage))
	m.HandleFunc("POST /ui/tokens/{id}/extend", s.uiAuthed(s.uiExtendToken))
	m.HandleFunc("POST /ui/tokens/{id}/active", s.uiAuthed(s.uiSetTokenActive))
	m.HandleFunc("POST /ui/tokens/{id}/networks", s.uiAuthed(s.uiTokenNetworks))
	m.HandleFunc("POST /ui/tokens/{id}/rotate", s.uiAuthed(s.uiRotateToken))
	m.HandleFunc("GET /ui/tokens/{id}/revoke", s.uiAuthed(s.uiRevokeTokenPage))
	m.HandleFunc("POST /ui/tokens/{id}/revoke", s.uiAuthed(s.uiRevokeToken))
	m.HandleFunc("POST /ui/tokens/{id}/block", s.uiAuthed(s.uiBlockIP))
	m.HandleFunc("POST /ui/tokens/{id}/unblock", s.uiAuthed(s.uiUnblockIP))

	m.HandleFunc("GET /ui/admin/{$}", s.uiAdmin(func(w http.ResponseWriter, r *http.Request, _ *uiSession) {
		http.Redirect(w, r, "/ui/admin/tokens", http.StatusSeeOther)
	}))
	m.HandleFunc("GET /ui/admin/tokens", s.uiAdmin(s.uiAdminTokens))
	m.HandleFunc("POST /ui/admin/tokens/{id}/active", s.uiAdmin(s.uiAdminSetTokenActive))
	m.HandleFunc("GET /ui/admin/users", s.uiAdmin(s.uiUsers))
	m.HandleFunc("POST /ui/admin/users", s.uiAdmin(s.uiCreateUser))
	m.HandleFunc("GET /ui/admin/users/{id}", s.uiAdmin(s.uiUserPage))
	m.HandleFunc("POST /ui/admin/users/{id}", s.uiAdmin(s.uiUpdateUser))
	m.HandleFunc("POST /ui/admin/users/{id}/enabled", s.uiAdmin(s.uiSetUserEnabled))
	m.HandleFunc("POST /ui/admin/users/{id}/rate-limit", s.uiAdmin(s.uiSetOwnerRateLimit(tokenmint.OwnerUser)))
	m.HandleFunc("GET /ui/admin/projects", s.uiAdmin(s.uiProjects))
	m.HandleFunc("POST /ui/admin/projects", s.uiAdmin(s.uiCreateProject))
	m.HandleFunc("GET /ui/admin/projects/{id}", s.uiAdmin(s.uiProjectPage))
	m.HandleFunc("POST /ui/admin/projects/{id}/edit", s.uiAdmin(s.uiEditProject))
	m.HandleFunc("POST /ui/admin/projects/{id}/members", s.uiAdmin(s.uiPutMember))
	m.HandleFunc("POST /ui/admin/projects/{id}/members/{user}/remove", s.uiAdmin(s.uiRemoveMember))
	m.HandleFunc("GET /ui/admin/projects/{id}/delete", s.uiAdmin(s.uiDeleteProjectPage))
	m.HandleFunc("POST /ui/admin/projects/{id}/delete", s.uiAdmin(s.uiDeleteProject))
	m.HandleFunc("GET /ui/admin/applications", s.uiAdmin(s.uiApps))
	m.HandleFunc("POST /ui/admin/applications", s.uiAdmin(s.uiCreateApp))
	m.HandleFunc("GET /ui/admin/applications/{id}", s.uiAdmin(s.uiAppPage))
	m.HandleFunc("POST /ui/admin/applications/{id}", s.uiAdmin(s.uiUpdateApp))
	m.HandleFunc("POST /ui/admin/applications/{id}/credentials", s.uiAdmin(s.uiCreateCredential))
	m.HandleFunc("POST /ui/admin/applications/{id}/tokens", s.uiAdmin(s.uiCreateAppToken))
	m.HandleFunc("POST /ui/admin/applications/{id}/rate-limit", s.uiAdmin(s.uiSetOwnerRateLimit(tokenmint.OwnerApplication)))
	m.HandleFunc("GET /ui/admin/applications/{id}/credentials/{cred}/revoke", s.uiAdmin(s.uiRevokeCredentialPage))
	m.HandleFunc("POST /ui/admin/applications/{id}/credentials/{cred}/revoke", s.uiAdmin(s.uiRevokeCredential))
	m.HandleFunc("GET /ui/admin/applications/{id}/delete", s.uiAdmin(s.uiDeleteAppPage))
	m.HandleFunc("POST /ui/admin/applications/{id}/delete", s.uiAdmin(s.uiDeleteApp))
	m.HandleFunc("GET /ui/admin/policy", s.uiAdmin(s.uiPolicy))
	m.HandleFunc("POST /ui/admin/policy", s.uiAdmin(s.uiSavePolicy))
	m.HandleFunc("GET /ui/admin/sso", s.uiAdmin(s.uiSSO))
	m.HandleFunc("POST /ui/admin/sso", s.uiAdmin(s.uiSaveSSO))
	m.HandleFunc("POST /ui/admin/sso/delete", s.uiAdmin(s.uiDeleteSSO))
	m.HandleFunc("GET /ui/admin/webhooks", s.uiAdmin(s.uiWebhooks))
	m.HandleFunc("POST /ui/admin/webhooks", s.uiAdmin(s.uiCreateWebhook))
	m.HandleFunc("GET /ui/admin/webhooks/{id}", s.uiAdmin(s.uiWebhookPage))
	m.HandleFunc("POST /ui/admin/webhooks/{id}/enabled", s.uiAdmin(s.uiSetWebhookEnabled))
	m.HandleFunc("GET /ui/admin/webhooks/{id}/delete", s.uiAdmin(s.uiDeleteWebhookPage))
	m.HandleFunc("POST /ui/admin/webhooks/{id}/delete", s.uiAdmin(s.uiDeleteWebhook))
	m.HandleFunc("GET /ui/admin/deliveries", s.uiAdmin(s.uiDeliveries))
	m.HandleFunc("GET /ui/admin/audit", s.uiAdmin(s.uiAudit))

	m.HandleFunc("/ui/", s.uiAuthed(func(w http.ResponseWriter, r *http.Request, us *uiSession) {
		s.uiError(w, r, us, tokenmint.Errorf(tokenmint.ENOTFOUND, "there is no such page"))
	}))
}

// uiSession is the signed-in caller of a page.
type uiSession struct {
	p    *tokenmint.Principal
	csrf string
}

// uiHandler is a page handler that runs for a signed-in user.
type uiHandler func(w http.ResponseWriter, r *http.Request, us *uiSession)

// maxFormBytes bounds every form body of the UI.
const maxFormBytes = 64 << 10

// csrfField is the hidden form field that carries the session's CSRF token.
const csrfField = "csrf_token"

// errNotAdmin is shown when someone else opens an administration page.
var errNotAdmin = tokenmint.Errorf(tokenmint.EFORBIDDEN, "administration is for administrators only")

var errUICSRF = tokenmint.Errorf(tokenmint.EFORBIDDEN, "this form has expired or did not come from this site; reload the page and try again")

// uiAuthed runs h for the user of the session cookie, and sends anyone
// else to the login page. Forms must carry the session's CSRF token; the
// UI never accepts a token in Authorization, so a page is only ever used
// through a browser session.
func (s *Server) uiAuthed(h uiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		uiHeaders(w)
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" {
			s.uiToLogin(w, r)
			return
		}
		p, sess, err := s.svc.SessionPrincipal(r.Context(), c.Value)
		if tokenmint.ErrorCode(err) == tokenmint.EUNAUTHORIZED {
			s.uiToLogin(w, r)
			return
		} else if err != nil {
			s.uiError(w, r, nil, err)
			return
		}
		us := &uiSession{p: p, csrf: sess.CSRFToken}
		if !safeMethod(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				s.uiError(w, r, us, tokenmint.Errorf(tokenmint.EINVALID, "the form could not be read"))
				return
			}
			if !validCSRF(r.PostForm.Get(csrfField), sess.CSRFToken) {
				s.uiError(w, r, us, errUICSRF)
				return
			}
		}
		h(w, r.WithContext(tokenmint.NewContextWithPrincipal(r.Context(), p)), us)
	}
}

// uiAdmin is uiAuthed for administration pages: anyone but an
// administrator gets 403, whatever links the pages show.
func (s *Server) uiAdmin(h uiHandler) http.HandlerFunc {
	return s.uiAuthed(func(w http.ResponseWriter, r *http.Request, us *uiSession) {
		if !us.p.IsAdmin() {
			s.uiError(w, r, us, errNotAdmin)
			return
		}
		h(w, r, us)
	})
}

// isUIPath reports whether path is the web UI's (or the root, which leads
// to it): every answer there, error pages and 404s included, carries
// uiHeaders.
func isUIPath(path string) bool {
	return path == "/" || path == "/ui" || strings.HasPrefix(path, "/ui/")
}

// uiHeaders keeps pages from being framed, cached or sent anything but
// this server's own scripts and styles.
func uiHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// uiToLogin sends the browser to the login page, to come back after.
func (s *Server) uiToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/ui/login"
	if r.Method == http.MethodGet && r.URL.Path != "/ui/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext accepts only a path of this UI as the page to return to after
// login, so the login form cannot be used to send people elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "/ui/login") ||
		strings.Contains(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/ui/tokens"
	}
	return next
}
