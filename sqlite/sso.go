package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"tokenmint"
)

const ssoProviderColumns = `tenant_id, name, issuer_url, client_id, sealed_client_secret, scopes,
	groups_claim, mappings, local_passwords_disabled, break_glass_user, created_at, updated_at`

// PutSSOProvider creates or replaces the tenant's identity provider; the
// creation time of a replaced one stays.
func (db *DB) PutSSOProvider(ctx context.Context, p *tokenmint.SSOProvider) error {
	scopes, err := json.Marshal(p.Scopes)
	if err != nil {
		return err
	}
	mappings, err := json.Marshal(p.Mappings)
	if err != nil {
		return err
	}
	sealed := p.SealedClientSecret
	if sealed == nil {
		sealed = []byte{}
	}
	_, err = db.write.ExecContext(ctx,
		`INSERT INTO sso_providers (`+ssoProviderColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (tenant_id) DO UPDATE SET name = excluded.name, issuer_url = excluded.issuer_url,
		   client_id = excluded.client_id, sealed_client_secret = excluded.sealed_client_secret,
		   scopes = excluded.scopes, groups_claim = excluded.groups_claim, mappings = excluded.mappings,
		   local_passwords_disabled = excluded.local_passwords_disabled,
		   break_glass_user = excluded.break_glass_user, updated_at = excluded.updated_at`,
		p.TenantID, p.Name, p.IssuerURL, p.ClientID, sealed, string(scopes), p.GroupsClaim,
		string(mappings), p.LocalPasswordsDisabled, p.BreakGlassUser, toMicro(p.CreatedAt), toMicro(p.UpdatedAt))
	return writeErr(err, "tenant", "put sso provider")
}

// SSOProviderByTenant returns the tenant's identity provider.
func (db *DB) SSOProviderByTenant(ctx context.Context, tenantID string) (*tokenmint.SSOProvider, error) {
	p := tokenmint.SSOProvider{}
	var scopes, mappings string
	var created, updated int64
	err := db.read.QueryRowContext(ctx,
		`SELECT `+ssoProviderColumns+` FROM sso_providers WHERE tenant_id = ?`, tenantID).
		Scan(&p.TenantID, &p.Name, &p.IssuerURL, &p.ClientID, &p.SealedClientSecret, &scopes,
			&p.GroupsClaim, &mappings, &p.LocalPasswordsDisabled, &p.BreakGlassUser, &created, &updated)
	if err != nil {
		return nil, readErr(err, "single sign-on provider", "read sso provider")
	}
	if err := json.Unmarshal([]byte(scopes), &p.Scopes); err != nil {
		return nil, wrap("read sso provider scopes", err)
	}
	if err := json.Unmarshal([]byte(mappings), &p.Mappings); err != nil {
		return nil, wrap("read sso provider mappings", err)
	}
	p.CreatedAt, p.UpdatedAt = fromMicro(created), fromMicro(updated)
	if len(p.SealedClientSecret) == 0 {
		p.SealedClientSecret = nil // a public client
	}
	return &p, nil
}

// DeleteSSOProvider removes the tenant's identity provider.
func (db *DB) DeleteSSOProvider(ctx context.Context, tenantID string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM sso_providers WHERE tenant_id = ?`, tenantID)
	if err != nil {
		return wrap("delete sso provider", err)
	}
	return checkAffected(res, "single sign-on provider", "delete sso provider")
}

// CreateSSOLogin stores a sign-in in progress.
func (db *DB) CreateSSOLogin(ctx context.Context, l *tokenmint.SSOLogin) error {
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO sso_logins (state_hash, tenant_id, nonce, verifier, redirect_uri, next, created_at, expires_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		l.StateHash, l.TenantID, l.Nonce, l.Verifier, l.RedirectURI, l.Next, toMicro(l.CreatedAt), toMicro(l.ExpiresAt))
	return writeErr(err, "sign-in", "create sso login")
}

// TakeSSOLogin returns and deletes the sign-in with the hash; the single
// write connection makes the read and the delete one step.
func (db *DB) TakeSSOLogin(ctx context.Context, stateHash []byte, before time.Time) (*tokenmint.SSOLogin, error) {
	var l *tokenmint.SSOLogin
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sso_logins WHERE expires_at < ? AND state_hash <> ?`, toMicro(before), stateHash); err != nil {
			return wrap("prune sso logins", err)
		}
		x := tokenmint.SSOLogin{}
		var created, expires int64
		err := tx.QueryRowContext(ctx,
			`DELETE FROM sso_logins WHERE state_hash = ?
			 RETURNING state_hash, tenant_id, nonce, verifier, redirect_uri, next, created_at, expires_at`, stateHash).
			Scan(&x.StateHash, &x.TenantID, &x.Nonce, &x.Verifier, &x.RedirectURI, &x.Next, &created, &expires)
		if err != nil {
			return readErr(err, "sign-in", "take sso login")
		}
		x.CreatedAt, x.ExpiresAt = fromMicro(created), fromMicro(expires)
		l = &x
		return nil
	})
	return l, err
}

// CreateSSOUser stores a user and its identity in one transaction.
func (db *DB) CreateSSOUser(ctx context.Context, u *tokenmint.User, id *tokenmint.UserIdentity) error {
	roles, err := encodeRoles(u.Roles)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.TenantID, u.Username, u.Email, u.PasswordHash, roles, u.Enabled,
			toMicro(u.CreatedAt), toMicro(u.UpdatedAt))
		if err != nil {
			return writeErr(err, "user", "create sso user")
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO user_identities (tenant_id, user_id, issuer, subject, created_at) VALUES (?, ?, ?, ?, ?)`,
			id.TenantID, id.UserID, id.Issuer, id.Subject, toMicro(id.CreatedAt))
		return writeErr(err, "user identity", "create user identity")
	})
}

// UserIdentityBySubject finds the identity of a provider's subject.
func (db *DB) UserIdentityBySubject(ctx context.Context, tenantID, issuer, subject string) (*tokenmint.UserIdentity, error) {
	x := tokenmint.UserIdentity{}
	var created int64
	err := db.read.QueryRowContext(ctx,
		`SELECT tenant_id, user_id, issuer, subject, created_at FROM user_identities
		 WHERE tenant_id = ? AND issuer = ? AND subject = ?`, tenantID, issuer, subject).
		Scan(&x.TenantID, &x.UserID, &x.Issuer, &x.Subject, &created)
	if err != nil {
		return nil, readErr(err, "user identity", "read user identity")
	}
	x.CreatedAt = fromMicro(created)
	return &x, nil
}
