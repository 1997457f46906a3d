package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// Roles are a text[] column: a user holds a handful of built-in roles, read
// and written together.

const userColumns = `id, tenant_id, username, email, password_hash, roles, enabled, created_at, updated_at`

// CreateUser stores a new user; a username taken in the tenant is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *tokenmint.User) error {
	_, err := db.pool.Exec(ctx,
		`INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, u.TenantID, u.Username, u.Email, u.PasswordHash, roles(u.Roles), u.Enabled,
		u.CreatedAt, u.UpdatedAt)
	return writeErr(err, "user", "create user")
}

// UpdateUser saves email, password hash, roles, enabled and updated_at of
// the user with u.ID in u.TenantID. The username and creation time never
// change.
func (db *DB) UpdateUser(ctx context.Context, u *tokenmint.User) error {
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx,
			`UPDATE users SET email = $1, password_hash = $2, roles = $3, enabled = $4, updated_at = $5
			 WHERE tenant_id = $6 AND id = $7`,
			u.Email, u.PasswordHash, roles(u.Roles), u.Enabled, u.UpdatedAt, u.TenantID, u.ID)
		if err != nil {
			return wrap("update user", err)
		}
		return checkAffected(tag, "user")
	})
}

// UserByID returns the user with the ID in the tenant.
func (db *DB) UserByID(ctx context.Context, tenantID, id string) (*tokenmint.User, error) {
	row := db.pool.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return scanUser(row)
}

// UserByUsername returns the user with the username in the tenant.
func (db *DB) UserByUsername(ctx context.Context, tenantID, username string) (*tokenmint.User, error) {
	row := db.pool.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE tenant_id = $1 AND username = $2`, tenantID, username)
	return scanUser(row)
}

// ListUsers returns the users of the tenant ordered by username.
func (db *DB) ListUsers(ctx context.Context, tenantID string, pg tokenmint.Page) ([]*tokenmint.User, error) {
	var c conditions
	c.add("tenant_id = " + c.param(tenantID))
	tail, args := paged(c, "id", pg)
	rows, err := db.pool.Query(ctx, `SELECT `+userColumns+` FROM users`+tail, args...)
	if err != nil {
		return nil, wrap("list users", err)
	}
	users, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.User, error) {
		return scanUser(row)
	})
	if err != nil {
		return nil, wrap("list users", err)
	}
	if users == nil {
		users = []*tokenmint.User{}
	}
	return users, nil
}

func scanUser(row pgx.Row) (*tokenmint.User, error) {
	var u tokenmint.User
	if err := row.Scan(&u.ID, &u.TenantID, &u.Username, &u.Email, &u.PasswordHash,
		&u.Roles, &u.Enabled, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, readErr(err, "user", "read user")
	}
	if u.Roles == nil {
		u.Roles = []string{}
	}
	u.CreatedAt, u.UpdatedAt = utc(u.CreatedAt), utc(u.UpdatedAt)
	return &u, nil
}

// roles stores no roles as an empty array, never NULL.
func roles(r []string) []string {
	if r == nil {
		return []string{}
	}
	return r
}
