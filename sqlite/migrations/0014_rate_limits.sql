-- Rate limits of tokens and of owners (users, applications), in a table
-- of their own so the tokens table is left alone. A subject has at most
-- one limit; triggers delete it with its token, user or application
-- (whichever way that is deleted), and the tenant's deletion cascades.
CREATE TABLE rate_limits (
	tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	subject_kind TEXT NOT NULL CHECK (subject_kind IN ('token', 'user', 'application')),
	subject_id   TEXT NOT NULL,
	requests     INTEGER NOT NULL,
	per_seconds  INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, subject_kind, subject_id)
);

CREATE TRIGGER rate_limits_token_deleted AFTER DELETE ON tokens BEGIN
	DELETE FROM rate_limits WHERE tenant_id = OLD.tenant_id AND subject_kind = 'token' AND subject_id = OLD.id;
END;

CREATE TRIGGER rate_limits_user_deleted AFTER DELETE ON users BEGIN
	DELETE FROM rate_limits WHERE tenant_id = OLD.tenant_id AND subject_kind = 'user' AND subject_id = OLD.id;
END;

CREATE TRIGGER rate_limits_application_deleted AFTER DELETE ON applications BEGIN
	DELETE FROM rate_limits WHERE tenant_id = OLD.tenant_id AND subject_kind = 'application' AND subject_id = OLD.id;
END;

-- The counts instances share on PostgreSQL. One SQLite server counts
-- exactly in memory and never writes here; the table exists so both
-- schemas hold the same tables (tokenmint migrate copies table by table).
CREATE TABLE rate_counts (
	key          TEXT NOT NULL,
	window_start INTEGER NOT NULL,
	count        INTEGER NOT NULL,
	PRIMARY KEY (key, window_start)
);
