package tokenmint

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// DefaultExpiryNoticeDays are the advance expiry notices of a tenant that
// never set any: a month ahead, a week ahead and the day before.
var DefaultExpiryNoticeDays = NoticeDays{30, 7, 1}

// MaxExpiryNoticeWindows bounds how many advance notices a policy may ask
// for: more would be noise, not warning.
const MaxExpiryNoticeWindows = 10

// NoticeDays is a policy's advance expiry notices: each entry is a window,
// a number of days before expiry (1-365) at which the owner is told once.
// Entries are distinct and kept sorted from the farthest to the nearest.
// Empty means no advance notice (the notice at expiry is still sent).
//
// Older clients sent a single number N: UnmarshalJSON still reads it, as
// [N] (and 0 as []), so their scripts keep working. It always writes a
// list.
type NoticeDays []int

// UnmarshalJSON reads a JSON list of day counts, or a plain number N as
// [N] (0 as no advance notice).
func (d *NoticeDays) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '[' {
		var n int
		if err := json.Unmarshal(b, &n); err != nil {
			return Errorf(EINVALID, "expiry_notice_days must be a list of day counts such as [30, 7, 1], or one number")
		}
		if n == 0 {
			*d = NoticeDays{}
		} else {
			*d = NoticeDays{n}
		}
		return nil
	}
	var list []int
	if err := json.Unmarshal(b, &list); err != nil {
		return Errorf(EINVALID, "expiry_notice_days must be a list of day counts such as [30, 7, 1], or one number")
	}
	if list == nil {
		list = []int{}
	}
	*d = list
	return nil
}

// MarshalJSON writes the list, [] when empty (never null).
func (d NoticeDays) MarshalJSON() ([]byte, error) {
	if d == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]int(d))
}

// Sorted returns a copy from the farthest window to the nearest.
func (d NoticeDays) Sorted() NoticeDays {
	out := slices.Clone(d)
	if out == nil {
		out = NoticeDays{}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// Validate checks the rules of a policy's list: at most
// MaxExpiryNoticeWindows entries, each 1-365, no two alike.
func (d NoticeDays) Validate() error {
	if len(d) > MaxExpiryNoticeWindows {
		return Errorf(EINVALID, "expiry_notice_days holds at most %d entries", MaxExpiryNoticeWindows)
	}
	seen := map[int]bool{}
	for _, n := range d {
		if n < 1 || n > 365 {
			return Errorf(EINVALID, "each entry of expiry_notice_days must be 1-365 days")
		}
		if seen[n] {
			return Errorf(EINVALID, "expiry_notice_days lists %d twice", n)
		}
		seen[n] = true
	}
	return nil
}

// Window returns the notice a token expiring at exp is due at now: the
// nearest window (smallest day count) it is already inside, and whether
// there is one. A token first seen inside several windows (created five
// days before expiry under [30, 7, 1]) is due the nearest one only; the
// farther ones are past.
func (d NoticeDays) Window(now, exp time.Time) (int, bool) {
	best, ok := 0, false
	for _, n := range d {
		if !exp.After(now) || exp.After(now.Add(time.Duration(n)*Day)) {
			continue
		}
		if !ok || n < best {
			best, ok = n, true
		}
	}
	return best, ok
}

// Weekdays are the values of a policy's expiry_digest_weekday.
var Weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// DefaultDigestWeekday is the day the weekly digest goes out when the
// policy names none.
const DefaultDigestWeekday = "monday"

// ParseWeekday returns the time.Weekday of a lower-case English day name.
func ParseWeekday(s string) (time.Weekday, bool) {
	i := slices.Index(Weekdays, strings.ToLower(s))
	if i < 0 {
		return 0, false
	}
	return time.Weekday(i), true
}
