package tokenmint_test

import (
	"slices"
	"testing"
	"time"

	"tokenmint"
)

func TestUnixDay(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want int64
	}{
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(1970, 1, 1, 23, 59, 59, 999999999, time.UTC), 0},
		{time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC), 1},
		{time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), -1},
		// The UTC day, whatever the zone the time is given in.
		{time.Date(2026, 12, 1, 23, 30, 0, 0, time.FixedZone("UTC-2", -2*3600)), tokenmint.UnixDay(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))},
	} {
		if got := tokenmint.UnixDay(c.t); got != c.want {
			t.Errorf("UnixDay(%v) = %d, want %d", c.t, got, c.want)
		}
		if start := tokenmint.DayStart(c.want); tokenmint.UnixDay(start) != c.want || start.Hour() != 0 || start.Location() != time.UTC {
			t.Errorf("DayStart(%d) = %v", c.want, start)
		}
	}
}

func TestDailyCounts(t *testing.T) {
	d := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	day := tokenmint.UnixDay(d)
	batch := []tokenmint.UsageRecord{
		{TenantID: "a", TokenID: "t2", IP: "192.0.2.1", First: d, Last: d, Count: 1},
		{TenantID: "a", TokenID: "t1", IP: "192.0.2.1", First: d, Last: d, Count: 2},
		{TenantID: "a", TokenID: "t1", IP: "192.0.2.2", First: d, Last: d.Add(time.Hour), Count: 3},
		{TenantID: "a", TokenID: "t1", IP: "192.0.2.1", First: d.Add(14 * time.Hour), Last: d.Add(14 * time.Hour), Count: 4},
		{TenantID: "b", First: d, Last: d, Count: 5},
		{TenantID: "a", First: d, Last: d, Count: 6},
		{TenantID: "a", First: d, Last: d, Count: 1},
	}
	uses, failed := tokenmint.DailyCounts(batch)
	wantUses := []tokenmint.TokenDayUses{
		{TenantID: "a", TokenID: "t1", Day: day, Count: 5},
		{TenantID: "a", TokenID: "t1", Day: day + 1, Count: 4},
		{TenantID: "a", TokenID: "t2", Day: day, Count: 1},
	}
	if !slices.Equal(uses, wantUses) {
		t.Errorf("uses = %+v, want %+v", uses, wantUses)
	}
	wantFailed := []tokenmint.TenantDayFailures{{TenantID: "a", Day: day, Count: 7}, {TenantID: "b", Day: day, Count: 5}}
	if !slices.Equal(failed, wantFailed) {
		t.Errorf("failed = %+v, want %+v", failed, wantFailed)
	}
}

func TestFillDays(t *testing.T) {
	got := tokenmint.FillDays([]tokenmint.DayCount{{Day: 11, Count: 2}, {Day: 13, Count: 5}, {Day: 20, Count: 9}}, 10, 13)
	want := []tokenmint.DayCount{{Day: 10}, {Day: 11, Count: 2}, {Day: 12}, {Day: 13, Count: 5}}
	if !slices.Equal(got, want) {
		t.Errorf("FillDays = %v, want %v", got, want)
	}
	if got := tokenmint.FillDays(nil, 5, 4); len(got) != 0 || got == nil {
		t.Errorf("FillDays of an empty range = %#v, want an empty list", got)
	}
}
