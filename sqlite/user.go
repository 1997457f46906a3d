package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"tokenmint"
)

// Roles are stored as a JSON array in one column: a user holds a handful
// of built-in roles, read and written together, never queried one by one.

const userColumns = `id, tenant_id, username, email, password_hash, roles, enabled, created_at, updated_at`

// CreateUser stores a new user; a username taken in the tenant is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *tokenmint.User) error {
	roles, err := encodeRoles(u.Roles)
	if err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx,
		`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.TenantID, u.Username, u.Email, u.PasswordHash, roles, u.Enabled,
		toMicro(u.CreatedAt), toMicro(u.UpdatedAt))
	return writeErr(err, "user", "create user")
}

// UpdateUser saves email, password hash, roles, enabled and updated_at of
// the user with u.ID in u.TenantID. The username and creation time never
// change.
func (db *DB) UpdateUser(ctx context.Context, u *tokenmint.User) error {
	roles, err := encodeRoles(u.Roles)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx,
		`UPDATE users SET email = ?, password_hash = ?, roles = ?, enabled = ?, updated_at = ?
		 WHERE tenant_id = ? AND id = ?`,
		u.Email, u.PasswordHash, roles, u.Enabled, toMicro(u.UpdatedAt), u.TenantID, u.ID)
	if err != nil {
		return wrap("update user", err)
	}
	return checkAffected(res, "user", "update user")
}

// UserByID returns the user with the ID in the tenant.
func (db *DB) UserByID(ctx context.Context, tenantID, id string) (*tokenmint.User, error) {
	row := db.read.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return scanUser(row)
}

// UserByUsername returns the user with the username in the tenant.
func (db *DB) UserByUsername(ctx context.Context, tenantID, username string) (*tokenmint.User, error) {
	row := db.read.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND username = ?`, tenantID, username)
	return scanUser(row)
}

// ListUsers returns the users of the tenant ordered by username.
func (db *DB) ListUsers(ctx context.Context, tenantID string, pg tokenmint.Page) ([]*tokenmint.User, error) {
	var c conditions
	c.add("tenant_id = ?", tenantID)
	tail, args := paged(c, "id", pg)
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users`+tail, args...)
	if err != nil {
		return nil, wrap("list users", err)
	}
	defer rows.Close()
	users := []*tokenmint.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list users", err)
	}
	return users, nil
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

func scanUser(s scanner) (*tokenmint.User, error) {
	var u tokenmint.User
	var roles string
	var created, updated int64
	if err := s.Scan(&u.ID, &u.TenantID, &u.Username, &u.Email, &u.PasswordHash,
		&roles, &u.Enabled, &created, &updated); err != nil {
		return nil, readErr(err, "user", "read user")
	}
	if err := json.Unmarshal([]byte(roles), &u.Roles); err != nil {
		return nil, fmt.Errorf("sqlite: user %s: decode roles: %w", u.ID, err)
	}
	if u.Roles == nil {
		u.Roles = []string{}
	}
	u.CreatedAt = fromMicro(created)
	u.UpdatedAt = fromMicro(updated)
	return &u, nil
}

func encodeRoles(roles []string) (string, error) {
	if roles == nil {
		roles = []string{}
	}
	b, err := json.Marshal(roles)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode roles: %w", err)
	}
	return string(b), nil
}
