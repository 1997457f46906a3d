package tokenmint

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// DailyUsageRetentionDays is how many UTC days of daily counts (a token's
// uses, a tenant's failed verifications) are kept: today and the 89 days
// before it.
const DailyUsageRetentionDays = 90

// UnixDay returns the UTC day of t as days since 1970-01-01, the key daily
// counts are stored under.
func UnixDay(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d-- // floor, for times before 1970
	}
	return d
}

// DayStart returns the start (00:00 UTC) of a day numbered by UnixDay.
func DayStart(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }

// DayCount is a count on one UTC day, numbered by UnixDay.
type DayCount struct {
	Day   int64
	Count int64
}

// TokenDayUses is the uses of one token on one UTC day, as a usage flush
// adds them to the daily counts.
type TokenDayUses struct {
	TenantID string
	TokenID  string
	Day      int64
	Count    int64
}

// TenantDayFailures is the failed verifications of one tenant on one UTC
// day, as a usage flush adds them to the daily counts.
type TenantDayFailures struct {
	TenantID string
	Day      int64
	Count    int64
}

// DailyCounts aggregates a usage batch into the daily rows a store upserts
// in the batch's transaction: one per (token, UTC day) and one per
// (tenant, UTC day) of failures, sorted (so that concurrent flushes lock
// rows in the same order). A record's uses count on the day of its last
// use; the usage buffer keeps the uses of each UTC day in records of their
// own, so that is the day of all of them. Records without a TokenID carry
// failed verifications (see UsageRecord).
func DailyCounts(batch []UsageRecord) ([]TokenDayUses, []TenantDayFailures) {
	type tokenDay struct {
		tokenID string
		day     int64
	}
	type tenantDay struct {
		tenantID string
		day      int64
	}
	uses := map[tokenDay]*TokenDayUses{}
	failed := map[tenantDay]*TenantDayFailures{}
	for _, r := range batch {
		day := UnixDay(r.Last)
		if r.TokenID == "" {
			k := tenantDay{r.TenantID, day}
			if f, ok := failed[k]; ok {
				f.Count += r.Count
			} else {
				failed[k] = &TenantDayFailures{TenantID: r.TenantID, Day: day, Count: r.Count}
			}
			continue
		}
		k := tokenDay{r.TokenID, day}
		if u, ok := uses[k]; ok {
			u.Count += r.Count
		} else {
			uses[k] = &TokenDayUses{TenantID: r.TenantID, TokenID: r.TokenID, Day: day, Count: r.Count}
		}
	}
	outUses := make([]TokenDayUses, 0, len(uses))
	for _, u := range uses {
		outUses = append(outUses, *u)
	}
	slices.SortFunc(outUses, func(a, b TokenDayUses) int {
		return cmp.Or(cmp.Compare(a.TokenID, b.TokenID), cmp.Compare(a.Day, b.Day))
	})
	outFailed := make([]TenantDayFailures, 0, len(failed))
	for _, f := range failed {
		outFailed = append(outFailed, *f)
	}
	slices.SortFunc(outFailed, func(a, b TenantDayFailures) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.Day, b.Day))
	})
	return outUses, outFailed
}

// FillDays returns one count for every day from first to last (inclusive),
// in order, taking the counts given and zero for the days without one.
func FillDays(counts []DayCount, first, last int64) []DayCount {
	if last < first {
		return []DayCount{}
	}
	byDay := make(map[int64]int64, len(counts))
	for _, c := range counts {
		byDay[c.Day] += c.Count
	}
	out := make([]DayCount, 0, last-first+1)
	for d := first; d <= last; d++ {
		out = append(out, DayCount{Day: d, Count: byDay[d]})
	}
	return out
}

// DashboardStore computes what the usage chart and the tenant dashboard
// show, with a few aggregate queries rather than by loading tokens.
type DashboardStore interface {
	// TokenDailyUses returns the token's days with uses from fromDay to
	// toDay (inclusive), by day; days without uses are left out. ENOTFOUND
	// when the token is not in the tenant.
	TokenDailyUses(ctx context.Context, tenantID, tokenID string, fromDay, toDay int64) ([]DayCount, error)
	// PruneDailyCounts deletes the daily counts (tokens' uses, tenants'
	// failed verifications) of days before beforeDay and reports how many
	// rows it deleted.
	PruneDailyCounts(ctx context.Context, beforeDay int64) (int64, error)
	// Dashboard computes the tenant's figures described by q.
	Dashboard(ctx context.Context, q DashboardQuery) (*Dashboard, error)
}

// DashboardQuery describes the figures of a tenant's dashboard.
type DashboardQuery struct {
	TenantID string
	Now      time.Time
	// ExpiresBy: active tokens expiring after Now and at or before it
	// count as expiring.
	ExpiresBy time.Time
	// IdleSince: active tokens whose last use (their creation when never
	// used) is at or before it count as unused.
	IdleSince time.Time
	// BusySinceDay: the busiest tokens and applications are ranked by
	// their uses on this day and after.
	BusySinceDay int64
	// Top is how many busiest tokens and applications to return.
	Top int
	// FailedSinceDay: failed verifications are returned from this day on.
	FailedSinceDay int64
}

// Dashboard is a tenant's figures at a glance. Every token count is of
// tokens active at the query's Now.
type Dashboard struct {
	Active   int64
	Expiring int64
	Unused   int64
	NoExpiry int64
	// PerType counts active tokens per type, by type name.
	PerType []TypeCount
	// BusiestTokens and BusiestApplications are ranked by uses, most
	// first (ties by ID); only those with uses are listed.
	BusiestTokens       []BusyToken
	BusiestApplications []BusyApplication
	// Failed is the tenant's days with failed verifications, by day.
	Failed []DayCount
}

// TypeCount is how many tokens a type has.
type TypeCount struct {
	Type  string `json:"type"`
	Count int64  `json:"count"`
}

// BusyToken is a token ranked by its uses in the dashboard's window.
type BusyToken struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	OwnerKind string `json:"owner_kind"`
	OwnerID   string `json:"owner_id"`
	OwnerName string `json:"owner_name"`
	Uses      int64  `json:"uses"`
}

// BusyApplication is an application ranked by the uses of its tokens in
// the dashboard's window.
type BusyApplication struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Uses int64  `json:"uses"`
}
