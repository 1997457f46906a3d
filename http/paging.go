package http

import (
	"net/http"
	"net/url"
	"strconv"

	"tokenmint"
	"tokenmint/service"
)

// pageInput reads the limit and cursor query parameters of a list paged
// by key; the service checks the cursor and the upper bound.
func pageInput(q url.Values) (service.PageInput, error) {
	limit, err := pageLimit(q)
	return service.PageInput{Limit: limit, Cursor: q.Get("cursor")}, err
}

// pageLimit reads the optional limit query parameter of a paginated list
// (0 when absent: the service's default). The service checks the upper
// bound. Every list reads its query through it, so it also refuses a
// parameter given twice (singleValued).
func pageLimit(q url.Values) (int, error) {
	if err := singleValued(q); err != nil {
		return 0, err
	}
	v := q.Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, tokenmint.Errorf(tokenmint.EINVALID, "limit must be 1-500")
	}
	return n, nil
}

// writePage answers a paginated list: the items, and next_cursor when a
// next page exists.
func writePage(w http.ResponseWriter, items any, next string) {
	resp := map[string]any{"items": items}
	if next != "" {
		resp["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, resp)
}

// singleValued refuses a list query that repeats a parameter
// (?status=active&status=revoked): the filters take one value each, and
// reading the first one alone would answer a question nobody asked, as
// verify refuses a repeated project or tenant.
func singleValued(q url.Values) error {
	for name, vs := range q {
		if len(vs) > 1 {
			return tokenmint.Errorf(tokenmint.EINVALID, "query parameter %s is given %d times; give it once", name, len(vs))
		}
	}
	return nil
}
