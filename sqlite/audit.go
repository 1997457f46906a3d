package sqlite

import (
	"context"
	"strings"

	"tokenmint"
)

// AppendAudit appends the entry and sets e.ID to the ID the log assigned,
// which is greater than every earlier entry's.
func (db *DB) AppendAudit(ctx context.Context, e *tokenmint.AuditEntry) error {
	var id int64
	err := db.write.QueryRowContext(ctx,
		`INSERT INTO audit_log (tenant_id, time, actor_kind, actor_id, action, object_kind,
		        object_id, client_ip, outcome, detail)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.TenantID, toMicro(e.Time), e.ActorKind, e.ActorID, e.Action, e.ObjectKind,
		e.ObjectID, e.ClientIP, e.Outcome, e.Detail).Scan(&id)
	if err != nil {
		return wrap("append audit", err)
	}
	e.ID = id
	return nil
}

// ListAudit returns the entries matching every set field of f, newest
// (greatest ID) first, at most f.Limit of them (defaultListLimit when 0).
// Since is inclusive and Until exclusive, so consecutive windows neither
// overlap nor leave a gap. An empty TenantID lists every tenant.
func (db *DB) ListAudit(ctx context.Context, f tokenmint.AuditFilter) ([]*tokenmint.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.TenantID != "" {
		add("tenant_id = ?", f.TenantID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if f.Outcome != "" {
		add("outcome = ?", f.Outcome)
	}
	if f.Since != nil {
		add("time >= ?", toMicro(*f.Since))
	}
	if f.Until != nil {
		add("time < ?", toMicro(*f.Until))
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}

	q := `SELECT id, tenant_id, time, actor_kind, actor_id, action, object_kind, object_id,
	        client_ip, outcome, detail FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)

	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	defer rows.Close()
	out := []*tokenmint.AuditEntry{}
	for rows.Next() {
		var e tokenmint.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.TenantID, &at, &e.ActorKind, &e.ActorID, &e.Action,
			&e.ObjectKind, &e.ObjectID, &e.ClientIP, &e.Outcome, &e.Detail); err != nil {
			return nil, wrap("list audit", err)
		}
		e.Time = fromMicro(at)
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list audit", err)
	}
	return out, nil
}
