package sqlite

import (
	"context"
	"database/sql"

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

// AppendAuditBatch appends entries in one transaction, in order.
func (db *DB) AppendAuditBatch(ctx context.Context, entries []*tokenmint.AuditEntry) error {
	ids := make([]int64, len(entries))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return db.appendAuditTx(ctx, tx, entries, ids)
	})
	if err != nil {
		return wrap("append audit", err)
	}
	for i, e := range entries {
		e.ID = ids[i]
	}
	return nil
}

// appendAuditTx inserts entries in tx with the statement prepared once
// (prepared.go) and puts the IDs the log assigned in ids. The entries
// keep their IDs unset: tx may still roll back.
func (db *DB) appendAuditTx(ctx context.Context, tx *sql.Tx, entries []*tokenmint.AuditEntry, ids []int64) error {
	stmt, err := db.inTxStmt(ctx, tx, insertAuditSQL)
	if err != nil {
		return err
	}
	for i, e := range entries {
		// Exec, not RETURNING: the rowid SQLite reports is the ID, and
		// no result rows need building and closing.
		res, err := stmt.ExecContext(ctx, e.TenantID, toMicro(e.Time), e.ActorKind, e.ActorID, e.Action,
			e.ObjectKind, e.ObjectID, e.ClientIP, e.Outcome, e.Detail)
		if err != nil {
			return err
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return err
		}
	}
	return nil
}

// ListAudit returns the entries matching every set field of f, newest
// (greatest ID) first, at most f.Limit of them (defaultListLimit when 0).
// Since is inclusive and Until exclusive, so consecutive windows neither
// overlap nor leave a gap. An empty TenantID lists every tenant.
func (db *DB) ListAudit(ctx context.Context, f tokenmint.AuditFilter) ([]*tokenmint.AuditEntry, error) {
	var c conditions
	c.eq("tenant_id", f.TenantID)
	c.eq("action", f.Action)
	c.eq("actor_kind", f.ActorKind)
	c.eq("actor_id", f.ActorID)
	if f.ActorOwnerID != "" {
		c.add(`((actor_kind = ? AND actor_id = ?) OR (actor_kind = 'token' AND actor_id IN (
			SELECT id FROM tokens WHERE tenant_id = audit_log.tenant_id AND owner_kind = ? AND owner_id = ?)))`,
			f.ActorOwnerKind, f.ActorOwnerID, f.ActorOwnerKind, f.ActorOwnerID)
	}
	c.eq("object_id", f.ObjectID)
	c.eq("outcome", f.Outcome)
	if f.Since != nil {
		c.add("time >= ?", toMicro(*f.Since))
	}
	if f.Until != nil {
		c.add("time < ?", toMicro(*f.Until))
	}
	if f.BeforeID > 0 {
		c.add("id < ?", f.BeforeID)
	}
	q := `SELECT id, tenant_id, time, actor_kind, actor_id, action, object_kind, object_id,
	        client_ip, outcome, detail FROM audit_log` + c.where() + ` ORDER BY id DESC LIMIT ?`
	args := append(c.args, listLimit(f.Limit))

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
