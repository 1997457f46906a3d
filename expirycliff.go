package tokenmint

import (
	"cmp"
	"slices"
)

// The expiry cliff: a day on which an unusually large number of live
// tokens expire at once, as when a forced maximum lifetime (GitLab's
// 365 days) gave every token created under an old policy the same expiry
// and many pipelines broke on one day.
const (
	// CliffHorizonDays is how far ahead the dashboard looks for cliffs.
	CliffHorizonDays = 365
	// CliffMinTokens is the fewest tokens expiring on one day that make a
	// cliff, so a small tenant's two tokens made the same day are none.
	CliffMinTokens = 5
	// CliffFactor is how many times the average day of the horizon a day
	// must reach: expiries spread by when tokens were made vary from day
	// to day by a few times the average, never by ten.
	CliffFactor = 10
	// MaxCliffs is how many cliffs the dashboard shows, largest first.
	MaxCliffs = 5
)

// ExpiryCliffs returns the cliffs among counts of tokens per expiry day
// over the horizon: the days on which at least max(CliffMinTokens,
// CliffFactor × the horizon's average per day) tokens expire, largest
// first (then soonest), at most MaxCliffs of them.
func ExpiryCliffs(days []DayCount) []DayCount {
	var total int64
	for _, d := range days {
		total += d.Count
	}
	// Ceiling of CliffFactor × total / CliffHorizonDays.
	threshold := max(CliffMinTokens, (CliffFactor*total+CliffHorizonDays-1)/CliffHorizonDays)
	out := []DayCount{}
	for _, d := range days {
		if d.Count >= threshold {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b DayCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Day, b.Day))
	})
	if len(out) > MaxCliffs {
		out = out[:MaxCliffs]
	}
	return out
}
