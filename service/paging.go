package service

import (
	"strconv"

	"tokenmint"
)

// Page sizes of the lists paged by cursor (audit log, deliveries).
const (
	defaultPageSize = 50
	maxPageSize     = 500
)

// pageRequest checks a page size (0: the default) and a cursor (the
// next_cursor of the previous page: the ID the page starts below) and
// returns the size and the ID (0 for the first page).
func pageRequest(limit int, cursor string) (int, int64, error) {
	if limit < 0 || limit > maxPageSize {
		return 0, 0, tokenmint.Errorf(tokenmint.EINVALID, "limit must be 1-%d", maxPageSize)
	}
	if limit == 0 {
		limit = defaultPageSize
	}
	if cursor == "" {
		return limit, 0, nil
	}
	id, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || id <= 0 {
		return 0, 0, tokenmint.Errorf(tokenmint.EINVALID, "cursor must be the next_cursor of a previous page")
	}
	return limit, id, nil
}

// cutPage keeps the first limit items of a query that asked for one more,
// and returns the cursor of the next page: "" when the extra row did not
// come, so this is the last page.
func cutPage[T any](items []T, limit int, id func(T) int64) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, strconv.FormatInt(id(items[len(items)-1]), 10)
}
