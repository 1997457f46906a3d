package service_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"tokenmint/service"
)

// AllPages follows next_cursor across pages of the largest size until the
// last page, and stops at the first error.
func TestAllPagesFollowsCursors(t *testing.T) {
	const n = 1203
	var calls []service.PageInput
	list := func(in service.PageInput) ([]int, string, error) {
		calls = append(calls, in)
		start := 0
		if in.Cursor != "" {
			start, _ = strconv.Atoi(in.Cursor)
		}
		end := min(start+in.Limit, n)
		var page []int
		for i := start; i < end; i++ {
			page = append(page, i)
		}
		next := ""
		if end < n {
			next = strconv.Itoa(end)
		}
		return page, next, nil
	}
	got, err := service.AllPages(list)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n || !slices.IsSorted(got) || got[n-1] != n-1 {
		t.Errorf("AllPages read %d items, want 0-%d in order", len(got), n-1)
	}
	if len(calls) != 3 || calls[0].Limit != 500 || calls[0].Cursor != "" || calls[2].Cursor != "1000" {
		t.Errorf("AllPages asked %+v, want 3 pages of 500 from the start", calls)
	}
	boom := errors.New("store down")
	if _, err := service.AllPages(func(service.PageInput) ([]int, string, error) { return nil, "", boom }); !errors.Is(err, boom) {
		t.Errorf("AllPages error = %v, want the list's", err)
	}
}
