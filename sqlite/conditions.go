package sqlite

import "strings"

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
// arguments, in order.
type conditions struct {
	list []string
	args []any
}

// add adds a condition with the arguments of its placeholders.
func (c *conditions) add(cond string, args ...any) {
	c.list = append(c.list, cond)
	c.args = append(c.args, args...)
}

// eq adds "column = value" when value is set: the filter's empty fields
// match everything.
func (c *conditions) eq(column, value string) {
	if value != "" {
		c.add(column+" = ?", value)
	}
}

// where is the WHERE clause, or "" when there is no condition.
func (c *conditions) where() string {
	if len(c.list) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.list, " AND ")
}
