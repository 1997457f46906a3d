package tokenmint

import (
	"slices"
	"testing"
	"time"
)

func TestExpiryCliffs(t *testing.T) {
	// spreadOf is n days, every apart, with each tokens on each.
	spreadOf := func(n int, every, each int64) []DayCount {
		var out []DayCount
		for i := 0; i < n; i++ {
			out = append(out, DayCount{Day: 20000 + int64(i)*every, Count: each})
		}
		return out
	}
	spread := func(n int, every int64) []DayCount { return spreadOf(n, every, 1) }
	cases := []struct {
		name string
		days []DayCount
		want []DayCount
	}{
		{"nothing", nil, []DayCount{}},
		// 120 tokens, one every third day: the normal spread of a tenant
		// that creates tokens as it goes.
		{"normal spread", spread(120, 3), []DayCount{}},
		// A busy week: three to four times the average is still no cliff.
		{"busy days", append(spread(300, 1), DayCount{Day: 20400, Count: 4}), []DayCount{}},
		{"four on one day", []DayCount{{Day: 20100, Count: 4}}, []DayCount{}},
		// GitLab's case: every token created before the policy expires on
		// the same day, beside the normal spread.
		{"gitlab", append(spread(60, 5), DayCount{Day: 20365, Count: 40}), []DayCount{{Day: 20365, Count: 40}}},
		// Two cliffs, the larger first; the small day beside them is none
		// (threshold ceil(10 × 121 / 365) = 4 < 5).
		{"two", []DayCount{{Day: 20010, Count: 6}, {Day: 20020, Count: 2}, {Day: 20030, Count: 8}, {Day: 20040, Count: 105}},
			[]DayCount{{Day: 20040, Count: 105}, {Day: 20030, Count: 8}, {Day: 20010, Count: 6}}},
		// In a large tenant the bar rises with the average: 3650 tokens
		// a year is 10 a day, so 60 on one day is no cliff, 100 is.
		{"large tenant", append(spreadOf(349, 1, 10), DayCount{Day: 20400, Count: 60}, DayCount{Day: 20401, Count: 100}), []DayCount{{Day: 20401, Count: 100}}},
	}
	for _, c := range cases {
		if got := ExpiryCliffs(c.days); !slices.Equal(got, c.want) {
			t.Errorf("%s: ExpiryCliffs = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWeekStart(t *testing.T) {
	for _, c := range []struct{ date, monday string }{
		{"1970-01-01", "1969-12-29"}, {"2026-01-05", "2026-01-05"}, {"2026-01-11", "2026-01-05"}, {"2026-01-12", "2026-01-12"}, {"1969-12-28", "1969-12-22"},
	} {
		d, _ := time.Parse(time.DateOnly, c.date)
		if got := DayStart(WeekStart(UnixDay(d))).Format(time.DateOnly); got != c.monday {
			t.Errorf("WeekStart(%s) = %s, want %s", c.date, got, c.monday)
		}
	}
}
