package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

const ssoProviderColumns = `tenant_id, name, issuer_url, client_id, sealed_client_secret, scopes,
	groups_claim, mappings, local_passwords_disabled, break_glass_user, created_at, updated_at`

// PutSSOProvider creates or replaces the tenant's identity provider; the
// creation time of a replaced one stays.
func (db *DB) PutSSOProvider(ctx context.Context, p *tokenmint.SSOProvider) error {
	mappings, err := json.Marshal(p.Mappings)
	if err != nil {
		return err
	}
	sealed := p.SealedClientSecret
	if sealed == nil {
		sealed = []byte{}
	}
	scopes := p.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	_, err = db.pool.Exec(ctx,
		`INSERT INTO sso_providers (`+ssoProviderColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		 ON CONFLICT (tenant_id) DO UPDATE SET name = excluded.name, issuer_url = excluded.issuer_url,
		   client_id = excluded.client_id, sealed_client_secret = excluded.sealed_client_secret,
		   scopes = excluded.scopes, groups_claim = excluded.groups_claim, mappings = excluded.mappings,
		   local_passwords_disabled = excluded.local_passwords_disabled,
		   break_glass_user = excluded.break_glass_user, updated_at = excluded.updated_at`,
		p.TenantID, p.Name, p.IssuerURL, p.ClientID, sealed, scopes, p.GroupsClaim,
		string(mappings), p.LocalPasswordsDisabled, p.BreakGlassUser, p.CreatedAt, p.UpdatedAt)
	return writeErr(err, "tenant", "put sso provider")
}

// SSOProviderByTenant returns the tenant's identity provider.
func (db *DB) SSOProviderByTenant(ctx context.Context, tenantID string) (*tokenmint.SSOProvider, error) {
	p := tokenmint.SSOProvider{}
	var mappings []byte
	err := db.pool.QueryRow(ctx,
		`SELECT `+ssoProviderColumns+` FROM sso_providers WHERE tenant_id = $1`, tenantID).
		Scan(&p.TenantID, &p.Name, &p.IssuerURL, &p.ClientID, &p.SealedClientSecret, &p.Scopes,
			&p.GroupsClaim, &mappings, &p.LocalPasswordsDisabled, &p.BreakGlassUser, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return nil, readErr(err, "single sign-on provider", "read sso provider")
	}
	if err := json.Unmarshal(mappings, &p.Mappings); err != nil {
		return nil, wrap("read sso provider mappings", err)
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if len(p.SealedClientSecret) == 0 {
		p.SealedClientSecret = nil // a public client
	}
	return &p, nil
}

// DeleteSSOProvider removes the tenant's identity provider.
func (db *DB) DeleteSSOProvider(ctx context.Context, tenantID string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sso_providers WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return wrap("delete sso provider", err)
	}
	return checkAffected(tag, "single sign-on provider")
}

// CreateSSOLogin stores a sign-in in progress.
func (db *DB) CreateSSOLogin(ctx context.Context, l *tokenmint.SSOLogin) error {
	_, err := db.pool.Exec(ctx,
		`INSERT INTO sso_logins (state_hash, tenant_id, nonce, verifier, redirect_uri, next, created_at, expires_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		l.StateHash, l.TenantID, l.Nonce, l.Verifier, l.RedirectURI, l.Next, l.CreatedAt, l.ExpiresAt)
	return writeErr(err, "sign-in", "create sso login")
}

// TakeSSOLogin returns and deletes the sign-in with the hash. DELETE …
// RETURNING hands the row to one caller only: a concurrent second DELETE
// waits for the first to commit and then finds nothing.
func (db *DB) TakeSSOLogin(ctx context.Context, stateHash []byte, before time.Time) (*tokenmint.SSOLogin, error) {
	if _, err := db.pool.Exec(ctx, `DELETE FROM sso_logins WHERE expires_at < $1 AND state_hash <> $2`, before, stateHash); err != nil {
		return nil, wrap("prune sso logins", err)
	}
	x := tokenmint.SSOLogin{}
	err := db.pool.QueryRow(ctx,
		`DELETE FROM sso_logins WHERE state_hash = $1
		 RETURNING state_hash, tenant_id, nonce, verifier, redirect_uri, next, created_at, expires_at`, stateHash).
		Scan(&x.StateHash, &x.TenantID, &x.Nonce, &x.Verifier, &x.RedirectURI, &x.Next, &x.CreatedAt, &x.ExpiresAt)
	if err != nil {
		return nil, readErr(err, "sign-in", "take sso login")
	}
	x.CreatedAt, x.ExpiresAt = x.CreatedAt.UTC(), x.ExpiresAt.UTC()
	return &x, nil
}

// CreateSSOUser stores a user and its identity in one transaction.
func (db *DB) CreateSSOUser(ctx context.Context, u *tokenmint.User, id *tokenmint.UserIdentity) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx,
			`INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			u.ID, u.TenantID, u.Username, u.Email, u.PasswordHash, roles(u.Roles), u.Enabled,
			u.CreatedAt, u.UpdatedAt)
		if err != nil {
			return writeErr(err, "user", "create sso user")
		}
		_, err = tx.Exec(ctx,
			`INSERT INTO user_identities (tenant_id, user_id, issuer, subject, created_at) VALUES ($1, $2, $3, $4, $5)`,
			id.TenantID, id.UserID, id.Issuer, id.Subject, id.CreatedAt)
		return writeErr(err, "user identity", "create user identity")
	})
}

// UserIdentityBySubject finds the identity of a provider's subject.
func (db *DB) UserIdentityBySubject(ctx context.Context, tenantID, issuer, subject string) (*tokenmint.UserIdentity, error) {
	x := tokenmint.UserIdentity{}
	err := db.pool.QueryRow(ctx,
		`SELECT tenant_id, user_id, issuer, subject, created_at FROM user_identities
		 WHERE tenant_id = $1 AND issuer = $2 AND subject = $3`, tenantID, issuer, subject).
		Scan(&x.TenantID, &x.UserID, &x.Issuer, &x.Subject, &x.CreatedAt)
	if err != nil {
		return nil, readErr(err, "user identity", "read user identity")
	}
	x.CreatedAt = x.CreatedAt.UTC()
	return &x, nil
}
