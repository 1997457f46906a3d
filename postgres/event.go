package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// AppendEvent stores the event and sets its ID.
func (db *DB) AppendEvent(ctx context.Context, ev *tokenmint.Event) error {
	return db.inTx(ctx, func(tx pgx.Tx) error { return appendEvent(ctx, tx, ev) })
}

// appendEvent inserts ev within tx; a nil event is nothing to append.
func appendEvent(ctx context.Context, tx pgx.Tx, ev *tokenmint.Event) error {
	if ev == nil {
		return nil
	}
	return tx.QueryRow(ctx,
		`INSERT INTO events (tenant_id, type, token_id, time, data, dispatched_at)
		 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		ev.TenantID, ev.Type, ev.TokenID, ev.Time, ev.Data, ev.DispatchedAt).Scan(&ev.ID)
}

// PendingEvents returns undispatched events, oldest first.
func (db *DB) PendingEvents(ctx context.Context, limit int) ([]*tokenmint.Event, error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	rows, err := db.pool.Query(ctx,
		`SELECT id, tenant_id, type, token_id, time, data, dispatched_at FROM events
		 WHERE dispatched_at IS NULL ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, wrap("pending events", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.Event, error) {
		var e tokenmint.Event
		err := row.Scan(&e.ID, &e.TenantID, &e.Type, &e.TokenID, &e.Time, &e.Data, &e.DispatchedAt)
		e.Time, e.DispatchedAt = utc(e.Time), utcPtr(e.DispatchedAt)
		return &e, err
	})
	if err != nil {
		return nil, wrap("pending events", err)
	}
	if out == nil {
		out = []*tokenmint.Event{}
	}
	return out, nil
}

// DispatchEvent marks the event dispatched and stores its deliveries, in
// one transaction; an event dispatched before changes nothing. Of two
// dispatchers racing, the later UPDATE waits for the earlier commit and
// then no longer matches.
func (db *DB) DispatchEvent(ctx context.Context, eventID int64, deliveries []*tokenmint.Delivery, now time.Time) (bool, error) {
	var done bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`UPDATE events SET dispatched_at = $1 WHERE id = $2 AND dispatched_at IS NULL`, now, eventID)
		if err != nil {
			return err
		}
		if done = tag.RowsAffected() > 0; !done {
			var one int
			return readErr(tx.QueryRow(ctx, `SELECT 1 FROM events WHERE id = $1`, eventID).Scan(&one), "event", "dispatch event")
		}
		for _, d := range deliveries {
			err := tx.QueryRow(ctx,
				`INSERT INTO deliveries (tenant_id, event_id, event_type, channel, webhook_id, recipient,
				        payload, status, attempts, next_attempt_at, last_error, last_status, created_at, delivered_at)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
				d.TenantID, eventID, d.EventType, d.Channel, nullString(d.WebhookID), d.Recipient,
				d.Payload, deliveryStatus(d.Status), d.Attempts, d.NextAttemptAt, d.LastError, d.LastStatus,
				d.CreatedAt, d.DeliveredAt).Scan(&d.ID)
			if err != nil {
				return writeErr(err, "delivery", "dispatch event")
			}
			d.EventID = eventID
		}
		return nil
	})
	return done, err
}

// nullString stores an empty string as NULL.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
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
		 WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`,
		now, limit)
}

// ClaimDelivery counts an attempt of a due pending delivery and holds it
// until lockUntil. The conditions are in the UPDATE, so of two workers only
// one claims it.
func (db *DB) ClaimDelivery(ctx context.Context, id int64, now, lockUntil time.Time) (bool, error) {
	tag, err := db.pool.Exec(ctx,
		`UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $1
		 WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3`,
		lockUntil, id, now)
	if err != nil {
		return false, wrap("claim delivery", err)
	}
	return tag.RowsAffected() > 0, nil
}

// FinishDelivery saves the outcome of an attempt if its claim still
// stands: a claim leaves next_attempt_at at its lockUntil, and any later
// claim or finish moves it.
func (db *DB) FinishDelivery(ctx context.Context, d *tokenmint.Delivery, claimedUntil time.Time) (bool, error) {
	tag, err := db.pool.Exec(ctx,
		`UPDATE deliveries SET status = $1, next_attempt_at = $2, last_error = $3, last_status = $4, delivered_at = $5
		 WHERE id = $6 AND status = 'pending' AND next_attempt_at = $7`,
		deliveryStatus(d.Status), d.NextAttemptAt, d.LastError, d.LastStatus, d.DeliveredAt, d.ID, claimedUntil)
	if err != nil {
		return false, wrap("finish delivery", err)
	}
	return tag.RowsAffected() > 0, nil
}

// ListDeliveries returns deliveries matching f, newest first.
func (db *DB) ListDeliveries(ctx context.Context, f tokenmint.DeliveryFilter) ([]*tokenmint.Delivery, error) {
	var c conditions
	c.eq("tenant_id", f.TenantID)
	c.eq("webhook_id", f.WebhookID)
	c.eq("channel", f.Channel)
	c.eq("status", f.Status)
	if f.BeforeID > 0 {
		c.add("id < " + c.param(f.BeforeID))
	}
	q := `SELECT ` + deliveryColumns + ` FROM deliveries` + c.where() + ` ORDER BY id DESC LIMIT ` + c.param(listLimit(f.Limit))
	return db.queryDeliveries(ctx, "list deliveries", q, c.args...)
}

func (db *DB) queryDeliveries(ctx context.Context, op, q string, args ...any) ([]*tokenmint.Delivery, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.Delivery, error) {
		var d tokenmint.Delivery
		err := row.Scan(&d.ID, &d.TenantID, &d.EventID, &d.EventType, &d.Channel, &d.WebhookID, &d.Recipient,
			&d.Payload, &d.Status, &d.Attempts, &d.NextAttemptAt, &d.LastError, &d.LastStatus, &d.CreatedAt, &d.DeliveredAt)
		d.NextAttemptAt, d.CreatedAt, d.DeliveredAt = utc(d.NextAttemptAt), utc(d.CreatedAt), utcPtr(d.DeliveredAt)
		return &d, err
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	if out == nil {
		out = []*tokenmint.Delivery{}
	}
	return out, nil
}

// PurgeOutbox deletes finished events dispatched before the given time;
// their deliveries go with them through ON DELETE CASCADE.
func (db *DB) PurgeOutbox(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx,
		`DELETE FROM events e WHERE e.dispatched_at IS NOT NULL AND e.dispatched_at < $1
		   AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending')`,
		before)
	if err != nil {
		return 0, wrap("purge outbox", err)
	}
	return tag.RowsAffected(), nil
}
