package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

// PutMembership creates or replaces the user's role on the project. The
// project and the user must exist in m.TenantID; otherwise it is
// ENOTFOUND (the foreign keys include the tenant).
func (db *DB) PutMembership(ctx context.Context, m *tokenmint.Membership) error {
	return db.announced(ctx, func(q execer) error {
		_, err := q.Exec(ctx,
			`INSERT INTO memberships (tenant_id, project_id, user_id, role, created_at)
			 VALUES ($1, $2, $3, $4, $5)
			 ON CONFLICT (project_id, user_id) DO UPDATE SET
			   role = EXCLUDED.role, created_at = EXCLUDED.created_at`,
			m.TenantID, m.ProjectID, m.UserID, m.Role, m.CreatedAt)
		if sqlState(err) == codeForeignKeyViolation {
			return tokenmint.Errorf(tokenmint.ENOTFOUND, "project or user not found")
		}
		return writeErr(err, "membership", "put membership")
	})
}

// DeleteMembership removes the user's role on the project.
func (db *DB) DeleteMembership(ctx context.Context, tenantID, projectID, userID string) error {
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx,
			`DELETE FROM memberships WHERE tenant_id = $1 AND project_id = $2 AND user_id = $3`,
			tenantID, projectID, userID)
		if err != nil {
			return wrap("delete membership", err)
		}
		return checkAffected(tag, "membership")
	})
}

// ListMemberships returns the memberships that match every non-empty field
// of f, ordered by project then user.
func (db *DB) ListMemberships(ctx context.Context, f tokenmint.MembershipFilter) ([]*tokenmint.Membership, error) {
	var c conditions
	c.eq("tenant_id", f.TenantID)
	c.eq("project_id", f.ProjectID)
	c.eq("user_id", f.UserID)
	if f.AfterUserID != "" {
		c.add("user_id > " + c.param(f.AfterUserID))
	}
	q := `SELECT tenant_id, project_id, user_id, role, created_at FROM memberships` + c.where() +
		` ORDER BY tenant_id, project_id, user_id`
	if f.Limit > 0 {
		q += ` LIMIT ` + c.param(f.Limit)
	}

	rows, err := db.pool.Query(ctx, q, c.args...)
	if err != nil {
		return nil, wrap("list memberships", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.Membership, error) {
		var m tokenmint.Membership
		err := row.Scan(&m.TenantID, &m.ProjectID, &m.UserID, &m.Role, &m.CreatedAt)
		m.CreatedAt = utc(m.CreatedAt)
		return &m, err
	})
	if err != nil {
		return nil, wrap("list memberships", err)
	}
	if out == nil {
		out = []*tokenmint.Membership{}
	}
	return out, nil
}
