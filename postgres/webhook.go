package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// A webhook's event types are a text[] column, like user roles.

const webhookColumns = `id, tenant_id, url, events, enabled, sealed_secret, created_at, updated_at`

// CreateWebhook stores a new webhook; an unknown tenant is ENOTFOUND.
func (db *DB) CreateWebhook(ctx context.Context, w *tokenmint.Webhook) error {
	return db.announced(ctx, func(q execer) error {
		_, err := q.Exec(ctx,
			`INSERT INTO webhooks (`+webhookColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			w.ID, w.TenantID, w.URL, roles(w.Events), w.Enabled, w.SealedSecret, w.CreatedAt, w.UpdatedAt)
		return writeErr(err, "webhook", "create webhook")
	})
}

// UpdateWebhook saves url, events, enabled, the sealed secret and
// updated_at.
func (db *DB) UpdateWebhook(ctx context.Context, w *tokenmint.Webhook) error {
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx,
			`UPDATE webhooks SET url = $1, events = $2, enabled = $3, sealed_secret = $4, updated_at = $5
			 WHERE tenant_id = $6 AND id = $7`,
			w.URL, roles(w.Events), w.Enabled, w.SealedSecret, w.UpdatedAt, w.TenantID, w.ID)
		if err != nil {
			return wrap("update webhook", err)
		}
		return checkAffected(tag, "webhook")
	})
}

// WebhookByID returns the webhook with the ID in the tenant.
func (db *DB) WebhookByID(ctx context.Context, tenantID, id string) (*tokenmint.Webhook, error) {
	row := db.pool.QueryRow(ctx,
		`SELECT `+webhookColumns+` FROM webhooks WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return scanWebhook(row)
}

// ListWebhooks returns the tenant's webhooks, oldest first.
func (db *DB) ListWebhooks(ctx context.Context, tenantID string, pg tokenmint.Page) ([]*tokenmint.Webhook, error) {
	var c conditions
	c.add("tenant_id = " + c.param(tenantID))
	tail, args := paged(c, "id", pg)
	rows, err := db.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks`+tail, args...)
	if err != nil {
		return nil, wrap("list webhooks", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.Webhook, error) {
		return scanWebhook(row)
	})
	if err != nil {
		return nil, wrap("list webhooks", err)
	}
	if out == nil {
		out = []*tokenmint.Webhook{}
	}
	return out, nil
}

// DeleteWebhook removes the webhook; its deliveries go with it through ON
// DELETE CASCADE.
func (db *DB) DeleteWebhook(ctx context.Context, tenantID, id string) error {
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx, `DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		if err != nil {
			return wrap("delete webhook", err)
		}
		return checkAffected(tag, "webhook")
	})
}

func scanWebhook(row pgx.Row) (*tokenmint.Webhook, error) {
	var w tokenmint.Webhook
	if err := row.Scan(&w.ID, &w.TenantID, &w.URL, &w.Events, &w.Enabled, &w.SealedSecret, &w.CreatedAt, &w.UpdatedAt); err != nil {
		return nil, readErr(err, "webhook", "read webhook")
	}
	if w.Events == nil {
		w.Events = []string{}
	}
	w.CreatedAt, w.UpdatedAt = utc(w.CreatedAt), utc(w.UpdatedAt)
	return &w, nil
}
