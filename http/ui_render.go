package http

// Rendering of the web UI's pages: what every template receives, error
// pages and field errors, one-line confirmations after a redirect, and the
// helpers templates may call.

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"tokenmint"
	"tokenmint/service"
)

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
		{"dashboard", "/ui/admin/dashboard", "Dashboard"},
		{"tokens", "/ui/admin/tokens", "All tokens"},
		{"token-requests", "/ui/admin/token-requests", "Token requests"},
		{"users", "/ui/admin/users", "Users"},
		{"projects", "/ui/admin/projects", "Projects"},
		{"applications", "/ui/admin/applications", "Applications"},
		{"policy", "/ui/admin/policy", "Policy"},
		{"sso", "/ui/admin/sso", "Single sign-on"},
		{"webhooks", "/ui/admin/webhooks", "Webhooks"},
		{"deliveries", "/ui/admin/deliveries", "Notifications"},
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
	status := tokenmint.HTTPStatus(code)
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

func setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	http.SetCookie(w, &http.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)), Path: "/ui/",
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secureCookies(r),
	})
}

// secureCookiesKey marks a UI request whose cookies must be Secure (the
// server's --secure-cookies, TLS or an https issuer).
type secureCookiesKey struct{}

func secureCookies(r *http.Request) bool {
	secure, _ := r.Context().Value(secureCookiesKey{}).(bool)
	return secure
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/ui/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secureCookies(r)})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > 300 {
		return ""
	}
	return string(b)
}

// redirectWith answers a successful form with a redirect and a flash.
func redirectWith(w http.ResponseWriter, r *http.Request, path, flash string) {
	if flash != "" {
		setFlash(w, r, flash)
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
