package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// graceOption is a choice of how long a rotated token's old secret works.
type graceOption struct {
	Seconds int
	Label   string
}

var graceOptions = []graceOption{
	{0, "Stop the old secret now"},
	{3600, "Keep the old secret for 1 hour"},
	{86400, "Keep the old secret for 1 day"},
	{7 * 86400, "Keep the old secret for 7 days"},
}

// tokenPageData is the content of a token's details page.
type tokenPageData struct {
	Row tokenRow
	// Owned is true for the caller's own token.
	Owned bool
	// SeesPrivate is true when the caller may see the description and
	// usage: its owner, or an administrator for an application's token,
	// but never an administrator for another user's (Fortify's rule).
	SeesPrivate bool
	Description string
	Changeable  bool // active or inactive: may be extended and (de)activated
	Active      bool
	Extend      extendForm
	Graces      []graceOption
	BackURL     string
	Usage       usageData
	// Permissions are the token's type's, so an expired or revoked token
	// still shows what it could do; Recreatable offers "Create a token
	// like this" to its owner (ui_tokenprefill.go).
	Permissions []tokenmint.Permission
	Recreatable bool
	// RateLimit is the token's limit in force in words, with its source,
	// and OwnerRateLimit its owner's ("" for none).
	RateLimit, OwnerRateLimit string
}

// extendForm is the date picker of the Extend form, bounded by the limits
// of the token's own type and the tenant's policy.
type extendForm struct {
	Min, Max, Value string
	NoExpiryAllowed bool
	// Limits says in words where Max comes from.
	Limits string
}

// tokenPage loads what the details page shows.
func (s *Server) tokenPage(r *http.Request, us *uiSession, id string) (*tokenPageData, error) {
	ctx := r.Context()
	tok, err := s.svc.GetToken(ctx, id)
	if err != nil {
		return nil, err
	}
	projects, _, err := s.projectNames(ctx)
	if err != nil {
		return nil, err
	}
	owned := service.IsOwner(us.p, tok)
	owners := map[string]string{us.p.User.ID: us.p.User.Username}
	backURL := "/ui/admin/tokens"
	switch {
	case !owned && tok.OwnerKind == tokenmint.OwnerUser:
		if u, err := s.svc.GetUser(ctx, tok.OwnerID); err == nil {
			owners[u.ID] = u.Username
		}
	case tok.OwnerKind == tokenmint.OwnerApplication:
		if a, err := s.svc.GetApplication(ctx, tok.OwnerID); err == nil {
			owners[a.ID] = "application " + a.Name
			backURL = "/ui/admin/applications/" + url.PathEscape(a.ID)
		}
	}
	row := s.tokenRow(tok, projects, owners)
	d := &tokenPageData{
		Row: row, Owned: owned, SeesPrivate: service.SeesPrivate(us.p, tok), Changeable: row.Status == tokenmint.StatusActive || row.Status == tokenmint.StatusInactive,
		Active: row.Status == tokenmint.StatusActive, Graces: graceOptions, BackURL: "/ui/tokens",
	}
	if d.SeesPrivate {
		d.Description = tok.Description
	}
	d.Permissions, d.Recreatable = s.typePermissions(tok.Type), owned && tok.OwnerKind == tokenmint.OwnerUser
	if !owned {
		d.BackURL = backURL
	}
	if d.Changeable {
		if d.Extend, err = s.extendForm(ctx, tok); err != nil {
			return nil, err
		}
	}
	if err := s.loadUsage(r, d); err != nil {
		return nil, err
	}
	if err := s.loadRateLimits(r, d, tok); err != nil {
		return nil, err
	}
	return d, nil
}

// extendForm bounds the Extend form by the limits of the token's own type
// and the tenant's policy, the ones its extension obeys, rather than by the
// types the viewer may create: an administrator looking at an application's
// token could create none of its type.
func (s *Server) extendForm(ctx context.Context, tok *tokenmint.Token) (extendForm, error) {
	f := extendForm{Min: s.today().AddDate(0, 0, 1).Format(uiDate)}
	lim, err := s.svc.TokenExpiryLimits(ctx, tok.ID)
	if err != nil {
		return f, err
	}
	f.NoExpiryAllowed = lim.NoExpiryAllowed
	if lim.MaxExpiresAt != nil {
		f.Max = lim.MaxExpiresAt.UTC().Format(uiDate)
		f.Value = f.Max
	} else if tok.ExpiresAt != nil {
		f.Value = tok.ExpiresAt.UTC().Format(uiDate)
	}
	f.Limits = expiryLimitsText(tok.Type, lim, f.Max)
	return f, nil
}

// expiryLimitsText says in words what bounds a token's new expiry date.
func expiryLimitsText(typeName string, lim service.ExpiryLimits, maxDate string) string {
	typeRule := "type " + typeName + " sets no maximum"
	switch {
	case lim.Type == nil:
		typeRule = "type " + typeName + " is no longer configured"
	case lim.Type.MaxDaysToLive > 0:
		typeRule = "type " + typeName + " allows " + strconv.Itoa(lim.Type.MaxDaysToLive) + " days"
	}
	tenantRule := "the tenant sets no maximum"
	if lim.TenantMaxDays > 0 {
		tenantRule = "the tenant allows " + strconv.Itoa(lim.TenantMaxDays) + " days"
	}
	if maxDate == "" {
		return "No latest date: " + typeRule + " and " + tenantRule + "."
	}
	return "At most " + maxDate + " (from today): " + typeRule + "; " + tenantRule + "."
}

func (s *Server) uiTokenPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	d, err := s.tokenPage(r, us, r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	pg := s.newPage(w, r, us, "Token "+d.Row.Name)
	pg.Nav = navOf(d.Owned)
	pg.Data = d
	s.render(w, r, http.StatusOK, "token", pg)
}

func navOf(owned bool) string {
	if owned {
		return "tokens"
	}
	return "admin"
}

// tokenFormError shows the details page again with err next to field.
func (s *Server) tokenFormError(w http.ResponseWriter, r *http.Request, us *uiSession, err error, rules ...fieldRule) {
	d, derr := s.tokenPage(r, us, r.PathValue("id"))
	if derr != nil {
		s.uiError(w, r, us, derr)
		return
	}
	pg := s.newPage(w, r, us, "Token "+d.Row.Name)
	pg.Nav = navOf(d.Owned)
	status := s.formError(r, pg, err, rules...)
	if v := r.PostForm.Get("expires_on"); v != "" {
		d.Extend.Value = v
	}
	if pg.Fields["ip"] != "" {
		d.Usage.BlockIP = r.PostForm.Get("ip")
	}
	pg.Data = d
	s.render(w, r, status, "token", pg)
}

func (s *Server) uiExtendToken(w http.ResponseWriter, r *http.Request, us *uiSession) {
	expiry, err := s.formExpiry(r.PostForm)
	if err == nil && !expiry.NoExpiry && expiry.DaysToLive == nil {
		err = tokenmint.Errorf(tokenmint.EINVALID, "choose the new expiry date")
	}
	var tok *tokenmint.Token
	if err == nil {
		tok, err = s.svc.UpdateToken(r.Context(), r.PathValue("id"), service.UpdateTokenInput{Expiry: &expiry})
	}
	if err != nil {
		s.tokenFormError(w, r, us, err, fieldRule{"expires_on", []string{""}})
		return
	}
	msg := "The token no longer expires."
	if tok.ExpiresAt != nil {
		msg = "The token now expires on " + tok.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC") + "."
	}
	redirectWith(w, r, "/ui/tokens/"+tok.ID, msg)
}

// formActive reads the "active" field of the (de)activate buttons.
func formActive(r *http.Request) (bool, error) {
	v, err := strconv.ParseBool(r.PostForm.Get("active"))
	if err != nil {
		return false, tokenmint.Errorf(tokenmint.EINVALID, "active must be true or false")
	}
	return v, nil
}

func (s *Server) setActive(r *http.Request) (*tokenmint.Token, string, error) {
	active, err := formActive(r)
	if err != nil {
		return nil, "", err
	}
	tok, err := s.svc.UpdateToken(r.Context(), r.PathValue("id"), service.UpdateTokenInput{Active: &active})
	if err != nil {
		return nil, "", err
	}
	if active {
		return tok, "Token " + tok.Name + " activated.", nil
	}
	return tok, "Token " + tok.Name + " deactivated: it is refused until activated again.", nil
}

func (s *Server) uiSetTokenActive(w http.ResponseWriter, r *http.Request, us *uiSession) {
	tok, msg, err := s.setActive(r)
	if err != nil {
		s.tokenFormError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/tokens/"+tok.ID, msg)
}

func (s *Server) uiRotateToken(w http.ResponseWriter, r *http.Request, us *uiSession) {
	grace, err := strconv.Atoi(r.PostForm.Get("grace_seconds"))
	if err != nil {
		s.tokenFormError(w, r, us, tokenmint.Errorf(tokenmint.EINVALID, "choose how long the old secret keeps working"), fieldRule{"grace_seconds", []string{""}})
		return
	}
	issued, err := s.svc.RotateToken(r.Context(), r.PathValue("id"), service.RotateTokenInput{Grace: graceFromSeconds(grace)})
	if err != nil {
		s.tokenFormError(w, r, us, err, fieldRule{"grace_seconds", []string{"grace"}})
		return
	}
	projects, _, _ := s.projectNames(r.Context())
	var until *time.Time
	if grace > 0 {
		t := s.svc.Now().Add(graceFromSeconds(grace))
		until = &t
	}
	pg := s.newPage(w, r, us, "New secret")
	pg.Nav = "tokens"
	pg.Data = secretData{
		Heading: "New secret for " + issued.Token.Name,
		Row:     s.tokenRow(issued.Token, projects, map[string]string{us.p.User.ID: us.p.User.Username}),
		Plain:   issued.Plain, Encoded: issued.Encoded, OldValidUntil: until, CloseURL: "/ui/tokens/" + issued.Token.ID,
	}
	s.render(w, r, http.StatusOK, "token_secret", pg)
}

func (s *Server) uiRevokeTokenPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	d, err := s.tokenPage(r, us, r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	pg := s.newPage(w, r, us, "Revoke "+d.Row.Name)
	pg.Nav = navOf(d.Owned)
	pg.Data = d
	s.render(w, r, http.StatusOK, "token_revoke", pg)
}

func (s *Server) uiRevokeToken(w http.ResponseWriter, r *http.Request, us *uiSession) {
	id := r.PathValue("id")
	if err := s.svc.RevokeToken(r.Context(), id); err != nil {
		s.tokenFormError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/tokens/"+id, "Token revoked. It is refused from now on and cannot be activated again.")
}
