package postgres

import (
	"fmt"
	"strings"
)

// defaultListLimit is how many rows a list returns when the filter sets no
// limit, so an unbounded request cannot read a whole table at once.
const defaultListLimit = 100

// listLimit is a filter's limit, or defaultListLimit when it sets none.
func listLimit(limit int) int {
	if limit <= 0 {
		return defaultListLimit
	}
	return limit
}

// conditions collects the WHERE conditions of a filtered list and their
// arguments, numbering the placeholders ($1, $2, …) as they come.
type conditions struct {
	list []string
	args []any
}

// param adds an argument and returns its placeholder.
func (c *conditions) param(v any) string {
	c.args = append(c.args, v)
	return fmt.Sprintf("$%d", len(c.args))
}

// add adds a condition whose placeholders came from param.
func (c *conditions) add(cond string) { c.list = append(c.list, cond) }

// eq adds "column = value" when value is set: the filter's empty fields
// match everything.
func (c *conditions) eq(column, value string) {
	if value != "" {
		c.add(column + " = " + c.param(value))
	}
}

// where is the WHERE clause, or "" when there is no condition.
func (c *conditions) where() string {
	if len(c.list) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.list, " AND ")
}
