// Package copydb moves a tokenmint installation from its SQLite file to a
// PostgreSQL database, so a single-machine install can grow into several
// instances. Both schemas are brought to the same migration first; then
// every table is copied row by row in foreign-key order, converting the
// SQLite encodings (unix microseconds, 0/1, JSON arrays) to the PostgreSQL
// column types. It is written generically over the catalog, rather than
// table by table, so tables added by later migrations are copied too.
package copydb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint/postgres"
	"tokenmint/sqlite"
)

// Result counts the rows copied per table.
type Result struct {
	Tables map[string]int64
}

// SQLiteToPostgres copies everything from the SQLite file at sqlitePath to
// the PostgreSQL database at pgURL, which must hold no tenant yet. The copy
// is one PostgreSQL transaction: it lands completely or not at all.
func SQLiteToPostgres(ctx context.Context, sqlitePath, pgURL string) (*Result, error) {
	// Opening through the stores applies any pending migration to both.
	src, err := sqlite.Open(sqlitePath)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	src.Close()
	dst, err := postgres.Open(ctx, pgURL)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer dst.Close()

	q := url.Values{"mode": {"ro"}, "_pragma": {"busy_timeout(5000)"}}
	in, err := sql.Open("sqlite", "file:"+sqlitePath+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	defer in.Close()

	res := &Result{Tables: map[string]int64{}}
	err = pgx.BeginFunc(ctx, dst.Pool(), func(tx pgx.Tx) error {
		var tenants int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM tenants").Scan(&tenants); err != nil {
			return err
		}
		if tenants > 0 {
			return fmt.Errorf("the target database already holds %d tenant(s); copy only into an empty tokenmint database", tenants)
		}
		tables, err := tablesInDependencyOrder(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range tables {
			n, err := copyTable(ctx, in, tx, t)
			if err != nil {
				return fmt.Errorf("table %s: %w", t, err)
			}
			res.Tables[t] = n
		}
		return resetSequences(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// tablesInDependencyOrder lists the target's tables so that every table
// comes after the tables its foreign keys point to.
func tablesInDependencyOrder(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`)
	if err != nil {
		return nil, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	sort.Strings(tables)
	rows, err = tx.Query(ctx, `SELECT DISTINCT c.conrelid::regclass::text, c.confrelid::regclass::text
		FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE c.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			return nil, err
		}
		if from != to {
			deps[from] = append(deps[from], to)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) error
	visit = func(t string) error {
		switch state[t] {
		case 1:
			return fmt.Errorf("foreign keys form a cycle at table %s", t)
		case 2:
			return nil
		}
		state[t] = 1
		for _, d := range deps[t] {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[t] = 2
		order = append(order, t)
		return nil
	}
	for _, t := range tables {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return order, nil
}

type column struct {
	name, dataType string
}

func copyTable(ctx context.Context, in *sql.DB, tx pgx.Tx, table string) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return 0, err
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		err := r.Scan(&c.name, &c.dataType)
		return c, err
	})
	if err != nil {
		return 0, err
	}
	names := make([]string, len(cols))
	quoted := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
		quoted[i] = `"` + c.name + `"`
	}
	src, err := in.QueryContext(ctx, "SELECT "+strings.Join(quoted, ", ")+" FROM \""+table+"\"")
	if err != nil {
		return 0, fmt.Errorf("reading the SQLite table (is its schema the same version?): %w", err)
	}
	defer src.Close()
	var batch [][]any
	for src.Next() {
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := src.Scan(ptrs...); err != nil {
			return 0, err
		}
		row := make([]any, len(cols))
		for i, c := range cols {
			if row[i], err = convert(raw[i], c.dataType); err != nil {
				return 0, fmt.Errorf("column %s: %w", c.name, err)
			}
		}
		batch = append(batch, row)
	}
	if err := src.Err(); err != nil {
		return 0, err
	}
	return tx.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromRows(batch))
}

// convert turns a SQLite value into the Go value pgx writes to a column of
// the given PostgreSQL type.
func convert(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch pgType {
	case "timestamp with time zone":
		switch x := v.(type) {
		case int64:
			return time.UnixMicro(x).UTC(), nil
		case string:
			return time.Parse(time.RFC3339Nano, x)
		}
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case bool:
			return x, nil
		}
	case "ARRAY":
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		}
		var out []string
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return nil, fmt.Errorf("expected a JSON array: %w", err)
		}
		if out == nil {
			out = []string{}
		}
		return out, nil
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	case "text", "character varying", "json", "jsonb":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case "integer", "bigint", "smallint":
		if x, ok := v.(int64); ok {
			return x, nil
		}
	case "double precision", "real", "numeric":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	}
	return nil, fmt.Errorf("cannot convert SQLite %T to PostgreSQL %s", v, pgType)
}

// resetSequences moves every serial or identity sequence past the copied
// IDs, so new rows (audit entries, …) do not collide with copied ones.
func resetSequences(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')`)
	if err != nil {
		return err
	}
	type tc struct{ table, col string }
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tc, error) {
		var x tc
		err := r.Scan(&x.table, &x.col)
		return x, err
	})
	if err != nil {
		return err
	}
	for _, x := range list {
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE((SELECT max("%s") FROM "%s"), 0) + 1, false)`,
			x.table, x.col, x.col, x.table)
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("sequence of %s.%s: %w", x.table, x.col, err)
		}
	}
	return nil
}
