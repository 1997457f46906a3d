package http

import (
	"net/http"
	"strings"
)

// CLICodePrefix starts every command-line code, so the CLI can tell a
// pasted code from something else.
const CLICodePrefix = "tmcli_"

// CLICode is the text form of a command-line session: the session cookie
// and its CSRF token. ParseCLICode reads it back.
func CLICode(cookie, csrf string) string { return CLICodePrefix + cookie + "." + csrf }

// ParseCLICode splits a command-line code into its session cookie and
// CSRF token.
func ParseCLICode(code string) (cookie, csrf string, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(code), CLICodePrefix)
	if !found {
		return "", "", false
	}
	cookie, csrf, ok = strings.Cut(rest, ".")
	return cookie, csrf, ok && cookie != "" && csrf != ""
}

type cliCodeData struct {
	Code    string
	Minutes int
}

// uiCLICodePage explains the command-line code and offers to make one.
func (s *Server) uiCLICodePage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	pg := s.newPage(w, r, us, "Command-line sign-in")
	pg.Nav = "tokens"
	pg.Data = cliCodeData{Minutes: 5}
	s.render(w, r, http.StatusOK, "cli_code", pg)
}

// uiCLICode shows a fresh code once. It is a POST, with the session's CSRF
// token, so no other site can make the browser create one.
func (s *Server) uiCLICode(w http.ResponseWriter, r *http.Request, us *uiSession) {
	res, err := s.svc.CLICode(r.Context())
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	pg := s.newPage(w, r, us, "Command-line sign-in")
	pg.Nav = "tokens"
	pg.Data = cliCodeData{Code: CLICode(res.Cookie, res.Session.CSRFToken), Minutes: 5}
	s.render(w, r, http.StatusOK, "cli_code", pg)
}
