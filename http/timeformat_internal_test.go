package http

import (
	"testing"
	"time"
)

func TestAppendTimeMatchesAppendFormat(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	for _, tm := range []time.Time{
		time.Date(2027, 1, 4, 0, 38, 26, 673329000, time.UTC),
		time.Date(2027, 1, 4, 0, 38, 26, 0, time.UTC),
		time.Date(2027, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2027, 12, 31, 23, 59, 59, 100, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 1, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), // past AppendFormat's four digits
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2027, 6, 1, 12, 0, 0, 5, paris), // not UTC
		time.Unix(1_800_000_000, 120_000_000),     // local time zone
	} {
		for layout, s := range timeLayouts {
			if got, want := string(appendTime(nil, tm, timeLayout(layout))), tm.Format(s); got != want {
				t.Errorf("%v in %q: %q, want %q", tm, s, got, want)
			}
		}
	}
}

func FuzzAppendTimeMatchesAppendFormat(f *testing.F) {
	f.Add(int64(1_800_000_000), int64(673329000), uint8(0))
	f.Add(int64(-62135596800), int64(0), uint8(1))
	f.Add(int64(253402300799), int64(999999999), uint8(2))
	f.Fuzz(func(t *testing.T, sec, nsec int64, layout uint8) {
		tm := time.Unix(sec, nsec).UTC()
		l := timeLayout(layout % uint8(len(timeLayouts)))
		if got, want := string(appendTime([]byte("x"), tm, l)), "x"+tm.Format(timeLayouts[l]); got != want {
			t.Errorf("%d.%09d in %q: %q, want %q", sec, nsec, timeLayouts[l], got, want)
		}
	})
}
