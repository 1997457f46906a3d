package http

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// tokenRow is a token as the tables and the details page show it.
type tokenRow struct {
	ID, Name, Type, Project, Owner, Status, Prefix string
	Created                                        time.Time
	Expires, LastUsed                              *time.Time
	Uses                                           int64
	MaxUses                                        int
	// Networks are the token's allowed networks (none: anywhere).
	Networks []string
}

func (s *Server) tokenRow(t *tokenmint.Token, projects, owners map[string]string) tokenRow {
	row := tokenRow{
		ID: t.ID, Name: t.Name, Type: t.Type, Status: t.Status(s.svc.Now()), Prefix: t.Prefix,
		Created: t.CreatedAt, Expires: t.ExpiresAt, LastUsed: t.LastUsedAt, Uses: t.Uses, MaxUses: t.MaxUses,
		Networks: t.AllowedCIDRs.Strings(),
	}
	if t.ProjectID != "" {
		row.Project = projects[t.ProjectID]
		if row.Project == "" {
			row.Project = "(deleted project)"
		}
	}
	row.Owner = owners[t.OwnerID]
	if row.Owner == "" {
		row.Owner = t.OwnerKind + " " + t.OwnerID
	}
	return row
}

// projectNames maps the IDs of the projects the caller may read to names;
// a caller who may read none gets none.
func (s *Server) projectNames(ctx context.Context) (map[string]string, []*tokenmint.Project, error) {
	ps, err := s.allProjects(ctx)
	if tokenmint.ErrorCode(err) == tokenmint.EFORBIDDEN {
		ps, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.ID] = p.Name
	}
	return m, ps, nil
}

// uiDate is the format of <input type=date> values; the UI's dates are UTC.
const uiDate = "2006-01-02"

// today is the start of the current UTC day on the service clock.
func (s *Server) today() time.Time {
	y, m, d := s.svc.Now().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var errExpiryDate = tokenmint.Errorf(tokenmint.EINVALID, "expiry date must be a date after today")

// formExpiry reads the expiry fields of a form: a "no expiration" box, or
// a date. A date D means "D days from now", the way the API's
// days_to_live counts, so the type's maximum date is always accepted.
func (s *Server) formExpiry(f url.Values) (tokenmint.ExpiryRequest, error) {
	if f.Get("no_expiry") != "" {
		return tokenmint.ExpiryRequest{NoExpiry: true}, nil
	}
	v := f.Get("expires_on")
	if v == "" {
		return tokenmint.ExpiryRequest{}, nil
	}
	d, err := time.Parse(uiDate, v)
	if err != nil {
		return tokenmint.ExpiryRequest{}, errExpiryDate
	}
	days := int(d.Sub(s.today()) / tokenmint.Day)
	if days < 1 {
		return tokenmint.ExpiryRequest{}, errExpiryDate
	}
	return tokenmint.ExpiryRequest{DaysToLive: &days}, nil
}

// expiryRules route expiry errors to the date field.
var expiryRules = fieldRule{"expires_on", []string{"expir", "days_to_live", "lifetime", "max_days"}}

// tokenListData is the content of the token tables.
type tokenListData struct {
	Rows     []tokenRow
	Status   string
	Type     string
	Owner    string
	Statuses []string
	Types    []string
	Owners   []string
	Next     string
	AllView  bool // the administrators' list of every token
	// The day filters, as typed ("" when off), and whether any filter is
	// set.
	ExpiringWithinDays, UnusedDays string
	NoExpiry                       bool
	// ExpiresOn is the expires_on filter (a dashboard cliff's day).
	ExpiresOn string
}

// Filtered reports whether any filter narrows the list.
func (d *tokenListData) Filtered() bool {
	return d.Status != "" || d.Type != "" || d.Owner != "" || d.ExpiringWithinDays != "" || d.UnusedDays != "" || d.NoExpiry || d.ExpiresOn != ""
}

// userTypeNames lists the names of user token types, for the filters.
func (s *Server) userTypeNames() []string {
	var out []string
	for _, t := range s.svc.Types().All() {
		if t.OwnerKind == tokenmint.OwnerUser {
			out = append(out, t.Name)
		}
	}
	return out
}

func (s *Server) uiTokenList(w http.ResponseWriter, r *http.Request, us *uiSession) {
	pg := s.newPage(w, r, us, "Token Management")
	pg.Nav = "tokens"
	s.renderTokenTable(w, r, pg, service.ListTokensInput{}, "tokens")
}

// renderTokenTable lists tokens with the filters of the query string.
func (s *Server) renderTokenTable(w http.ResponseWriter, r *http.Request, pg *page, in service.ListTokensInput, tmpl string) {
	q := r.URL.Query()
	in.Status, in.Type, in.Before = q.Get("status"), q.Get("type"), q.Get("cursor")
	d := &tokenListData{Status: in.Status, Type: in.Type, Statuses: tokenmint.Statuses, Types: s.userTypeNames(), AllView: in.All,
		ExpiringWithinDays: q.Get("expiring_within_days"), UnusedDays: q.Get("unused_days"), ExpiresOn: q.Get("expires_on")}
	pg.Data = d
	if err := tokenDayFilters(q, &in); err != nil {
		status := s.formError(r, pg, err)
		s.render(w, r, status, tmpl, pg)
		return
	}
	d.NoExpiry = in.NoExpiry
	ctx := r.Context()
	projects, _, err := s.projectNames(ctx)
	if err != nil {
		s.uiError(w, r, nil, err)
		return
	}
	owners := map[string]string{}
	if pg.User != nil {
		owners[pg.User.ID] = pg.User.Username
	}
	if in.All {
		d.Owner = q.Get("owner")
		in.Owner = d.Owner
		users, err := s.allUsers(ctx)
		if err != nil {
			s.uiError(w, r, nil, err)
			return
		}
		for _, u := range users {
			owners[u.ID] = u.Username
			d.Owners = append(d.Owners, u.Username)
		}
	}
	toks, next, err := s.svc.ListTokens(ctx, in)
	if err != nil {
		status := s.formError(r, pg, err)
		s.render(w, r, status, tmpl, pg)
		return
	}
	for _, t := range toks {
		d.Rows = append(d.Rows, s.tokenRow(t, projects, owners))
	}
	if next != "" {
		nq := url.Values{}
		for _, k := range []string{"status", "type", "owner", "expiring_within_days", "unused_days", "no_expiry", "expires_on"} {
			if v := q.Get(k); v != "" {
				nq.Set(k, v)
			}
		}
		nq.Set("cursor", next)
		d.Next = r.URL.Path + "?" + nq.Encode()
	}
	s.render(w, r, http.StatusOK, tmpl, pg)
}

// typeOption is a token type on the Create Token page.
type typeOption struct {
	service.TokenTypeInfo
	MaxDate         string // "" when the type has no maximum
	DefaultDate     string
	NoExpiryDefault bool
}

// newTokenForm is what the user typed, kept when the form comes back with
// an error.
type newTokenForm struct {
	Type, Name, Description, Project, ExpiresOn string
	NoExpiry                                    bool
	// Justification is asked for types that need approval.
	Justification string
	// AllowedCIDRs is the "Allowed networks" field as typed: one network
	// a line, or separated by commas.
	AllowedCIDRs string
	// RateRequests and RateSeconds are the optional rate limit, as typed.
	RateRequests, RateSeconds string
}

type newTokenData struct {
	Types    []typeOption
	Selected *typeOption
	Projects []*tokenmint.Project
	MinDate  string
	Form     newTokenForm
	// LikeName names the token the form was prefilled like, and
	// Adjustments say what today's rules changed of it (ui_tokenprefill.go).
	LikeName    string
	Adjustments []string
}

// typeOptions lists the types the caller may create with their dates.
func (s *Server) typeOptions(ctx context.Context) ([]typeOption, error) {
	infos, err := s.svc.CreatableTypes(ctx)
	if err != nil {
		return nil, err
	}
	today := s.today()
	out := make([]typeOption, 0, len(infos))
	for _, ti := range infos {
		o := typeOption{TokenTypeInfo: ti}
		switch {
		case ti.MaxExpiresAt != nil:
			o.MaxDate = ti.MaxExpiresAt.UTC().Format(uiDate)
			o.DefaultDate = o.MaxDate
		case ti.NoExpiryAllowed:
			o.NoExpiryDefault = true
			fallthrough
		default:
			days := ti.DefaultDaysToLive
			if days == 0 {
				days = 90
			}
			o.DefaultDate = today.AddDate(0, 0, days).Format(uiDate)
		}
		out = append(out, o)
	}
	return out, nil
}

func (s *Server) newTokenData(ctx context.Context, form newTokenForm) (*newTokenData, error) {
	types, err := s.typeOptions(ctx)
	if err != nil {
		return nil, err
	}
	_, projects, err := s.projectNames(ctx)
	if err != nil {
		return nil, err
	}
	d := &newTokenData{Types: types, Projects: projects, MinDate: s.today().AddDate(0, 0, 1).Format(uiDate), Form: form}
	for i := range types {
		if types[i].Obsolete {
			continue
		}
		if d.Selected == nil || types[i].Name == form.Type {
			d.Selected = &types[i]
		}
	}
	if d.Selected != nil {
		d.Form.Type = d.Selected.Name
	}
	return d, nil
}

func (s *Server) uiNewTokenPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	pg := s.newPage(w, r, us, "Create Token")
	pg.Nav = "tokens"
	d, err := s.prefilledTokenForm(r, pg)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	pg.Data = d
	s.render(w, r, http.StatusOK, "token_new", pg)
}

// createTokenRules are ordered from the most specific words: "type X is
// project scoped: project is required" concerns the project, "expiry
// exceeds the maximum for type X" the date.
var createTokenRules = []fieldRule{
	{"justification", []string{"justification"}},
	networkRule,
	rateLimitRule,
	{"project", []string{"project"}},
	expiryRules,
	{"name", []string{"name must"}},
	{"description", []string{"description"}},
	{"type", []string{"type"}},
}

func (s *Server) uiCreateToken(w http.ResponseWriter, r *http.Request, us *uiSession) {
	f := r.PostForm
	form := newTokenForm{
		Type: f.Get("type"), Name: f.Get("name"), Description: f.Get("description"),
		Project: f.Get("project"), ExpiresOn: f.Get("expires_on"), NoExpiry: f.Get("no_expiry") != "",
		Justification: f.Get("justification"),
		AllowedCIDRs:  f.Get("allowed_cidrs"),
		RateRequests:  f.Get("rate_requests"), RateSeconds: f.Get("rate_seconds"),
	}
	pg := s.newPage(w, r, us, "Create Token")
	pg.Nav = "tokens"
	// Expiry rules are checked after the type's, so a missing type is
	// reported first.
	expiry, err := s.formExpiry(f)
	var limit tokenmint.RateLimit
	if err == nil {
		limit, err = formRateLimit(f)
	}
	var issued *service.IssuedToken
	in := service.CreateTokenInput{Type: form.Type, Name: form.Name, Description: form.Description, Project: form.Project, Expiry: expiry,
		AllowedCIDRs: tokenmint.SplitCIDRText(form.AllowedCIDRs), RateLimit: limit}
	if typ, ok := s.svc.Types().Lookup(form.Type); ok && typ.RequiresApproval() && err == nil {
		// A type that needs approval is asked for, not created; the
		// request keeps the networks and the rate limit for its token.
		if _, err = s.svc.RequestToken(r.Context(), service.RequestTokenInput{CreateTokenInput: in, Justification: form.Justification}); err == nil {
			redirectWith(w, r, "/ui/token-requests", "Request sent. An administrator will approve or deny it; you can then collect the token here.")
			return
		}
	} else if err == nil {
		issued, err = s.svc.CreateToken(r.Context(), in)
	}
	if err != nil {
		status := s.formError(r, pg, err, createTokenRules...)
		d, derr := s.newTokenData(r.Context(), form)
		if derr != nil {
			s.uiError(w, r, us, derr)
			return
		}
		pg.Data = d
		s.render(w, r, status, "token_new", pg)
		return
	}
	projects, _, _ := s.projectNames(r.Context())
	pg.Title = "Token created"
	pg.Data = secretData{
		Heading: "Token created", Row: s.tokenRow(issued.Token, projects, map[string]string{us.p.User.ID: us.p.User.Username}),
		Plain: issued.Plain, Encoded: issued.Encoded, CloseURL: "/ui/tokens",
	}
	s.render(w, r, http.StatusCreated, "token_secret", pg)
}

// secretData is the page that shows a secret, once: after creation and
// after rotation. It is rendered in the answer to the form, so the secret
// is never in a URL, a redirect or a server-side store.
type secretData struct {
	Heading       string
	Row           tokenRow
	Plain         string
	Encoded       string
	OldValidUntil *time.Time
	CloseURL      string
}
