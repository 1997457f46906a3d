package http

import (
	"net/http"
	"strconv"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

// policyField is one number of the tenant policy form.
type policyField struct {
	Name, Label, Hint, Value string
}

// policyFields lists the policy's settings in form order, with the values
// of pol, or what was typed when form is not nil.
func policyFields(pol tokenmint.Policy, form map[string]string) []policyField {
	fs := []policyField{
		{"max_lifetime_days", "Maximum token lifetime (days)", "0: no cap. When set, tokens without expiry are refused and every type's maximum is capped.", strconv.Itoa(pol.MaxLifetimeDays)},
		{"inactivity_deactivate_days", "Deactivate after days unused", "0: never.", strconv.Itoa(pol.InactivityDeactivateDays)},
		{"inactivity_delete_days", "Delete after days unused", "0: never.", strconv.Itoa(pol.InactivityDeleteDays)},
		{"expiry_notice_days", "Expiry notice (days before)", "Owners are told this many days before a token expires.", strconv.Itoa(pol.ExpiryNoticeDays)},
		{"access_token_ttl", "OAuth access token lifetime (seconds)", "60 to 86400.", strconv.Itoa(pol.AccessTokenTTL)},
		{"refresh_token_ttl", "OAuth refresh token lifetime (seconds)", "300 to 31536000.", strconv.Itoa(pol.RefreshTokenTTL)},
		{"login_failures_per_minute", "Failed logins allowed per minute", "Per user and per client IP, for sign-in and the OAuth2 password grant; 1 to 1000.", strconv.Itoa(pol.LoginFailuresPerMinute)},
		{"max_tokens_per_owner", "Live tokens per owner", "Most tokens one user or application may hold that are not revoked, expired or used up; 0: no limit.", strconv.Itoa(pol.MaxTokensPerOwner)},
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
}

func (s *Server) renderPolicy(w http.ResponseWriter, r *http.Request, us *uiSession, pg *page, status int, form map[string]string) {
	pol, err := s.svc.GetPolicy(r.Context())
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	d := policyData{Fields: policyFields(pol, form)}
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
		"inactivity_delete_days": &in.InactivityDeleteDays, "expiry_notice_days": &in.ExpiryNoticeDays,
		"access_token_ttl": &in.AccessTokenTTL, "refresh_token_ttl": &in.RefreshTokenTTL,
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
		)
		s.renderPolicy(w, r, us, pg, status, form)
		return
	}
	redirectWith(w, r, "/ui/admin/policy", "Policy saved. It applies to tokens created, extended or rotated from now on.")
}
