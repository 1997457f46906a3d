-- 0002_oauth: applications, OAuth client credentials, refresh tokens,
-- revoked JWT access tokens and JWT signing keys. Mirrors SQLite's 0002.

CREATE TABLE applications (
	id           text COLLATE "C" PRIMARY KEY,
	tenant_id    text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	name         text COLLATE "C" NOT NULL,
	description  text NOT NULL DEFAULT '',
	access_types text[] NOT NULL DEFAULT '{}',
	enabled      boolean NOT NULL DEFAULT true,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	UNIQUE (tenant_id, name),
	UNIQUE (tenant_id, id)
);

-- Client IDs are global: the token endpoint finds a client by its ID alone.
CREATE TABLE client_credentials (
	id             text COLLATE "C" PRIMARY KEY,
	tenant_id      text COLLATE "C" NOT NULL,
	application_id text COLLATE "C" NOT NULL,
	client_id      text COLLATE "C" NOT NULL UNIQUE,
	secret_hash    bytea NOT NULL UNIQUE,
	prefix         text NOT NULL DEFAULT '',
	created_at     timestamptz NOT NULL,
	revoked_at     timestamptz,
	FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX client_credentials_app ON client_credentials (tenant_id, application_id);

CREATE TABLE refresh_tokens (
	id                text COLLATE "C" PRIMARY KEY,
	tenant_id         text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	family_id         text COLLATE "C" NOT NULL,
	hash              bytea NOT NULL UNIQUE,
	user_id           text COLLATE "C" NOT NULL,
	client_id         text COLLATE "C" NOT NULL,
	scope             text NOT NULL DEFAULT '',
	created_at        timestamptz NOT NULL,
	expires_at        timestamptz NOT NULL,
	used_at           timestamptz,
	revoked_at        timestamptz,
	access_jti        text COLLATE "C" NOT NULL DEFAULT '',
	access_expires_at timestamptz NOT NULL DEFAULT 'epoch'
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

CREATE TABLE revoked_access_tokens (
	jti        text COLLATE "C" PRIMARY KEY,
	tenant_id  text COLLATE "C" NOT NULL,
	expires_at timestamptz NOT NULL,
	revoked_at timestamptz NOT NULL
);
CREATE INDEX revoked_access_tokens_expires ON revoked_access_tokens (expires_at);

-- private_key is sealed with the master key (AES-256-GCM); the database
-- alone never holds a usable signing key.
CREATE TABLE signing_keys (
	kid           text COLLATE "C" PRIMARY KEY,
	algorithm     text NOT NULL,
	public_key    bytea NOT NULL,
	private_key   bytea NOT NULL,
	created_at    timestamptz NOT NULL,
	retired_at    timestamptz,
	publish_until timestamptz
);
