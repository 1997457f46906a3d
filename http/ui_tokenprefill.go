package http

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tokenmint"
)

// The Create Token page opens prefilled in two ways, and creates nothing
// until the person presses Save (it is a GET):
//
//   - /ui/tokens/new?like=ID ("Create a token like this"): the form holds
//     what service.LikeToken copies of the token ID, and the adjustments
//     today's rules made are listed above it.
//   - /ui/tokens/new?type=&name=&project=&days=&description=&allowed_cidrs=: a link a tool
//     hands to people. Each value is checked like the form's own; a bad one
//     is left out and its field says why, the good ones are kept.

// prefillNotice heads the form when some values of a link were left out.
const prefillNotice = "Some values of the link could not be used; the marked fields say why. Nothing has been created."

// prefilledTokenForm is the content of GET /ui/tokens/new.
func (s *Server) prefilledTokenForm(r *http.Request, pg *page) (*newTokenData, error) {
	q := r.URL.Query()
	if like := q.Get("like"); like != "" {
		return s.likeTokenForm(r, pg, like)
	}
	ctx := r.Context()
	d, err := s.newTokenData(ctx, newTokenForm{Type: q.Get("type")})
	if err != nil {
		return nil, err
	}
	s.defaultExpiry(d)
	if typ := q.Get("type"); typ != "" && (d.Selected == nil || d.Selected.Name != typ) {
		pg.Fields["type"] = s.typeRefusal(d, typ)
	}
	if q.Has("name") {
		if err := tokenmint.ValidateTokenName(q.Get("name")); err != nil {
			pg.Fields["name"] = sentence(tokenmint.ErrorMessage(err))
		} else {
			d.Form.Name = q.Get("name")
		}
	}
	if q.Has("description") {
		if err := tokenmint.ValidateTokenDescription(q.Get("description")); err != nil {
			pg.Fields["description"] = sentence(tokenmint.ErrorMessage(err))
		} else {
			d.Form.Description = q.Get("description")
		}
	}
	if p := q.Get("project"); p != "" {
		if id, msg := usableProject(d, p); msg != "" {
			pg.Fields["project"] = msg
		} else {
			d.Form.Project = id
		}
	}
	if q.Has("allowed_cidrs") {
		if l, err := tokenmint.ParseCIDRList(tokenmint.SplitCIDRText(q.Get("allowed_cidrs"))); err != nil {
			pg.Fields["allowed_cidrs"] = sentence(tokenmint.ErrorMessage(err))
		} else {
			d.Form.AllowedCIDRs = strings.Join(l.Strings(), "\n")
		}
	}
	if q.Has("days") {
		if on, msg := s.prefillDays(d, q.Get("days")); msg != "" {
			pg.Fields["expires_on"] = msg
		} else {
			d.Form.ExpiresOn, d.Form.NoExpiry = on, false
		}
	}
	if len(pg.Fields) > 0 {
		pg.Error = prefillNotice
	}
	return d, nil
}

// defaultExpiry sets the form's expiry to the selected type's default.
func (s *Server) defaultExpiry(d *newTokenData) {
	if d.Selected != nil {
		d.Form.ExpiresOn = d.Selected.DefaultDate
		d.Form.NoExpiry = d.Selected.NoExpiryDefault
	}
}

// typeRefusal says why typ is not offered.
func (s *Server) typeRefusal(d *newTokenData, typ string) string {
	for _, o := range d.Types {
		if o.Name == typ && o.Obsolete {
			return fmt.Sprintf("Type %s is obsolete; use %s.", o.Name, o.ReplacedBy)
		}
	}
	return fmt.Sprintf("You may not create tokens of type %q (or it does not exist); choose one of the types listed.", typ)
}

// usableProject finds the project key (ID or name, names without regard
// to case) among the projects the person may use for the selected type.
func usableProject(d *newTokenData, key string) (id, msg string) {
	refusal := fmt.Sprintf("Project %q is not one you may create this token for.", key)
	for _, p := range d.Projects {
		if p.ID != key && !strings.EqualFold(p.Name, key) {
			continue
		}
		if d.Selected != nil && d.Selected.ProjectRequired && d.Selected.Projects != nil && !contains(d.Selected.Projects, p.ID) {
			return "", refusal
		}
		return p.ID, ""
	}
	return "", refusal
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// prefillDays turns a days= value into the form's date, within the
// selected type's latest date.
func (s *Server) prefillDays(d *newTokenData, v string) (string, string) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > tokenmint.MaxDaysToLive {
		return "", fmt.Sprintf("Days must be a whole number from 1 to %d.", tokenmint.MaxDaysToLive)
	}
	on := s.today().AddDate(0, 0, n).Format(uiDate)
	if d.Selected != nil && d.Selected.MaxDate != "" && on > d.Selected.MaxDate {
		max, _ := time.Parse(uiDate, d.Selected.MaxDate)
		return "", fmt.Sprintf("%d days is beyond the limit: a %s token may live at most %d days now.", n, d.Selected.Name, int(max.Sub(s.today())/tokenmint.Day))
	}
	return on, ""
}

// likeTokenForm fills the form from the token id through the service's
// builder, the one place that decides what a copy keeps.
func (s *Server) likeTokenForm(r *http.Request, pg *page, id string) (*newTokenData, error) {
	ctx := r.Context()
	rc, err := s.svc.LikeToken(ctx, id)
	if err == nil && rc.Source.OwnerKind != tokenmint.OwnerUser {
		err = tokenmint.Errorf(tokenmint.EINVALID, "an application's token is recreated on its application's page or with POST /api/v1/tokens/{id}/recreate")
	}
	if err != nil {
		status, msg := s.uiStatus(r, err)
		if status >= http.StatusInternalServerError {
			return nil, err
		}
		// The token cannot be copied (not found, its project deleted, its
		// type gone): the empty form opens with the reason.
		pg.Error = "Cannot create a token like this one: " + msg
		d, derr := s.newTokenData(ctx, newTokenForm{})
		if derr == nil {
			s.defaultExpiry(d)
		}
		return d, derr
	}
	in := rc.Input
	form := newTokenForm{Type: in.Type, Name: in.Name, Description: in.Description, Project: in.Project,
		AllowedCIDRs: strings.Join(in.AllowedCIDRs, "\n")}
	if !in.RateLimit.IsZero() {
		form.RateRequests, form.RateSeconds = strconv.Itoa(in.RateLimit.Requests), strconv.Itoa(in.RateLimit.PerSeconds)
	}
	d, err := s.newTokenData(ctx, form)
	if err != nil {
		return nil, err
	}
	d.LikeName = rc.Source.Name
	for _, a := range rc.Adjustments {
		d.Adjustments = append(d.Adjustments, a.Message)
	}
	if d.Selected == nil || d.Selected.Name != in.Type {
		pg.Fields["type"] = fmt.Sprintf("You may no longer create tokens of type %s; choose another type.", in.Type)
		s.defaultExpiry(d)
		return d, nil
	}
	d.Form.ExpiresOn, d.Form.NoExpiry = s.likeExpiryDate(in.Expiry), in.Expiry.NoExpiry
	if d.Form.ExpiresOn == "" && !d.Form.NoExpiry {
		s.defaultExpiry(d)
	}
	return d, nil
}

// likeExpiryDate is the form's date for an expiry the builder chose.
func (s *Server) likeExpiryDate(e tokenmint.ExpiryRequest) string {
	switch {
	case e.DaysToLive != nil:
		return s.today().AddDate(0, 0, *e.DaysToLive).Format(uiDate)
	case e.ExpiresAt != nil:
		// A date D means D whole days from now: the last whole day before
		// the time keeps the copy within it.
		days := max(int(e.ExpiresAt.Sub(s.svc.Now())/tokenmint.Day), 1)
		return s.today().AddDate(0, 0, days).Format(uiDate)
	}
	return ""
}

// typePermissions lists the permissions of the type called name, nil for
// a type no longer defined.
func (s *Server) typePermissions(name string) []tokenmint.Permission {
	if t, ok := s.svc.Types().Lookup(name); ok {
		return t.Permissions
	}
	return nil
}
