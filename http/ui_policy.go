package http

import (
	"net/http"
	"strconv"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

// policyField is one setting of the tenant policy form: a number, or a
// list of numbers typed comma-separated when List is set.
type policyField struct {
	Name, Label, Hint, Value string
	List                     bool
}

// policyFields lists the policy's settings in form order, with the values
// of pol, or what was typed when form is not nil.
func policyFields(pol tokenmint.Policy, form map[string]string) []policyField {
	fs := []policyField{
		{"max_lifetime_days", "Maximum token lifetime (days)", "0: no cap. When set, tokens without expiry are refused and every type's maximum is capped.", strconv.Itoa(pol.MaxLifetimeDays), false},
		{"inactivity_deactivate_days", "Deactivate after days unused", "0: never.", strconv.Itoa(pol.InactivityDeactivateDays), false},
		{"inactivity_delete_days", "Delete after days unused", "0: never.", strconv.Itoa(pol.InactivityDeleteDays), false},
		{Name: "expiry_notice_days", Label: "Expiry notices (days before)", Hint: "Comma-separated, e.g. 30, 7, 1: owners are told once at each of these many days before a token expires (at most 10, each 1 to 365). Empty: only at expiry.", Value: noticeDaysText(pol.ExpiryNoticeDays), List: true},
		{"access_token_ttl", "OAuth access token lifetime (seconds)", "60 to 86400.", strconv.Itoa(pol.AccessTokenTTL), false},
		{"refresh_token_ttl", "OAuth refresh token lifetime (seconds)", "300 to 31536000.", strconv.Itoa(pol.RefreshTokenTTL), false},
		{"login_failures_per_minute", "Failed logins allowed per minute", "Per user and per client IP, for sign-in and the OAuth2 password grant; 1 to 1000.", strconv.Itoa(pol.LoginFailuresPerMinute), false},
		{"max_tokens_per_owner", "Live tokens per owner", "Most tokens one user or application may hold that are not revoked, expired or used up; 0: no limit.", strconv.Itoa(pol.MaxTokensPerOwner), false},
	}
	for i := range fs {
		if v, ok := form[fs[i].Name]; ok {
			fs[i].Value = v
		}
	}
	return fs
}

type policyData struct {
	Fields  []policyField
	Updated string
	// Digest and DigestWeekday are the weekly digest's settings as saved
	// or as typed; Weekdays are the choices of the day.
	Digest        bool
	DigestWeekday string
	Weekdays      []string
}

// noticeDaysText writes a list of notice days as the form shows it.
func noticeDaysText(d tokenmint.NoticeDays) string {
	parts := make([]string, len(d))
	for i, n := range d {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// parseNoticeDays reads what was typed into the notice days field: whole
// numbers separated by commas or spaces; nothing means no advance notice.
func parseNoticeDays(v string) (tokenmint.NoticeDays, bool) {
	d := tokenmint.NoticeDays{}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		d = append(d, n)
	}
	return d, true
}

func (s *Server) renderPolicy(w http.ResponseWriter, r *http.Request, us *uiSession, pg *page, status int, form map[string]string) {
	pol, err := s.svc.GetPolicy(r.Context())
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	d := policyData{Fields: policyFields(pol, form), Digest: pol.ExpiryDigest, DigestWeekday: pol.ExpiryDigestWeekday, Weekdays: tokenmint.Weekdays}
	if form != nil {
		d.Digest, d.DigestWeekday = form["expiry_digest"] != "", form["expiry_digest_weekday"]
	}
	if !pol.UpdatedAt.IsZero() {
		d.Updated = fmtTime(pol.UpdatedAt)
	}
	pg.Data = d
	s.render(w, r, status, "admin_policy", pg)
}

func (s *Server) uiPolicy(w http.ResponseWriter, r *http.Request, us *uiSession) {
	s.renderPolicy(w, r, us, s.adminPage(w, r, us, "Policy", "policy"), http.StatusOK, nil)
}

func (s *Server) uiSavePolicy(w http.ResponseWriter, r *http.Request, us *uiSession) {
	form := map[string]string{}
	var in service.PolicyInput
	targets := map[string]**int{
		"max_lifetime_days": &in.MaxLifetimeDays, "inactivity_deactivate_days": &in.InactivityDeactivateDays,
		"inactivity_delete_days": &in.InactivityDeleteDays,
		"access_token_ttl":       &in.AccessTokenTTL, "refresh_token_ttl": &in.RefreshTokenTTL,
		"login_failures_per_minute": &in.LoginFailuresPerMinute,
		"max_tokens_per_owner":      &in.MaxTokensPerOwner,
	}
	pg := s.adminPage(w, r, us, "Policy", "policy")
	for name, dst := range targets {
		if _, sent := r.PostForm[name]; !sent && name == "max_tokens_per_owner" {
			continue // a form from before the quota keeps it
		}
		v := strings.TrimSpace(r.PostForm.Get(name))
		form[name] = v
		n, err := strconv.Atoi(v)
		if err != nil {
			pg.Fields[name] = "Enter a whole number."
			continue
		}
		*dst = &n
	}
	if _, sent := r.PostForm["expiry_notice_days"]; sent {
		v := strings.TrimSpace(r.PostForm.Get("expiry_notice_days"))
		form["expiry_notice_days"] = v
		if d, ok := parseNoticeDays(v); ok {
			in.ExpiryNoticeDays = &d
		} else {
			pg.Fields["expiry_notice_days"] = "Enter whole numbers of days separated by commas, e.g. 30, 7, 1."
		}
	}
	// The digest's fields come together; a form from before the digest
	// sends neither and keeps them.
	if _, sent := r.PostForm["expiry_digest_weekday"]; sent {
		on := r.PostForm.Get("expiry_digest") != ""
		day := r.PostForm.Get("expiry_digest_weekday")
		in.ExpiryDigest, in.ExpiryDigestWeekday = &on, &day
		form["expiry_digest_weekday"] = day
		if on {
			form["expiry_digest"] = "on"
		}
	}
	if len(pg.Fields) > 0 {
		pg.Error = "Please correct the fields marked below."
		s.renderPolicy(w, r, us, pg, http.StatusBadRequest, form)
		return
	}
	if _, err := s.svc.PutPolicy(r.Context(), in); err != nil {
		status := s.formError(r, pg, err,
			fieldRule{"inactivity_deactivate_days", []string{"inactivity_deactivate_days"}},
			fieldRule{"inactivity_delete_days", []string{"inactivity days"}},
			fieldRule{"max_lifetime_days", []string{"max_lifetime_days"}},
			fieldRule{"expiry_notice_days", []string{"expiry_notice_days"}},
			fieldRule{"access_token_ttl", []string{"access_token_ttl"}},
			fieldRule{"refresh_token_ttl", []string{"refresh_token_ttl"}},
			fieldRule{"login_failures_per_minute", []string{"login_failures_per_minute"}},
			fieldRule{"max_tokens_per_owner", []string{"max_tokens_per_owner"}},
			fieldRule{"expiry_digest_weekday", []string{"expiry_digest_weekday"}},
		)
		s.renderPolicy(w, r, us, pg, status, form)
		return
	}
	redirectWith(w, r, "/ui/admin/policy", "Policy saved. It applies to tokens created, extended or rotated from now on.")
}
