package sqlite

import (
	"context"

	"tokenmint"
)

// PutMembership creates or replaces the user's role on the project. The
// project and the user must exist in m.TenantID; otherwise it is
// ENOTFOUND (the foreign keys include the tenant).
func (db *DB) PutMembership(ctx context.Context, m *tokenmint.Membership) error {
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO memberships (tenant_id, project_id, user_id, role, created_at)
		 VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (project_id, user_id) DO UPDATE SET
		   role = excluded.role, created_at = excluded.created_at`,
		m.TenantID, m.ProjectID, m.UserID, m.Role, toMicro(m.CreatedAt))
	if isForeignKey(err) {
		return tokenmint.Errorf(tokenmint.ENOTFOUND, "project or user not found")
	}
	return writeErr(err, "membership", "put membership")
}

// DeleteMembership removes the user's role on the project.
func (db *DB) DeleteMembership(ctx context.Context, tenantID, projectID, userID string) error {
	res, err := db.write.ExecContext(ctx,
		`DELETE FROM memberships WHERE tenant_id = ? AND project_id = ? AND user_id = ?`,
		tenantID, projectID, userID)
	if err != nil {
		return wrap("delete membership", err)
	}
	return checkAffected(res, "membership", "delete membership")
}

// ListMemberships returns the memberships that match every non-empty field
// of f, ordered by project then user.
func (db *DB) ListMemberships(ctx context.Context, f tokenmint.MembershipFilter) ([]*tokenmint.Membership, error) {
	var c conditions
	c.eq("tenant_id", f.TenantID)
	c.eq("project_id", f.ProjectID)
	c.eq("user_id", f.UserID)
	if f.AfterUserID != "" {
		c.add("user_id > ?", f.AfterUserID)
	}
	q := `SELECT tenant_id, project_id, user_id, role, created_at FROM memberships` + c.where() +
		` ORDER BY tenant_id, project_id, user_id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		c.args = append(c.args, f.Limit)
	}

	rows, err := db.read.QueryContext(ctx, q, c.args...)
	if err != nil {
		return nil, wrap("list memberships", err)
	}
	defer rows.Close()
	out := []*tokenmint.Membership{}
	for rows.Next() {
		var m tokenmint.Membership
		var created int64
		if err := rows.Scan(&m.TenantID, &m.ProjectID, &m.UserID, &m.Role, &created); err != nil {
			return nil, wrap("list memberships", err)
		}
		m.CreatedAt = fromMicro(created)
		out = append(out, &m)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list memberships", err)
	}
	return out, nil
}
