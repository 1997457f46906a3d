package tokenmint

import (
	"bytes"
	"encoding/json"
	"slices"
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
