package sqlite

import (
	"context"
	"strings"

	"tokenmint"
)

const projectColumns = `id, tenant_id, name, description, created_at`

// CreateProject stores a new project; a name taken in the tenant is
// ECONFLICT.
func (db *DB) CreateProject(ctx context.Context, p *tokenmint.Project) error {
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO projects (`+projectColumns+`) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.TenantID, p.Name, p.Description, toMicro(p.CreatedAt))
	return writeErr(err, "project", "create project")
}

// ProjectByID returns the project with the ID in the tenant.
func (db *DB) ProjectByID(ctx context.Context, tenantID, id string) (*tokenmint.Project, error) {
	row := db.read.QueryRowContext(ctx,
		`SELECT `+projectColumns+` FROM projects WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return scanProject(row)
}

// ProjectByName returns the project with the name in the tenant.
func (db *DB) ProjectByName(ctx context.Context, tenantID, name string) (*tokenmint.Project, error) {
	row := db.read.QueryRowContext(ctx,
		`SELECT `+projectColumns+` FROM projects WHERE tenant_id = ? AND name = ?`, tenantID, name)
	return scanProject(row)
}

// ListProjects returns the projects of the tenant ordered by name.
func (db *DB) ListProjects(ctx context.Context, f tokenmint.ProjectFilter) ([]*tokenmint.Project, error) {
	var c conditions
	c.add("tenant_id = ?", f.TenantID)
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return []*tokenmint.Project{}, nil
		}
		ids := make([]any, len(f.IDs))
		for i, id := range f.IDs {
			ids[i] = id
		}
		c.add("id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", ids...)
	}
	tail, args := paged(c, "id", f.Page)
	rows, err := db.read.QueryContext(ctx, `SELECT `+projectColumns+` FROM projects`+tail, args...)
	if err != nil {
		return nil, wrap("list projects", err)
	}
	defer rows.Close()
	projects := []*tokenmint.Project{}
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, err
		}
		projects = append(projects, p)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list projects", err)
	}
	return projects, nil
}

// UpdateProject saves a project's name and description.
func (db *DB) UpdateProject(ctx context.Context, p *tokenmint.Project) error {
	res, err := db.write.ExecContext(ctx,
		`UPDATE projects SET name = ?, description = ? WHERE tenant_id = ? AND id = ?`, p.Name, p.Description, p.TenantID, p.ID)
	if err != nil {
		return writeErr(err, "project", "update project")
	}
	return checkAffected(res, "project", "update project")
}

// DeleteProject removes the project; its memberships go with it through
// ON DELETE CASCADE.
func (db *DB) DeleteProject(ctx context.Context, tenantID, id string) error {
	res, err := db.write.ExecContext(ctx,
		`DELETE FROM projects WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return wrap("delete project", err)
	}
	return checkAffected(res, "project", "delete project")
}

func scanProject(s scanner) (*tokenmint.Project, error) {
	var p tokenmint.Project
	var created int64
	if err := s.Scan(&p.ID, &p.TenantID, &p.Name, &p.Description, &created); err != nil {
		return nil, readErr(err, "project", "read project")
	}
	p.CreatedAt = fromMicro(created)
	return &p, nil
}
