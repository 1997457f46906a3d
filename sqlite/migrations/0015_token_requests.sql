-- Token requests: asking for a token of a type with approval: required.
-- No secret is kept: the token is created when its requester collects the
-- approved request, and token_id then names it. The expiry as asked for is
-- kept in its four forms (at most one set) and resolved at collection.
CREATE TABLE token_requests (
	id             TEXT PRIMARY KEY,
	tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	requester_id   TEXT NOT NULL,
	type           TEXT NOT NULL,
	name           TEXT NOT NULL,
	description    TEXT NOT NULL DEFAULT '',
	project_id     TEXT NOT NULL DEFAULT '',
	expiry_at      INTEGER,
	expiry_on      INTEGER,
	days_to_live   INTEGER,
	no_expiry      INTEGER NOT NULL DEFAULT 0,
	justification  TEXT NOT NULL,
	status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'issued', 'cancelled')),
	decided_by     TEXT NOT NULL DEFAULT '',
	decided_at     INTEGER,
	reason         TEXT NOT NULL DEFAULT '',
	token_id       TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	expires_at     INTEGER NOT NULL,
	FOREIGN KEY (tenant_id, requester_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX token_requests_tenant ON token_requests (tenant_id, status, id);
CREATE INDEX token_requests_requester ON token_requests (tenant_id, requester_id, id);
-- The expiry job looks for open requests whose time ran out.
CREATE INDEX token_requests_open ON token_requests (expires_at) WHERE status IN ('pending', 'approved');
