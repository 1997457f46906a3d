-- 0001_init: the first schema of tokenmint on PostgreSQL. It mirrors the
-- SQLite schema table for table; only the column types differ.
--
-- Times are timestamptz (microsecond precision, like the SQLite integers).
-- Identifiers and names use the "C" collation, so ordering and the paging
-- cursor (id < $n) compare bytes, the same on every server whatever its
-- default locale, and the same as SQLite.

CREATE TABLE tenants (
	id         text COLLATE "C" PRIMARY KEY,
	name       text COLLATE "C" NOT NULL UNIQUE,
	created_at timestamptz NOT NULL
);

-- UNIQUE (tenant_id, id) exists so that child tables can reference a user
-- together with its tenant: a row can then never point across tenants.
CREATE TABLE users (
	id            text COLLATE "C" PRIMARY KEY,
	tenant_id     text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	username      text COLLATE "C" NOT NULL,
	email         text NOT NULL DEFAULT '',
	password_hash text NOT NULL DEFAULT '',
	roles         text[] NOT NULL DEFAULT '{}',
	enabled       boolean NOT NULL DEFAULT true,
	created_at    timestamptz NOT NULL,
	updated_at    timestamptz NOT NULL,
	UNIQUE (tenant_id, username),
	UNIQUE (tenant_id, id)
);

CREATE TABLE projects (
	id          text COLLATE "C" PRIMARY KEY,
	tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	name        text COLLATE "C" NOT NULL,
	description text NOT NULL DEFAULT '',
	created_at  timestamptz NOT NULL,
	UNIQUE (tenant_id, name),
	UNIQUE (tenant_id, id)
);

-- Memberships reference project and user together with the tenant, so a
-- membership cannot join a project of one tenant to a user of another, and
-- deleting either side removes the membership.
CREATE TABLE memberships (
	tenant_id  text COLLATE "C" NOT NULL,
	project_id text COLLATE "C" NOT NULL,
	user_id    text COLLATE "C" NOT NULL,
	role       text NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (project_id, user_id),
	FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE,
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX memberships_user ON memberships (user_id);
CREATE INDEX memberships_tenant ON memberships (tenant_id, project_id, user_id);

CREATE TABLE policies (
	tenant_id                  text COLLATE "C" PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	max_lifetime_days          integer NOT NULL,
	inactivity_deactivate_days integer NOT NULL,
	inactivity_delete_days     integer NOT NULL,
	expiry_notice_days         integer NOT NULL,
	access_token_ttl           integer NOT NULL,
	refresh_token_ttl          integer NOT NULL,
	updated_at                 timestamptz NOT NULL
);

-- status holds only the stored states; expired and exhausted are derived
-- from expires_at, uses and max_uses at the moment of asking.
CREATE TABLE tokens (
	id           text COLLATE "C" PRIMARY KEY,
	tenant_id    text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	owner_kind   text NOT NULL,
	owner_id     text COLLATE "C" NOT NULL,
	type         text NOT NULL,
	name         text NOT NULL,
	description  text NOT NULL DEFAULT '',
	project_id   text COLLATE "C" NOT NULL DEFAULT '',
	prefix       text NOT NULL DEFAULT '',
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	expires_at   timestamptz,
	last_used_at timestamptz,
	uses         bigint NOT NULL DEFAULT 0,
	max_uses     integer NOT NULL DEFAULT 0,
	status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'revoked')),
	revoked_at   timestamptz
);
CREATE INDEX tokens_tenant ON tokens (tenant_id, id);
CREATE INDEX tokens_owner ON tokens (tenant_id, owner_kind, owner_id, id);
CREATE INDEX tokens_expires ON tokens (expires_at) WHERE expires_at IS NOT NULL;

-- A token has several secrets while a rotation's grace period runs: the
-- newest with valid_until NULL, older ones limited to a time.
CREATE TABLE token_secrets (
	token_id    text COLLATE "C" NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	hash        bytea NOT NULL UNIQUE,
	valid_until timestamptz,
	created_at  timestamptz NOT NULL
);
CREATE INDEX token_secrets_token ON token_secrets (token_id);

-- blocked is set by IP blocking; usage keeps counting for a blocked IP so
-- owners can see the blocked client still trying.
CREATE TABLE token_usage (
	token_id   text COLLATE "C" NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	ip         text COLLATE "C" NOT NULL,
	first_used timestamptz NOT NULL,
	last_used  timestamptz NOT NULL,
	count      bigint NOT NULL DEFAULT 0,
	blocked    boolean NOT NULL DEFAULT false,
	PRIMARY KEY (token_id, ip)
);

CREATE TABLE sessions (
	hash       bytea PRIMARY KEY,
	tenant_id  text COLLATE "C" NOT NULL,
	user_id    text COLLATE "C" NOT NULL,
	csrf_token text NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- The audit trail has no foreign keys on purpose: it must outlive the
-- objects it talks about.
CREATE TABLE audit_log (
	id          bigserial PRIMARY KEY,
	tenant_id   text COLLATE "C" NOT NULL,
	time        timestamptz NOT NULL,
	actor_kind  text NOT NULL,
	actor_id    text COLLATE "C" NOT NULL,
	action      text COLLATE "C" NOT NULL,
	object_kind text NOT NULL,
	object_id   text COLLATE "C" NOT NULL,
	client_ip   text NOT NULL,
	outcome     text NOT NULL,
	detail      text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);
CREATE INDEX audit_log_time ON audit_log (time);

-- Append-only is enforced by the database, not only by convention.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
