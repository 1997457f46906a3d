package sqlite

import (
	"context"
	"database/sql"
	"time"

	"tokenmint"
)

// AppendEvent stores the event and sets its ID.
func (db *DB) AppendEvent(ctx context.Context, ev *tokenmint.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return appendEvent(ctx, tx, ev) })
}

// appendEvent inserts ev within tx; a nil event is nothing to append.
func appendEvent(ctx context.Context, tx *sql.Tx, ev *tokenmint.Event) error {
	if ev == nil {
		return nil
	}
	err := tx.QueryRowContext(ctx,
		`INSERT INTO events (tenant_id, type, token_id, time, data, dispatched_at)
		 VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		ev.TenantID, ev.Type, ev.TokenID, toMicro(ev.Time), ev.Data, toNullMicro(ev.DispatchedAt)).Scan(&ev.ID)
	return wrap("append event", err)
}

// PendingEvents returns undispatched events, oldest first.
func (db *DB) PendingEvents(ctx context.Context, limit int) ([]*tokenmint.Event, error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	rows, err := db.read.QueryContext(ctx,
		`SELECT id, tenant_id, type, token_id, time, data, dispatched_at FROM events
		 WHERE dispatched_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, wrap("pending events", err)
	}
	defer rows.Close()
	out := []*tokenmint.Event{}
	for rows.Next() {
		var e tokenmint.Event
		var at int64
		var dispatched sql.NullInt64
		if err := rows.Scan(&e.ID, &e.TenantID, &e.Type, &e.TokenID, &at, &e.Data, &dispatched); err != nil {
			return nil, wrap("pending events", err)
		}
		e.Time, e.DispatchedAt = fromMicro(at), fromNullMicro(dispatched)
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("pending events", err)
	}
	return out, nil
}

// DispatchEvent marks the event dispatched and stores its deliveries, in
// one transaction; an event dispatched before changes nothing.
func (db *DB) DispatchEvent(ctx context.Context, eventID int64, deliveries []*tokenmint.Delivery, now time.Time) (bool, error) {
	var done bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE events SET dispatched_at = ? WHERE id = ? AND dispatched_at IS NULL`, toMicro(now), eventID)
		if err != nil {
			return wrap("dispatch event", err)
		}
		if done, err = affectedOne(res, "dispatch event"); err != nil || !done {
			if err == nil {
				var one int
				err = readErr(tx.QueryRowContext(ctx, `SELECT 1 FROM events WHERE id = ?`, eventID).Scan(&one), "event", "dispatch event")
			}
			return err
		}
		for _, d := range deliveries {
			var webhookID sql.NullString
			if d.WebhookID != "" {
				webhookID = sql.NullString{String: d.WebhookID, Valid: true}
			}
			err := tx.QueryRowContext(ctx,
				`INSERT INTO deliveries (tenant_id, event_id, event_type, channel, webhook_id, recipient,
				        payload, status, attempts, next_attempt_at, last_error, last_status, created_at, delivered_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				d.TenantID, eventID, d.EventType, d.Channel, webhookID, d.Recipient,
				d.Payload, deliveryStatus(d.Status), d.Attempts, toMicro(d.NextAttemptAt), d.LastError, d.LastStatus,
				toMicro(d.CreatedAt), toNullMicro(d.DeliveredAt)).Scan(&d.ID)
			if err != nil {
				return writeErr(err, "delivery", "dispatch event")
			}
			d.EventID = eventID
		}
		return nil
	})
	return done, err
}

// deliveryStatus defaults an unset status to pending.
func deliveryStatus(s string) string {
	if s == "" {
		return tokenmint.DeliveryPending
	}
	return s
}

const deliveryColumns = `id, tenant_id, event_id, event_type, channel, COALESCE(webhook_id, ''), recipient,
	payload, status, attempts, next_attempt_at, last_error, last_status, created_at, delivered_at`

// DueDeliveries returns pending deliveries due at now, earliest first.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*tokenmint.Delivery, error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	return db.queryDeliveries(ctx, "due deliveries",
		`SELECT `+deliveryColumns+` FROM deliveries
		 WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
		toMicro(now), limit)
}

// ClaimDelivery counts an attempt of a due pending delivery and holds it
// until lockUntil. The conditions are in the UPDATE, so of two workers only
// one claims it.
func (db *DB) ClaimDelivery(ctx context.Context, id int64, now, lockUntil time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx,
		`UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?
		 WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?`,
		toMicro(lockUntil), id, toMicro(now))
	if err != nil {
		return false, wrap("claim delivery", err)
	}
	return affectedOne(res, "claim delivery")
}

// FinishDelivery saves the outcome of an attempt if its claim still
// stands: a claim leaves next_attempt_at at its lockUntil, and any later
// claim or finish moves it.
func (db *DB) FinishDelivery(ctx context.Context, d *tokenmint.Delivery, claimedUntil time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx,
		`UPDATE deliveries SET status = ?, next_attempt_at = ?, last_error = ?, last_status = ?, delivered_at = ?
		 WHERE id = ? AND status = 'pending' AND next_attempt_at = ?`,
		deliveryStatus(d.Status), toMicro(d.NextAttemptAt), d.LastError, d.LastStatus, toNullMicro(d.DeliveredAt),
		d.ID, toMicro(claimedUntil))
	if err != nil {
		return false, wrap("finish delivery", err)
	}
	return affectedOne(res, "finish delivery")
}

// ListDeliveries returns deliveries matching f, newest first.
func (db *DB) ListDeliveries(ctx context.Context, f tokenmint.DeliveryFilter) ([]*tokenmint.Delivery, error) {
	var c conditions
	c.eq("tenant_id", f.TenantID)
	c.eq("webhook_id", f.WebhookID)
	c.eq("channel", f.Channel)
	c.eq("status", f.Status)
	if f.BeforeID > 0 {
		c.add("id < ?", f.BeforeID)
	}
	q := `SELECT ` + deliveryColumns + ` FROM deliveries` + c.where() + ` ORDER BY id DESC LIMIT ?`
	return db.queryDeliveries(ctx, "list deliveries", q, append(c.args, listLimit(f.Limit))...)
}

func (db *DB) queryDeliveries(ctx context.Context, op, q string, args ...any) ([]*tokenmint.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []*tokenmint.Delivery{}
	for rows.Next() {
		var d tokenmint.Delivery
		var next, created int64
		var delivered sql.NullInt64
		if err := rows.Scan(&d.ID, &d.TenantID, &d.EventID, &d.EventType, &d.Channel, &d.WebhookID, &d.Recipient,
			&d.Payload, &d.Status, &d.Attempts, &next, &d.LastError, &d.LastStatus, &created, &delivered); err != nil {
			return nil, wrap(op, err)
		}
		d.NextAttemptAt, d.CreatedAt, d.DeliveredAt = fromMicro(next), fromMicro(created), fromNullMicro(delivered)
		out = append(out, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// PurgeOutbox deletes finished events dispatched before the given time;
// their deliveries go with them through ON DELETE CASCADE.
func (db *DB) PurgeOutbox(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx,
		`DELETE FROM events WHERE dispatched_at IS NOT NULL AND dispatched_at < ?
		   AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id AND d.status = 'pending')`,
		toMicro(before))
	if err != nil {
		return 0, wrap("purge outbox", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("purge outbox", err)
}
