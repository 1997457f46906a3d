package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// AppendAudit appends the entry and sets e.ID to the ID the log assigned,
// which is greater than every ID assigned before it.
func (db *DB) AppendAudit(ctx context.Context, e *tokenmint.AuditEntry) error {
	err := db.pool.QueryRow(ctx,
		`INSERT INTO audit_log (tenant_id, time, actor_kind, actor_id, action, object_kind,
		        object_id, client_ip, outcome, detail)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		e.TenantID, e.Time, e.ActorKind, e.ActorID, e.Action, e.ObjectKind,
		e.ObjectID, e.ClientIP, e.Outcome, e.Detail).Scan(&e.ID)
	return wrap("append audit", err)
}

// ListAudit returns the entries matching every set field of f, newest
// (greatest ID) first, at most f.Limit of them (defaultListLimit when 0).
// Since is inclusive and Until exclusive, so consecutive windows neither
// overlap nor leave a gap. An empty TenantID lists every tenant.
func (db *DB) ListAudit(ctx context.Context, f tokenmint.AuditFilter) ([]*tokenmint.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.TenantID != "" {
		add("tenant_id = $%d", f.TenantID)
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if f.ActorID != "" {
		add("actor_id = $%d", f.ActorID)
	}
	if f.ObjectID != "" {
		add("object_id = $%d", f.ObjectID)
	}
	if f.Outcome != "" {
		add("outcome = $%d", f.Outcome)
	}
	if f.Since != nil {
		add("time >= $%d", *f.Since)
	}
	if f.Until != nil {
		add("time < $%d", *f.Until)
	}
	if f.BeforeID > 0 {
		add("id < $%d", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	args = append(args, limit)

	q := `SELECT id, tenant_id, time, actor_kind, actor_id, action, object_kind, object_id,
	        client_ip, outcome, detail FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))

	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.AuditEntry, error) {
		var e tokenmint.AuditEntry
		err := row.Scan(&e.ID, &e.TenantID, &e.Time, &e.ActorKind, &e.ActorID, &e.Action,
			&e.ObjectKind, &e.ObjectID, &e.ClientIP, &e.Outcome, &e.Detail)
		e.Time = utc(e.Time)
		return &e, err
	})
	if err != nil {
		return nil, wrap("list audit", err)
	}
	if out == nil {
		out = []*tokenmint.AuditEntry{}
	}
	return out, nil
}
