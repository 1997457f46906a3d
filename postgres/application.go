package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

const applicationColumns = `id, tenant_id, name, description, access_types, enabled, created_at, updated_at, default_allowed_cidrs`

// CreateApplication stores a new application; a name taken in the tenant
// is ECONFLICT.
func (db *DB) CreateApplication(ctx context.Context, a *tokenmint.Application) error {
	_, err := db.pool.Exec(ctx,
		`INSERT INTO applications (`+applicationColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.ID, a.TenantID, a.Name, a.Description, nonNil(a.AccessTypes), a.Enabled, a.CreatedAt, a.UpdatedAt,
		a.DefaultAllowedCIDRs.String())
	return writeErr(err, "application", "create application")
}

// UpdateApplication saves name, description, access types, enabled,
// default allowed networks and updated_at.
func (db *DB) UpdateApplication(ctx context.Context, a *tokenmint.Application) error {
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx,
			`UPDATE applications SET name = $1, description = $2, access_types = $3, enabled = $4, updated_at = $5,
			        default_allowed_cidrs = $8
			 WHERE tenant_id = $6 AND id = $7`,
			a.Name, a.Description, nonNil(a.AccessTypes), a.Enabled, a.UpdatedAt, a.TenantID, a.ID,
			a.DefaultAllowedCIDRs.String())
		if err != nil {
			return writeErr(err, "application", "update application")
		}
		return checkAffected(tag, "application")
	})
}

// ApplicationByID returns the application with the ID in the tenant.
func (db *DB) ApplicationByID(ctx context.Context, tenantID, id string) (*tokenmint.Application, error) {
	return scanApplication(db.pool.QueryRow(ctx,
		`SELECT `+applicationColumns+` FROM applications WHERE tenant_id = $1 AND id = $2`, tenantID, id))
}

// ApplicationByName returns the application with the name in the tenant,
// without regard to case: names are unique that way (migration 0007).
func (db *DB) ApplicationByName(ctx context.Context, tenantID, name string) (*tokenmint.Application, error) {
	return scanApplication(db.pool.QueryRow(ctx,
		`SELECT `+applicationColumns+` FROM applications WHERE tenant_id = $1 AND lower(name) = lower($2)`, tenantID, name))
}

// ListApplications returns the tenant's applications by name.
func (db *DB) ListApplications(ctx context.Context, tenantID string, pg tokenmint.Page) ([]*tokenmint.Application, error) {
	var c conditions
	c.add("tenant_id = " + c.param(tenantID))
	tail, args := paged(c, "id", pg)
	rows, err := db.pool.Query(ctx, `SELECT `+applicationColumns+` FROM applications`+tail, args...)
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
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx, `DELETE FROM applications WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		if err != nil {
			return wrap("delete application", err)
		}
		return checkAffected(tag, "application")
	})
}

func scanApplication(row pgx.Row) (*tokenmint.Application, error) {
	var a tokenmint.Application
	var cidrs string
	if err := row.Scan(&a.ID, &a.TenantID, &a.Name, &a.Description, &a.AccessTypes, &a.Enabled,
		&a.CreatedAt, &a.UpdatedAt, &cidrs); err != nil {
		return nil, readErr(err, "application", "read application")
	}
	var err error
	if a.DefaultAllowedCIDRs, err = tokenmint.ParseStoredCIDRs(cidrs); err != nil {
		return nil, fmt.Errorf("postgres: application %s: default_allowed_cidrs: %w", a.ID, err)
	}
	a.AccessTypes = nonNil(a.AccessTypes)
	a.CreatedAt, a.UpdatedAt = utc(a.CreatedAt), utc(a.UpdatedAt)
	return &a, nil
}

// nonNil returns ss, or an empty slice for nil, so that a list column is
// never NULL and always reads back as [].
func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

const credentialColumns = `id, tenant_id, application_id, client_id, secret_hash, prefix, created_at, revoked_at, last_used_at`

// CreateClientCredential stores a credential with the hash of its secret.
func (db *DB) CreateClientCredential(ctx context.Context, c *tokenmint.ClientCredential) error {
	_, err := db.pool.Exec(ctx,
		`INSERT INTO client_credentials (`+credentialColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, c.TenantID, c.ApplicationID, c.ClientID, c.SecretHash, c.Prefix, c.CreatedAt, c.RevokedAt, c.LastUsedAt)
	return writeErr(err, "client credential", "create client credential")
}

// ClientCredentialByClientID returns a credential with its secret hash.
func (db *DB) ClientCredentialByClientID(ctx context.Context, clientID string) (*tokenmint.ClientCredential, error) {
	return scanCredential(db.pool.QueryRow(ctx,
		`SELECT `+credentialColumns+` FROM client_credentials WHERE client_id = $1`, clientID))
}

// ListClientCredentials returns an application's credentials, oldest first.
func (db *DB) ListClientCredentials(ctx context.Context, tenantID, applicationID string, pg tokenmint.Page) ([]*tokenmint.ClientCredential, error) {
	var c conditions
	c.add("tenant_id = " + c.param(tenantID))
	c.add("application_id = " + c.param(applicationID))
	tail, args := paged(c, "id", pg)
	rows, err := db.pool.Query(ctx, `SELECT `+credentialColumns+` FROM client_credentials`+tail, args...)
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
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx,
			`UPDATE client_credentials SET revoked_at = COALESCE(revoked_at, $1)
			 WHERE tenant_id = $2 AND application_id = $3 AND id = $4`, now, tenantID, applicationID, id)
		if err != nil {
			return wrap("revoke client credential", err)
		}
		return checkAffected(tag, "client credential")
	})
}

// TouchClientCredential records a successful authentication.
func (db *DB) TouchClientCredential(ctx context.Context, id string, at time.Time) error {
	_, err := db.pool.Exec(ctx,
		`UPDATE client_credentials SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)`, at, id)
	return wrap("touch client credential", err)
}

func scanCredential(row pgx.Row) (*tokenmint.ClientCredential, error) {
	var c tokenmint.ClientCredential
	if err := row.Scan(&c.ID, &c.TenantID, &c.ApplicationID, &c.ClientID, &c.SecretHash, &c.Prefix,
		&c.CreatedAt, &c.RevokedAt, &c.LastUsedAt); err != nil {
		return nil, readErr(err, "client credential", "read client credential")
	}
	c.CreatedAt, c.RevokedAt, c.LastUsedAt = utc(c.CreatedAt), utcPtr(c.RevokedAt), utcPtr(c.LastUsedAt)
	return &c, nil
}
