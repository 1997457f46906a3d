-- 0002_oauth: applications, OAuth client credentials, refresh tokens,
-- revoked JWT access tokens and JWT signing keys.

CREATE TABLE applications (
	id           TEXT PRIMARY KEY,
	tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	description  TEXT NOT NULL DEFAULT '',
	access_types TEXT NOT NULL DEFAULT '[]', -- JSON array
	enabled      INTEGER NOT NULL DEFAULT 1,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	UNIQUE (tenant_id, name),
	UNIQUE (tenant_id, id)
);

-- Client IDs are global: the token endpoint finds a client by its ID alone.
CREATE TABLE client_credentials (
	id             TEXT PRIMARY KEY,
	tenant_id      TEXT NOT NULL,
	application_id TEXT NOT NULL,
	client_id      TEXT NOT NULL UNIQUE,
	secret_hash    BLOB NOT NULL UNIQUE,
	prefix         TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	revoked_at     INTEGER,
	FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX client_credentials_app ON client_credentials (tenant_id, application_id);

CREATE TABLE refresh_tokens (
	id                TEXT PRIMARY KEY,
	tenant_id         TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	family_id         TEXT NOT NULL,
	hash              BLOB NOT NULL UNIQUE,
	user_id           TEXT NOT NULL,
	client_id         TEXT NOT NULL,
	scope             TEXT NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL,
	expires_at        INTEGER NOT NULL,
	used_at           INTEGER,
	revoked_at        INTEGER,
	access_jti        TEXT NOT NULL DEFAULT '',
	access_expires_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

CREATE TABLE revoked_access_tokens (
	jti        TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL
);
CREATE INDEX revoked_access_tokens_expires ON revoked_access_tokens (expires_at);

-- private_key is sealed with the master key (AES-256-GCM); the database
-- alone never holds a usable signing key.
CREATE TABLE signing_keys (
	kid           TEXT PRIMARY KEY,
	algorithm     TEXT NOT NULL,
	public_key    BLOB NOT NULL,
	private_key   BLOB NOT NULL,
	created_at    INTEGER NOT NULL,
	retired_at    INTEGER,
	publish_until INTEGER
);
