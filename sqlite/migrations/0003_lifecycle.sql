-- 0003_lifecycle: IP blocks, background job leases, expiry notices, and the
-- outbox of events and their webhook and e-mail deliveries.

-- A token's inactivity counts from the latest of its creation, its last use
-- and its last reactivation, so a token an owner or admin reactivates is not
-- deactivated again by the next job run. The trigger records reactivations
-- whichever code path changes the status.
ALTER TABLE tokens ADD COLUMN reactivated_at INTEGER;

CREATE TRIGGER tokens_reactivated AFTER UPDATE OF status ON tokens
WHEN OLD.status = 'inactive' AND NEW.status = 'active'
BEGIN
	UPDATE tokens SET reactivated_at = NEW.updated_at WHERE id = NEW.id;
END;

-- Client IPs and CIDR ranges a token is refused to, in the canonical text of
-- tokenmint.ParseIPBlock. This table, not token_usage.blocked, is what the
-- server enforces: a block may cover a range and exist before any use.
CREATE TABLE token_blocked_ips (
	token_id   TEXT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	prefix     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (token_id, prefix)
);

-- One row per expiry notice sent: the primary key makes a notice once per
-- token, kind and expiry date, whichever instance or restart tries again.
CREATE TABLE token_notices (
	token_id   TEXT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	sent_at    INTEGER NOT NULL,
	PRIMARY KEY (token_id, kind, expires_at)
);

-- A background job runs on the instance holding its lease.
CREATE TABLE job_leases (
	name   TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	until  INTEGER NOT NULL
);

-- sealed_secret is the signing secret encrypted under a key derived from the
-- pepper; events is a JSON array of event types.
CREATE TABLE webhooks (
	id            TEXT PRIMARY KEY,
	tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	url           TEXT NOT NULL,
	events        TEXT NOT NULL DEFAULT '[]',
	enabled       INTEGER NOT NULL DEFAULT 1,
	sealed_secret BLOB NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	UNIQUE (tenant_id, id)
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id, created_at);

-- The outbox. Events have no foreign keys: token.deleted outlives its
-- token. data is the JSON of tokenmint.EventData.
CREATE TABLE events (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id     TEXT NOT NULL,
	type          TEXT NOT NULL,
	token_id      TEXT NOT NULL,
	time          INTEGER NOT NULL,
	data          BLOB NOT NULL,
	dispatched_at INTEGER
);
CREATE INDEX events_pending ON events (id) WHERE dispatched_at IS NULL;
CREATE INDEX events_time ON events (time);

-- One delivery per event and webhook (webhook_id set) or e-mail recipient
-- (webhook_id NULL). Deleting a webhook deletes its deliveries.
CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id       TEXT NOT NULL,
	event_id        INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	event_type      TEXT NOT NULL,
	channel         TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
	webhook_id      TEXT,
	recipient       TEXT NOT NULL DEFAULT '',
	payload         BLOB NOT NULL,
	status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	last_status     INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	delivered_at    INTEGER,
	FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_event ON deliveries (event_id);
