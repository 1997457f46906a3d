-- Token requests: asking for a token of a type with approval: required.
-- No secret is kept: the token is created when its requester collects the
-- approved request, and token_id then names it. The expiry as asked for is
-- kept in its four forms (at most one set) and resolved at collection.
CREATE TABLE token_requests (
	id             text COLLATE "C" PRIMARY KEY,
	tenant_id      text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	requester_id   text COLLATE "C" NOT NULL,
	type           text NOT NULL,
	name           text NOT NULL,
	description    text NOT NULL DEFAULT '',
	project_id     text COLLATE "C" NOT NULL DEFAULT '',
	expiry_at      timestamptz,
	expiry_on      timestamptz,
	days_to_live   integer,
	no_expiry      boolean NOT NULL DEFAULT false,
	justification  text NOT NULL,
	status         text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'issued', 'cancelled')),
	decided_by     text COLLATE "C" NOT NULL DEFAULT '',
	decided_at     timestamptz,
	reason         text NOT NULL DEFAULT '',
	token_id       text COLLATE "C" NOT NULL DEFAULT '',
	created_at     timestamptz NOT NULL,
	updated_at     timestamptz NOT NULL,
	expires_at     timestamptz NOT NULL,
	FOREIGN KEY (tenant_id, requester_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX token_requests_tenant ON token_requests (tenant_id, status, id);
CREATE INDEX token_requests_requester ON token_requests (tenant_id, requester_id, id);
-- The expiry job looks for open requests whose time ran out.
CREATE INDEX token_requests_open ON token_requests (expires_at) WHERE status IN ('pending', 'approved');
