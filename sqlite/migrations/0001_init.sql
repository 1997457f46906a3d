-- 0001_init: the first schema of tokenmint.
--
-- Times are INTEGER unix microseconds in UTC (NULL where a time is optional),
-- so comparisons and ordering are plain integer operations and the precision
-- is the same as PostgreSQL's timestamptz.

CREATE TABLE tenants (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);

-- UNIQUE (tenant_id, id) exists so that child tables can reference a user
-- together with its tenant: a row can then never point across tenants.
CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	username      TEXT NOT NULL,
	email         TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL DEFAULT '',
	roles         TEXT NOT NULL DEFAULT '[]', -- JSON array of role names
	enabled       INTEGER NOT NULL DEFAULT 1,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	UNIQUE (tenant_id, username),
	UNIQUE (tenant_id, id)
);

CREATE TABLE projects (
	id          TEXT PRIMARY KEY,
	tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	UNIQUE (tenant_id, name),
	UNIQUE (tenant_id, id)
);

-- Memberships reference project and user together with the tenant, so a
-- membership cannot join a project of one tenant to a user of another, and
-- deleting either side removes the membership.
CREATE TABLE memberships (
	tenant_id  TEXT NOT NULL,
	project_id TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	role       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (project_id, user_id),
	FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE,
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX memberships_user ON memberships (user_id);
CREATE INDEX memberships_tenant ON memberships (tenant_id, project_id, user_id);

CREATE TABLE policies (
	tenant_id                  TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	max_lifetime_days          INTEGER NOT NULL,
	inactivity_deactivate_days INTEGER NOT NULL,
	inactivity_delete_days     INTEGER NOT NULL,
	expiry_notice_days         INTEGER NOT NULL,
	access_token_ttl           INTEGER NOT NULL,
	refresh_token_ttl          INTEGER NOT NULL,
	updated_at                 INTEGER NOT NULL
);

-- status holds only the stored states; expired and exhausted are derived
-- from expires_at, uses and max_uses at the moment of asking.
CREATE TABLE tokens (
	id           TEXT PRIMARY KEY,
	tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	owner_kind   TEXT NOT NULL,
	owner_id     TEXT NOT NULL,
	type         TEXT NOT NULL,
	name         TEXT NOT NULL,
	description  TEXT NOT NULL DEFAULT '',
	project_id   TEXT NOT NULL DEFAULT '',
	prefix       TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	expires_at   INTEGER,
	last_used_at INTEGER,
	uses         INTEGER NOT NULL DEFAULT 0,
	max_uses     INTEGER NOT NULL DEFAULT 0,
	status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'revoked')),
	revoked_at   INTEGER
);
CREATE INDEX tokens_tenant ON tokens (tenant_id, id);
CREATE INDEX tokens_owner ON tokens (tenant_id, owner_kind, owner_id, id);
CREATE INDEX tokens_expires ON tokens (expires_at) WHERE expires_at IS NOT NULL;

-- A token has several secrets while a rotation's grace period runs: the
-- newest with valid_until NULL, older ones limited to a time.
CREATE TABLE token_secrets (
	token_id    TEXT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	hash        BLOB NOT NULL UNIQUE,
	valid_until INTEGER,
	created_at  INTEGER NOT NULL
);
CREATE INDEX token_secrets_token ON token_secrets (token_id);

-- blocked is set by IP blocking (a later issue); usage keeps counting for a
-- blocked IP so owners can see the blocked client still trying.
CREATE TABLE token_usage (
	token_id   TEXT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	ip         TEXT NOT NULL,
	first_used INTEGER NOT NULL,
	last_used  INTEGER NOT NULL,
	count      INTEGER NOT NULL DEFAULT 0,
	blocked    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (token_id, ip)
);

CREATE TABLE sessions (
	hash       BLOB PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	csrf_token TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- The audit trail has no foreign keys on purpose: it must outlive the
-- objects it talks about. AUTOINCREMENT guarantees IDs are never reused, so
-- the ID order is the order of appending.
CREATE TABLE audit_log (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL,
	time        INTEGER NOT NULL,
	actor_kind  TEXT NOT NULL,
	actor_id    TEXT NOT NULL,
	action      TEXT NOT NULL,
	object_kind TEXT NOT NULL,
	object_id   TEXT NOT NULL,
	client_ip   TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);
CREATE INDEX audit_log_time ON audit_log (time);

-- Append-only is enforced by the database, not only by convention.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
