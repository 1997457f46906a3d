package postgres

import "tokenmint"

// paged completes a list ordered by key (a unique column) with its page:
// the WHERE clause with "key > pg.After" when paging, ORDER BY key, and
// LIMIT when pg.Limit is set (0: every row). It returns the query's tail
// and all its arguments.
func paged(c conditions, key string, pg tokenmint.Page) (string, []any) {
	if pg.After != "" {
		c.add(key + " > " + c.param(pg.After))
	}
	q := c.where() + " ORDER BY " + key
	if pg.Limit > 0 {
		q += " LIMIT " + c.param(pg.Limit)
	}
	return q, c.args
}
