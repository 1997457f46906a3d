package postgres

import (
	"context"

	"tokenmint"
)

// CreateTenant stores a new tenant; a taken ID or name is ECONFLICT.
func (db *DB) CreateTenant(ctx context.Context, t *tokenmint.Tenant) error {
	_, err := db.pool.Exec(ctx,
		`INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)`,
		t.ID, t.Name, t.CreatedAt)
	return writeErr(err, "tenant", "create tenant")
}

// TenantByID returns the tenant with the ID.
func (db *DB) TenantByID(ctx context.Context, id string) (*tokenmint.Tenant, error) {
	return db.tenantWhere(ctx, `id = $1`, id)
}

// TenantByName returns the tenant with the name.
func (db *DB) TenantByName(ctx context.Context, name string) (*tokenmint.Tenant, error) {
	return db.tenantWhere(ctx, `name = $1`, name)
}

func (db *DB) tenantWhere(ctx context.Context, where string, arg any) (*tokenmint.Tenant, error) {
	var t tokenmint.Tenant
	err := db.pool.QueryRow(ctx,
		`SELECT id, name, created_at FROM tenants WHERE `+where, arg).
		Scan(&t.ID, &t.Name, &t.CreatedAt)
	if err != nil {
		return nil, readErr(err, "tenant", "read tenant")
	}
	t.CreatedAt = utc(t.CreatedAt)
	return &t, nil
}
