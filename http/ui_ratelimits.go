package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

// rateLimitRule routes a rate limit refusal to the form's rate limit
// fields.
var rateLimitRule = fieldRule{"rate_limit", []string{"rate_limit", "rate limit"}}

// formRateLimit reads the optional "requests per seconds" pair of a form:
// both empty is no limit; one alone, or a value out of range, is refused
// before anything is changed.
func formRateLimit(f url.Values) (tokenmint.RateLimit, error) {
	reqText, perText := strings.TrimSpace(f.Get("rate_requests")), strings.TrimSpace(f.Get("rate_seconds"))
	if reqText == "" && perText == "" {
		return tokenmint.RateLimit{}, nil
	}
	req, err1 := strconv.Atoi(reqText)
	per, err2 := strconv.Atoi(perText)
	if err1 != nil || err2 != nil {
		return tokenmint.RateLimit{}, tokenmint.Errorf(tokenmint.EINVALID, "rate limit: give both the number of requests and the seconds, as whole numbers, or neither")
	}
	l := tokenmint.RateLimit{Requests: req, PerSeconds: per}
	return l, l.Validate()
}

// rateLimitText shows a limit to a person ("" for none).
func rateLimitText(l *tokenmint.RateLimit) string {
	if l == nil || l.IsZero() {
		return ""
	}
	return strconv.Itoa(l.Requests) + " requests per " + strconv.Itoa(l.PerSeconds) + " s"
}

// uiSetOwnerRateLimit sets (both fields empty: removes) the rate limit a
// user's or an application's tokens share, from the admin pages.
func (s *Server) uiSetOwnerRateLimit(kind string) uiHandler {
	return func(w http.ResponseWriter, r *http.Request, us *uiSession) {
		l, err := formRateLimit(r.PostForm)
		if err == nil {
			err = s.svc.SetOwnerRateLimit(r.Context(), kind, r.PathValue("id"), l)
		}
		if err != nil {
			s.uiError(w, r, us, err)
			return
		}
		back := "/ui/admin/users/" + url.PathEscape(r.PathValue("id"))
		if kind == tokenmint.OwnerApplication {
			back = "/ui/admin/applications/" + url.PathEscape(r.PathValue("id"))
		}
		msg := "Rate limit removed."
		if !l.IsZero() {
			msg = "Rate limit set: " + rateLimitText(&l) + ", shared by all its tokens."
		}
		redirectWith(w, r, back, msg)
	}
}

// ownerRateLimitForm is the owner limit form's values on the admin pages.
type ownerRateLimitForm struct {
	Action            string // where the form posts: the owner's page's rate-limit path
	Requests, Seconds string
	Text              string // the limit in force, in words ("" for none)
}

func (s *Server) ownerRateLimitForm(r *http.Request, kind, id string) (ownerRateLimitForm, error) {
	f := ownerRateLimitForm{Action: "/ui/admin/users/" + url.PathEscape(id) + "/rate-limit"}
	if kind == tokenmint.OwnerApplication {
		f.Action = "/ui/admin/applications/" + url.PathEscape(id) + "/rate-limit"
	}
	l, err := s.svc.OwnerRateLimit(r.Context(), kind, id)
	if err != nil || l == nil {
		return f, err
	}
	f.Requests, f.Seconds, f.Text = strconv.Itoa(l.Requests), strconv.Itoa(l.PerSeconds), rateLimitText(l)
	return f, nil
}

// loadRateLimits puts the token's limits, in words, on its page.
func (s *Server) loadRateLimits(r *http.Request, d *tokenPageData, tok *tokenmint.Token) error {
	info, err := s.svc.TokenRateLimits(r.Context(), tok)
	if err != nil {
		return err
	}
	if info.Effective != nil {
		src := "its own"
		if info.Source == service.RateSourceType {
			src = "the default of type " + tok.Type
		}
		d.RateLimit = rateLimitText(info.Effective) + " (" + src + ")"
	}
	d.OwnerRateLimit = rateLimitText(info.Owner)
	return nil
}
