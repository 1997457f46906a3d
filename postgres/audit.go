package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// insertAuditSQL appends one entry and returns its ID.
const insertAuditSQL = `INSERT INTO audit_log (tenant_id, time, actor_kind, actor_id, action, object_kind,
        object_id, client_ip, outcome, detail)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`

// AppendAudit appends the entry and sets e.ID to the ID the log assigned,
// which is greater than every ID assigned before it.
func (db *DB) AppendAudit(ctx context.Context, e *tokenmint.AuditEntry) error {
	return wrap("append audit", insertAudit(ctx, db.pool, e, &e.ID))
}

// insertAudit appends e with q and puts the ID the log assigned in id.
func insertAudit(ctx context.Context, q execer, e *tokenmint.AuditEntry, id *int64) error {
	return q.QueryRow(ctx, insertAuditSQL, e.TenantID, e.Time, e.ActorKind, e.ActorID, e.Action, e.ObjectKind,
		e.ObjectID, e.ClientIP, e.Outcome, e.Detail).Scan(id)
}

// AppendAuditBatch appends entries in one transaction, in order, sent to
// the server as one batch: PostgreSQL runs a batch as one implicit
// transaction (all or nothing), so a single round trip appends them all.
func (db *DB) AppendAuditBatch(ctx context.Context, entries []*tokenmint.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	ids := make([]int64, len(entries))
	var b pgx.Batch
	for _, e := range entries {
		b.Queue(insertAuditSQL, e.TenantID, e.Time, e.ActorKind, e.ActorID, e.Action, e.ObjectKind,
			e.ObjectID, e.ClientIP, e.Outcome, e.Detail)
	}
	res := db.pool.SendBatch(ctx, &b)
	for i := range entries {
		if err := res.QueryRow().Scan(&ids[i]); err != nil {
			res.Close()
			return wrap("append audit", err)
		}
	}
	// Closing reads the end of the batch, where a failed commit shows.
	if err := res.Close(); err != nil {
		return wrap("append audit", err)
	}
	for i, e := range entries {
		e.ID = ids[i]
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
		kind, id := c.param(f.ActorOwnerKind), c.param(f.ActorOwnerID)
		c.add(`((actor_kind = ` + kind + ` AND actor_id = ` + id + `) OR (actor_kind = 'token' AND actor_id IN (
			SELECT t.id FROM tokens t WHERE t.tenant_id = audit_log.tenant_id AND t.owner_kind = ` + kind + ` AND t.owner_id = ` + id + `)))`)
	}
	c.eq("object_id", f.ObjectID)
	c.eq("outcome", f.Outcome)
	if f.Since != nil {
		c.add("time >= " + c.param(*f.Since))
	}
	if f.Until != nil {
		c.add("time < " + c.param(*f.Until))
	}
	if f.BeforeID > 0 {
		c.add("id < " + c.param(f.BeforeID))
	}
	q := `SELECT id, tenant_id, time, actor_kind, actor_id, action, object_kind, object_id,
	        client_ip, outcome, detail FROM audit_log` + c.where() + ` ORDER BY id DESC LIMIT ` + c.param(listLimit(f.Limit))

	rows, err := db.pool.Query(ctx, q, c.args...)
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
