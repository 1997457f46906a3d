package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"tokenmint"
)

const applicationColumns = `id, tenant_id, name, description, access_types, enabled, created_at, updated_at, default_allowed_cidrs`

// CreateApplication stores a new application; a name taken in the tenant
// is ECONFLICT.
func (db *DB) CreateApplication(ctx context.Context, a *tokenmint.Application) error {
	ats, err := encodeStrings(a.AccessTypes)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx,
		`INSERT INTO applications (`+applicationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.TenantID, a.Name, a.Description, ats, a.Enabled, toMicro(a.CreatedAt), toMicro(a.UpdatedAt),
		a.DefaultAllowedCIDRs.String())
	return writeErr(err, "application", "create application")
}

// UpdateApplication saves name, description, access types, enabled,
// default allowed networks and updated_at.
func (db *DB) UpdateApplication(ctx context.Context, a *tokenmint.Application) error {
	ats, err := encodeStrings(a.AccessTypes)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx,
		`UPDATE applications SET name = ?, description = ?, access_types = ?, enabled = ?, updated_at = ?,
		        default_allowed_cidrs = ?
		 WHERE tenant_id = ? AND id = ?`,
		a.Name, a.Description, ats, a.Enabled, toMicro(a.UpdatedAt), a.DefaultAllowedCIDRs.String(), a.TenantID, a.ID)
	if err != nil {
		return writeErr(err, "application", "update application")
	}
	return checkAffected(res, "application", "update application")
}

// ApplicationByID returns the application with the ID in the tenant.
func (db *DB) ApplicationByID(ctx context.Context, tenantID, id string) (*tokenmint.Application, error) {
	return scanApplication(db.read.QueryRowContext(ctx,
		`SELECT `+applicationColumns+` FROM applications WHERE tenant_id = ? AND id = ?`, tenantID, id))
}

// ApplicationByName returns the application with the name in the tenant,
// without regard to case: names are unique that way (migration 0007).
func (db *DB) ApplicationByName(ctx context.Context, tenantID, name string) (*tokenmint.Application, error) {
	return scanApplication(db.read.QueryRowContext(ctx,
		`SELECT `+applicationColumns+` FROM applications WHERE tenant_id = ? AND lower(name) = lower(?)`, tenantID, name))
}

// ListApplications returns the tenant's applications by name.
func (db *DB) ListApplications(ctx context.Context, tenantID string, pg tokenmint.Page) ([]*tokenmint.Application, error) {
	var c conditions
	c.add("tenant_id = ?", tenantID)
	tail, args := paged(c, "id", pg)
	rows, err := db.read.QueryContext(ctx, `SELECT `+applicationColumns+` FROM applications`+tail, args...)
	if err != nil {
		return nil, wrap("list applications", err)
	}
	defer rows.Close()
	out := []*tokenmint.Application{}
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, wrap("list applications", rows.Err())
}

// DeleteApplication removes the application; its client credentials go
// with it through ON DELETE CASCADE.
func (db *DB) DeleteApplication(ctx context.Context, tenantID, id string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM applications WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return wrap("delete application", err)
	}
	return checkAffected(res, "application", "delete application")
}

func scanApplication(s scanner) (*tokenmint.Application, error) {
	var a tokenmint.Application
	var ats string
	var created, updated int64
	var cidrs string
	if err := s.Scan(&a.ID, &a.TenantID, &a.Name, &a.Description, &ats, &a.Enabled, &created, &updated, &cidrs); err != nil {
		return nil, readErr(err, "application", "read application")
	}
	var err error
	if a.DefaultAllowedCIDRs, err = tokenmint.ParseStoredCIDRs(cidrs); err != nil {
		return nil, fmt.Errorf("sqlite: application %s: default_allowed_cidrs: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(ats), &a.AccessTypes); err != nil {
		return nil, fmt.Errorf("sqlite: application %s: decode access types: %w", a.ID, err)
	}
	if a.AccessTypes == nil {
		a.AccessTypes = []string{}
	}
	a.CreatedAt, a.UpdatedAt = fromMicro(created), fromMicro(updated)
	return &a, nil
}

func encodeStrings(ss []string) (string, error) {
	if ss == nil {
		ss = []string{}
	}
	b, err := json.Marshal(ss)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode list: %w", err)
	}
	return string(b), nil
}

const credentialColumns = `id, tenant_id, application_id, client_id, secret_hash, prefix, created_at, revoked_at, last_used_at`

// CreateClientCredential stores a credential with the hash of its secret.
func (db *DB) CreateClientCredential(ctx context.Context, c *tokenmint.ClientCredential) error {
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO client_credentials (`+credentialColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.TenantID, c.ApplicationID, c.ClientID, c.SecretHash, c.Prefix,
		toMicro(c.CreatedAt), toNullMicro(c.RevokedAt), toNullMicro(c.LastUsedAt))
	return writeErr(err, "client credential", "create client credential")
}

// ClientCredentialByClientID returns a credential with its secret hash.
func (db *DB) ClientCredentialByClientID(ctx context.Context, clientID string) (*tokenmint.ClientCredential, error) {
	return scanCredential(db.read.QueryRowContext(ctx,
		`SELECT `+credentialColumns+` FROM client_credentials WHERE client_id = ?`, clientID))
}

// ListClientCredentials returns an application's credentials, oldest first.
func (db *DB) ListClientCredentials(ctx context.Context, tenantID, applicationID string, pg tokenmint.Page) ([]*tokenmint.ClientCredential, error) {
	var c conditions
	c.add("tenant_id = ?", tenantID)
	c.add("application_id = ?", applicationID)
	tail, args := paged(c, "id", pg)
	rows, err := db.read.QueryContext(ctx, `SELECT `+credentialColumns+` FROM client_credentials`+tail, args...)
	if err != nil {
		return nil, wrap("list client credentials", err)
	}
	defer rows.Close()
	out := []*tokenmint.ClientCredential{}
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, err
		}
		c.SecretHash = nil
		out = append(out, c)
	}
	return out, wrap("list client credentials", rows.Err())
}

// RevokeClientCredential marks a credential revoked; the first revocation
// time stays.
func (db *DB) RevokeClientCredential(ctx context.Context, tenantID, applicationID, id string, now time.Time) error {
	res, err := db.write.ExecContext(ctx,
		`UPDATE client_credentials SET revoked_at = COALESCE(revoked_at, ?)
		 WHERE tenant_id = ? AND application_id = ? AND id = ?`, toMicro(now), tenantID, applicationID, id)
	if err != nil {
		return wrap("revoke client credential", err)
	}
	return checkAffected(res, "client credential", "revoke client credential")
}

// TouchClientCredential records a successful authentication.
func (db *DB) TouchClientCredential(ctx context.Context, id string, at time.Time) error {
	_, err := db.write.ExecContext(ctx,
		`UPDATE client_credentials SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		toMicro(at), id, toMicro(at))
	return wrap("touch client credential", err)
}

func scanCredential(s scanner) (*tokenmint.ClientCredential, error) {
	var c tokenmint.ClientCredential
	var created int64
	var revoked, lastUsed sql.NullInt64
	if err := s.Scan(&c.ID, &c.TenantID, &c.ApplicationID, &c.ClientID, &c.SecretHash, &c.Prefix, &created, &revoked, &lastUsed); err != nil {
		return nil, readErr(err, "client credential", "read client credential")
	}
	c.CreatedAt, c.RevokedAt, c.LastUsedAt = fromMicro(created), fromNullMicro(revoked), fromNullMicro(lastUsed)
	return &c, nil
}
