package service

import (
	"context"
	"time"

	"tokenmint"
)

// DashboardDays is the window of the dashboard's figures: tokens expiring
// within it, unused for it, and the busiest tokens and failed
// verifications over its last days.
const DashboardDays = 30

// dashboardTop is how many busiest tokens and applications the dashboard
// lists.
const dashboardTop = 10

// maxFilterDays bounds the day filters of the token list (ten years).
const maxFilterDays = 3650

// DayUses is a token's uses on one UTC day.
type DayUses struct {
	Date string `json:"date"` // YYYY-MM-DD, UTC
	Uses int64  `json:"uses"`
}

// DayFailures is a tenant's failed verifications on one UTC day.
type DayFailures struct {
	Date  string `json:"date"` // YYYY-MM-DD, UTC
	Count int64  `json:"count"`
}

// TokenDailyUsage returns a token's uses per UTC day for the last days
// days (1-90, 0 for 90), today last, with every day present (zero when
// unused). It is authorized as TokenUsage: usage is the owner's, and an
// administrator does not see another user's (Fortify's rule).
func (s *Service) TokenDailyUsage(ctx context.Context, id string, days int) ([]DayUses, error) {
	p, err := s.ownTokensAccess(ctx, false)
	if err != nil {
		return nil, err
	}
	if days == 0 {
		days = tokenmint.DailyUsageRetentionDays
	}
	if days < 1 || days > tokenmint.DailyUsageRetentionDays {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "days must be 1-%d", tokenmint.DailyUsageRetentionDays)
	}
	tok, _, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !SeesPrivate(p, tok) {
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only the owner may see a token's usage")
	}
	today := tokenmint.UnixDay(s.Now())
	first := today - int64(days) + 1
	counts, err := s.store.TokenDailyUses(ctx, tok.TenantID, tok.ID, first, today)
	if err != nil {
		return nil, err
	}
	filled := tokenmint.FillDays(counts, first, today)
	out := make([]DayUses, len(filled))
	for i, c := range filled {
		out[i] = DayUses{Date: dayDate(c.Day), Uses: c.Count}
	}
	return out, nil
}

// Dashboard is a tenant's figures at a glance, as the API returns them.
// The token counts are of active tokens.
type Dashboard struct {
	GeneratedAt time.Time `json:"generated_at"`
	// WindowDays is the window of the figures below (DashboardDays).
	WindowDays          int                         `json:"window_days"`
	Active              int64                       `json:"active"`
	ExpiringSoon        int64                       `json:"expiring_soon"`
	Unused              int64                       `json:"unused"`
	NoExpiry            int64                       `json:"no_expiry"`
	PerType             []tokenmint.TypeCount       `json:"per_type"`
	BusiestTokens       []tokenmint.BusyToken       `json:"busiest_tokens"`
	BusiestApplications []tokenmint.BusyApplication `json:"busiest_applications"`
	// FailedVerifications has every day of the window, today last.
	FailedVerifications []DayFailures `json:"failed_verifications"`
	// ExpiryCliffs are the days of the next CliffHorizonDays on which an
	// unusually large number of active tokens expire (see
	// tokenmint.ExpiryCliffs), largest first.
	ExpiryCliffs []ExpiryCliff `json:"expiry_cliffs"`
}

// ExpiryCliff is a day on which Count active tokens expire; the token
// list filtered by expires_on=Date shows them.
type ExpiryCliff struct {
	Date  string `json:"date"` // YYYY-MM-DD, UTC
	Count int64  `json:"count"`
}

// Dashboard computes the caller's tenant's dashboard. Administrators only
// (users:manage, as the other tenant-wide lists).
func (s *Service) Dashboard(ctx context.Context) (*Dashboard, error) {
	p, err := requireAdminTo(ctx, "see the dashboard")
	if err != nil {
		return nil, err
	}
	now := s.Now()
	window := time.Duration(DashboardDays) * tokenmint.Day
	today := tokenmint.UnixDay(now)
	first := today - DashboardDays + 1
	d, err := s.store.Dashboard(ctx, tokenmint.DashboardQuery{
		TenantID: p.TenantID, Now: now,
		ExpiresBy: now.Add(window), IdleSince: now.Add(-window),
		BusySinceDay: first, Top: dashboardTop, FailedSinceDay: first,
	})
	if err != nil {
		return nil, err
	}
	out := &Dashboard{
		GeneratedAt: now, WindowDays: DashboardDays,
		Active: d.Active, ExpiringSoon: d.Expiring, Unused: d.Unused, NoExpiry: d.NoExpiry,
		PerType: d.PerType, BusiestTokens: d.BusiestTokens, BusiestApplications: d.BusiestApplications,
	}
	for _, c := range tokenmint.FillDays(d.Failed, first, today) {
		out.FailedVerifications = append(out.FailedVerifications, DayFailures{Date: dayDate(c.Day), Count: c.Count})
	}
	if out.ExpiryCliffs, err = s.expiryCliffs(ctx, p.TenantID, now); err != nil {
		return nil, err
	}
	return out, nil
}

// applyDayFilters checks the list's day filters and sets them on f.
func (in *ListTokensInput) applyDayFilters(f *tokenmint.TokenFilter) error {
	for _, d := range []struct {
		name string
		v    int
	}{{"expiring_within_days", in.ExpiringWithinDays}, {"unused_days", in.UnusedDays}} {
		if d.v < 0 || d.v > maxFilterDays {
			return tokenmint.Errorf(tokenmint.EINVALID, "%s must be 1-%d", d.name, maxFilterDays)
		}
	}
	if in.NoExpiry && in.ExpiringWithinDays > 0 {
		return tokenmint.Errorf(tokenmint.EINVALID, "no_expiry and expiring_within_days exclude each other")
	}
	if in.ExpiringWithinDays > 0 {
		by := f.Now.Add(time.Duration(in.ExpiringWithinDays) * tokenmint.Day)
		f.ExpiresBy = &by
	}
	if in.UnusedDays > 0 {
		since := f.Now.Add(-time.Duration(in.UnusedDays) * tokenmint.Day)
		f.IdleSince = &since
	}
	f.NoExpiry = in.NoExpiry
	if in.ExpiresOn != "" {
		day, err := time.Parse(time.DateOnly, in.ExpiresOn)
		if err != nil {
			return tokenmint.Errorf(tokenmint.EINVALID, "expires_on must be a date such as 2027-01-01")
		}
		if in.NoExpiry {
			return tokenmint.Errorf(tokenmint.EINVALID, "no_expiry and expires_on exclude each other")
		}
		next := day.Add(tokenmint.Day)
		f.ExpiresFrom, f.ExpiresBefore = &day, &next
	}
	return nil
}

// dayDate formats a day numbered by tokenmint.UnixDay as YYYY-MM-DD.
func dayDate(day int64) string { return tokenmint.DayStart(day).Format(time.DateOnly) }
