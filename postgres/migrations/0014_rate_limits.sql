-- Rate limits of tokens and of owners (users, applications), in a table
-- of their own so the tokens table is left alone. A subject has at most
-- one limit; triggers delete it with its token, user or application
-- (whichever way that is deleted), and the tenant's deletion cascades.
CREATE TABLE rate_limits (
	tenant_id    text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	subject_kind text COLLATE "C" NOT NULL CHECK (subject_kind IN ('token', 'user', 'application')),
	subject_id   text COLLATE "C" NOT NULL,
	requests     integer NOT NULL,
	per_seconds  integer NOT NULL,
	updated_at   timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, subject_kind, subject_id)
);

CREATE FUNCTION rate_limits_subject_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM rate_limits WHERE tenant_id = OLD.tenant_id AND subject_kind = TG_ARGV[0] AND subject_id = OLD.id;
	RETURN NULL;
END $$;

CREATE TRIGGER rate_limits_token_deleted AFTER DELETE ON tokens
	FOR EACH ROW EXECUTE FUNCTION rate_limits_subject_deleted('token');
CREATE TRIGGER rate_limits_user_deleted AFTER DELETE ON users
	FOR EACH ROW EXECUTE FUNCTION rate_limits_subject_deleted('user');
CREATE TRIGGER rate_limits_application_deleted AFTER DELETE ON applications
	FOR EACH ROW EXECUTE FUNCTION rate_limits_subject_deleted('application');

-- The counts every instance adds for a limiter key and window, so limits
-- hold across instances (rate_counts are pruned once their window passed).
CREATE TABLE rate_counts (
	key          text COLLATE "C" NOT NULL,
	window_start timestamptz NOT NULL,
	count        bigint NOT NULL,
	PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counts_window ON rate_counts (window_start);
