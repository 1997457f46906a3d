package service

import (
	"context"

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

// PageInput asks for one page of a list paged by key (users, projects,
// applications, webhooks, members, a token's usage): at most Limit items
// (0: the default, 50; at most 500) after Cursor, the next_cursor of the
// previous page ("" for the first).
type PageInput struct {
	Limit  int
	Cursor string
}

// idPage checks a page of a list ordered by ID, whose cursor is an ID (a
// UUID), and returns the store's page: one row more than asked for, so
// keyPage knows whether a next page exists.
func (in PageInput) idPage() (tokenmint.Page, error) {
	return in.page(tokenmint.ValidateTokenCursor)
}

func (in PageInput) page(validCursor func(string) error) (tokenmint.Page, error) {
	if in.Limit < 0 || in.Limit > maxPageSize {
		return tokenmint.Page{}, tokenmint.Errorf(tokenmint.EINVALID, "limit must be 1-%d", maxPageSize)
	}
	limit := in.Limit
	if limit == 0 {
		limit = defaultPageSize
	}
	if err := validCursor(in.Cursor); err != nil {
		return tokenmint.Page{}, err
	}
	return tokenmint.Page{After: in.Cursor, Limit: limit + 1}, nil
}

// keyPage keeps the items of a page the store read with pg (one more than
// asked for) and returns the cursor of the next page: the key of the last
// item kept, or "" when the extra row did not come.
func keyPage[T any](items []T, pg tokenmint.Page, key func(T) string) ([]T, string) {
	limit := pg.Limit - 1
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, key(items[len(items)-1])
}

// AllPages reads every page of a list, for the pages of the UI that need
// a whole list at once (pickers).
func AllPages[T any](list func(PageInput) ([]T, string, error)) ([]T, error) {
	in := PageInput{Limit: maxPageSize}
	var all []T
	for {
		items, next, err := list(in)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		in.Cursor = next
	}
}

// adminIDPage lists one page of a tenant-wide list that only administrators
// read, ordered by ID (users, applications, webhooks): the caller's check,
// the cursor's, the store's read and the next cursor, once for all of them.
func adminIDPage[T any](ctx context.Context, in PageInput, list func(tenantID string, pg tokenmint.Page) ([]T, error), id func(T) string) ([]T, string, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, "", err
	}
	pg, err := in.idPage()
	if err != nil {
		return nil, "", err
	}
	items, err := list(p.TenantID, pg)
	if err != nil {
		return nil, "", err
	}
	items, next := keyPage(items, pg, id)
	return items, next, nil
}
