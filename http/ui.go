package http

import (
	"bytes"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"tokenmint"
	"tokenmint/service"
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
	m.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
	})
	m.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/tokens", http.StatusSeeOther)
	})
	m.HandleFunc("GET /ui/login", s.uiLoginPage)
	m.HandleFunc("POST /ui/login", s.uiLogin)
	m.HandleFunc("POST /ui/logout", s.uiAuthed(s.uiLogout))

	m.HandleFunc("GET /ui/tokens", s.uiAuthed(s.uiTokenList))
	m.HandleFunc("GET /ui/tokens/new", s.uiAuthed(s.uiNewTokenPage))
	m.HandleFunc("POST /ui/tokens/new", s.uiAuthed(s.uiCreateToken))
	m.HandleFunc("GET /ui/tokens/{id}", s.uiAuthed(s.uiTokenPage))
	m.HandleFunc("POST /ui/tokens/{id}/extend", s.uiAuthed(s.uiExtendToken))
	m.HandleFunc("POST /ui/tokens/{id}/active", s.uiAuthed(s.uiSetTokenActive))
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
	m.HandleFunc("GET /ui/admin/projects", s.uiAdmin(s.uiProjects))
	m.HandleFunc("POST /ui/admin/projects", s.uiAdmin(s.uiCreateProject))
	m.HandleFunc("GET /ui/admin/projects/{id}", s.uiAdmin(s.uiProjectPage))
	m.HandleFunc("POST /ui/admin/projects/{id}/members", s.uiAdmin(s.uiPutMember))
	m.HandleFunc("POST /ui/admin/projects/{id}/members/{user}/remove", s.uiAdmin(s.uiRemoveMember))
	m.HandleFunc("GET /ui/admin/projects/{id}/delete", s.uiAdmin(s.uiDeleteProjectPage))
	m.HandleFunc("POST /ui/admin/projects/{id}/delete", s.uiAdmin(s.uiDeleteProject))
	m.HandleFunc("GET /ui/admin/applications", s.uiAdmin(s.uiApps))
	m.HandleFunc("POST /ui/admin/applications", s.uiAdmin(s.uiCreateApp))
	m.HandleFunc("GET /ui/admin/applications/{id}", s.uiAdmin(s.uiAppPage))
	m.HandleFunc("POST /ui/admin/applications/{id}", s.uiAdmin(s.uiUpdateApp))
	m.HandleFunc("POST /ui/admin/applications/{id}/credentials", s.uiAdmin(s.uiCreateCredential))
	m.HandleFunc("GET /ui/admin/applications/{id}/credentials/{cred}/revoke", s.uiAdmin(s.uiRevokeCredentialPage))
	m.HandleFunc("POST /ui/admin/applications/{id}/credentials/{cred}/revoke", s.uiAdmin(s.uiRevokeCredential))
	m.HandleFunc("GET /ui/admin/applications/{id}/delete", s.uiAdmin(s.uiDeleteAppPage))
	m.HandleFunc("POST /ui/admin/applications/{id}/delete", s.uiAdmin(s.uiDeleteApp))
	m.HandleFunc("GET /ui/admin/policy", s.uiAdmin(s.uiPolicy))
	m.HandleFunc("POST /ui/admin/policy", s.uiAdmin(s.uiSavePolicy))
	m.HandleFunc("GET /ui/admin/webhooks", s.uiAdmin(s.uiWebhooks))
	m.HandleFunc("POST /ui/admin/webhooks", s.uiAdmin(s.uiCreateWebhook))
	m.HandleFunc("GET /ui/admin/webhooks/{id}", s.uiAdmin(s.uiWebhookPage))
	m.HandleFunc("POST /ui/admin/webhooks/{id}/enabled", s.uiAdmin(s.uiSetWebhookEnabled))
	m.HandleFunc("GET /ui/admin/webhooks/{id}/delete", s.uiAdmin(s.uiDeleteWebhookPage))
	m.HandleFunc("POST /ui/admin/webhooks/{id}/delete", s.uiAdmin(s.uiDeleteWebhook))
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

// page is what every template receives.
type page struct {
	Title  string
	Nav    string // "tokens" or "admin": the highlighted main section
	Sub    string // the highlighted administration section
	User   *tokenmint.User
	Admin  bool
	CSRF   string
	Flash  string
	Error  string            // a form-level error
	Fields map[string]string // form field name → its error
	Data   any
}

// adminSection is one entry of the administration menu.
type adminSection struct{ Key, Path, Label string }

// AdminSections lists the administration pages for the menu.
func (p *page) AdminSections() []adminSection {
	return []adminSection{
		{"tokens", "/ui/admin/tokens", "All tokens"},
		{"users", "/ui/admin/users", "Users"},
		{"projects", "/ui/admin/projects", "Projects"},
		{"applications", "/ui/admin/applications", "Applications"},
		{"policy", "/ui/admin/policy", "Policy"},
		{"webhooks", "/ui/admin/webhooks", "Webhooks"},
		{"audit", "/ui/admin/audit", "Audit log"},
	}
}

func (s *Server) newPage(w http.ResponseWriter, r *http.Request, us *uiSession, title string) *page {
	pg := &page{Title: title, Fields: map[string]string{}}
	if us != nil {
		pg.User, pg.Admin, pg.CSRF = us.p.User, us.p.IsAdmin(), us.csrf
	}
	if r.Method == http.MethodGet {
		pg.Flash = takeFlash(w, r)
	}
	return pg
}

// render writes a page. It renders into a buffer first so a template
// failure becomes a clean error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, pg *page) {
	t, ok := uiPages[name]
	if !ok {
		s.log.Error("ui: no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		s.log.Error("ui: rendering failed", "page", name, "path", r.URL.Path, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("internal error"))
		return
	}
	uiHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// uiStatus maps an error to its status and a message safe to show, the way
// writeError does for the API.
func (s *Server) uiStatus(r *http.Request, err error) (int, string) {
	var rl *service.RateLimitError
	if errors.As(err, &rl) {
		return http.StatusTooManyRequests, "Too many attempts. Wait a minute and try again."
	}
	code := tokenmint.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	switch status {
	case http.StatusInternalServerError:
		s.log.Error("ui request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		return status, "Something went wrong on the server. Try again; if it keeps happening, tell your administrator."
	case http.StatusServiceUnavailable:
		s.log.Warn("ui: dependency unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		return status, "The server cannot reach its database right now. Try again in a moment."
	}
	s.log.Debug("ui request refused", "method", r.Method, "path", r.URL.Path, "code", code)
	return status, sentence(tokenmint.ErrorMessage(err))
}

// sentence capitalises a service message for display.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// uiErrorData is the content of the error page.
type uiErrorData struct {
	Status  int
	Heading string
	Message string
}

// uiError shows an error page with the status of err.
func (s *Server) uiError(w http.ResponseWriter, r *http.Request, us *uiSession, err error) {
	status, msg := s.uiStatus(r, err)
	pg := s.newPage(w, r, us, http.StatusText(status))
	pg.Data = uiErrorData{Status: status, Heading: http.StatusText(status), Message: msg}
	s.render(w, r, status, "error", pg)
}

// fieldRule routes a service error to the form field it concerns: the
// first rule one of whose words occurs in the message wins.
type fieldRule struct {
	field string
	words []string
}

// formError puts err next to its field on pg, or at the top of the form
// when no rule matches, and returns the status to answer with.
func (s *Server) formError(r *http.Request, pg *page, err error, rules ...fieldRule) int {
	status, msg := s.uiStatus(r, err)
	lower := strings.ToLower(tokenmint.ErrorMessage(err))
	if status != http.StatusInternalServerError && status != http.StatusServiceUnavailable && status != http.StatusTooManyRequests {
		for _, rule := range rules {
			for _, word := range rule.words {
				if strings.Contains(lower, word) {
					pg.Fields[rule.field] = msg
					pg.Error = "Please correct the field marked below."
					return status
				}
			}
		}
	}
	pg.Error = msg
	return status
}

// flashCookie carries a one-line confirmation to the page after a redirect.
const flashCookie = "tm_flash"

func setFlash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)), Path: "/ui/",
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/ui/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > 300 {
		return ""
	}
	return string(b)
}

// redirectWith answers a successful form with a redirect and a flash.
func redirectWith(w http.ResponseWriter, r *http.Request, path, flash string) {
	if flash != "" {
		setFlash(w, flash)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// fmtTime shows a time the way every page does: UTC, to the minute.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// fieldErr is one form field's error message.
type fieldErr struct{ Name, Err string }

// uiFuncs are the helpers templates may call.
var uiFuncs = template.FuncMap{
	"when": fmtTime,
	"whenp": func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"field":   func(fields map[string]string, name string) string { return fields[name] },
	// fe is the argument of the "fielderror" template.
	"fe": func(fields map[string]string, name string) fieldErr { return fieldErr{Name: name, Err: fields[name]} },
	// invalid marks a form control whose value was refused and points it
	// at its error message, for screen readers.
	"invalid": func(fields map[string]string, name string) template.HTMLAttr {
		if fields[name] == "" {
			return ""
		}
		return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + template.HTMLEscapeString(name) + `-error"`)
	},
	"join": strings.Join,
	// short abbreviates long IDs in tables; the full value goes in a title.
	"short": func(s string) string {
		if r := []rune(s); len(r) > 24 {
			return string(r[:20]) + "…"
		}
		return s
	},
}
