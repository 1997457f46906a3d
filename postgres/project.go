package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"tokenmint"
)

const projectColumns = `id, tenant_id, name, description, created_at`

// CreateProject stores a new project; a name taken in the tenant is
// ECONFLICT.
func (db *DB) CreateProject(ctx context.Context, p *tokenmint.Project) error {
	return db.announced(ctx, func(q execer) error {
		_, err := q.Exec(ctx,
			`INSERT INTO projects (`+projectColumns+`) VALUES ($1, $2, $3, $4, $5)`,
			p.ID, p.TenantID, p.Name, p.Description, p.CreatedAt)
		return writeErr(err, "project", "create project")
	})
}

// ProjectByID returns the project with the ID in the tenant.
func (db *DB) ProjectByID(ctx context.Context, tenantID, id string) (*tokenmint.Project, error) {
	row := db.pool.QueryRow(ctx,
		`SELECT `+projectColumns+` FROM projects WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return scanProject(row)
}

// ProjectByName returns the project with the name in the tenant.
func (db *DB) ProjectByName(ctx context.Context, tenantID, name string) (*tokenmint.Project, error) {
	row := db.pool.QueryRow(ctx,
		`SELECT `+projectColumns+` FROM projects WHERE tenant_id = $1 AND name = $2`, tenantID, name)
	return scanProject(row)
}

// ListProjects returns the projects of the tenant ordered by name.
func (db *DB) ListProjects(ctx context.Context, f tokenmint.ProjectFilter) ([]*tokenmint.Project, error) {
	var c conditions
	c.add("tenant_id = " + c.param(f.TenantID))
	if f.IDs != nil {
		c.add("id = ANY(" + c.param(f.IDs) + ")")
	}
	tail, args := paged(c, "id", f.Page)
	rows, err := db.pool.Query(ctx, `SELECT `+projectColumns+` FROM projects`+tail, args...)
	if err != nil {
		return nil, wrap("list projects", err)
	}
	projects, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*tokenmint.Project, error) {
		return scanProject(row)
	})
	if err != nil {
		return nil, wrap("list projects", err)
	}
	if projects == nil {
		projects = []*tokenmint.Project{}
	}
	return projects, nil
}

// UpdateProject saves a project's name and description.
func (db *DB) UpdateProject(ctx context.Context, p *tokenmint.Project) error {
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx,
			`UPDATE projects SET name = $1, description = $2 WHERE tenant_id = $3 AND id = $4`, p.Name, p.Description, p.TenantID, p.ID)
		if err != nil {
			return writeErr(err, "project", "update project")
		}
		return checkAffected(tag, "project")
	})
}

// DeleteProject removes the project; its memberships go with it through
// ON DELETE CASCADE.
func (db *DB) DeleteProject(ctx context.Context, tenantID, id string) error {
	return db.announced(ctx, func(q execer) error {
		tag, err := q.Exec(ctx,
			`DELETE FROM projects WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		if err != nil {
			return wrap("delete project", err)
		}
		return checkAffected(tag, "project")
	})
}

func scanProject(row pgx.Row) (*tokenmint.Project, error) {
	var p tokenmint.Project
	if err := row.Scan(&p.ID, &p.TenantID, &p.Name, &p.Description, &p.CreatedAt); err != nil {
		return nil, readErr(err, "project", "read project")
	}
	p.CreatedAt = utc(p.CreatedAt)
	return &p, nil
}
