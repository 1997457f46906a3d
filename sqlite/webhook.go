package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"tokenmint"
)

// A webhook's event types are stored as a JSON array, like user roles: a
// handful of names read and written together.

const webhookColumns = `id, tenant_id, url, events, enabled, sealed_secret, created_at, updated_at`

// CreateWebhook stores a new webhook; an unknown tenant is ENOTFOUND.
func (db *DB) CreateWebhook(ctx context.Context, w *tokenmint.Webhook) error {
	events, err := encodeRoles(w.Events)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx,
		`INSERT INTO webhooks (`+webhookColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.TenantID, w.URL, events, w.Enabled, w.SealedSecret, toMicro(w.CreatedAt), toMicro(w.UpdatedAt))
	return writeErr(err, "webhook", "create webhook")
}

// UpdateWebhook saves url, events, enabled, the sealed secret and
// updated_at.
func (db *DB) UpdateWebhook(ctx context.Context, w *tokenmint.Webhook) error {
	events, err := encodeRoles(w.Events)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx,
		`UPDATE webhooks SET url = ?, events = ?, enabled = ?, sealed_secret = ?, updated_at = ?
		 WHERE tenant_id = ? AND id = ?`,
		w.URL, events, w.Enabled, w.SealedSecret, toMicro(w.UpdatedAt), w.TenantID, w.ID)
	if err != nil {
		return wrap("update webhook", err)
	}
	return checkAffected(res, "webhook", "update webhook")
}

// WebhookByID returns the webhook with the ID in the tenant.
func (db *DB) WebhookByID(ctx context.Context, tenantID, id string) (*tokenmint.Webhook, error) {
	row := db.read.QueryRowContext(ctx,
		`SELECT `+webhookColumns+` FROM webhooks WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return scanWebhook(row)
}

// ListWebhooks returns the tenant's webhooks, oldest first.
func (db *DB) ListWebhooks(ctx context.Context, tenantID string, pg tokenmint.Page) ([]*tokenmint.Webhook, error) {
	var c conditions
	c.add("tenant_id = ?", tenantID)
	tail, args := paged(c, "id", pg)
	rows, err := db.read.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks`+tail, args...)
	if err != nil {
		return nil, wrap("list webhooks", err)
	}
	defer rows.Close()
	out := []*tokenmint.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list webhooks", err)
	}
	return out, nil
}

// DeleteWebhook removes the webhook; its deliveries go with it through ON
// DELETE CASCADE.
func (db *DB) DeleteWebhook(ctx context.Context, tenantID, id string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM webhooks WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return wrap("delete webhook", err)
	}
	return checkAffected(res, "webhook", "delete webhook")
}

func scanWebhook(s scanner) (*tokenmint.Webhook, error) {
	var w tokenmint.Webhook
	var events string
	var created, updated int64
	if err := s.Scan(&w.ID, &w.TenantID, &w.URL, &events, &w.Enabled, &w.SealedSecret, &created, &updated); err != nil {
		return nil, readErr(err, "webhook", "read webhook")
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return nil, fmt.Errorf("sqlite: webhook %s: decode events: %w", w.ID, err)
	}
	if w.Events == nil {
		w.Events = []string{}
	}
	w.CreatedAt, w.UpdatedAt = fromMicro(created), fromMicro(updated)
	return &w, nil
}
