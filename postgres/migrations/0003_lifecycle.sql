-- 0003_lifecycle: IP blocks, background job leases, expiry notices, and the
-- outbox of events and their webhook and e-mail deliveries.

-- A token's inactivity counts from the latest of its creation, its last use
-- and its last reactivation, so a token an owner or admin reactivates is not
-- deactivated again by the next job run. The trigger records reactivations
-- whichever code path changes the status.
ALTER TABLE tokens ADD COLUMN reactivated_at timestamptz;

CREATE FUNCTION tokens_mark_reactivated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.status = 'inactive' AND NEW.status = 'active' THEN
		NEW.reactivated_at := NEW.updated_at;
	END IF;
	RETURN NEW;
END;
$$;
CREATE TRIGGER tokens_reactivated BEFORE UPDATE OF status ON tokens
	FOR EACH ROW EXECUTE FUNCTION tokens_mark_reactivated();

-- Client IPs and CIDR ranges a token is refused to, in the canonical text of
-- tokenmint.ParseIPBlock. This table, not token_usage.blocked, is what the
-- server enforces: a block may cover a range and exist before any use.
CREATE TABLE token_blocked_ips (
	token_id   text COLLATE "C" NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	prefix     text COLLATE "C" NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (token_id, prefix)
);

-- One row per expiry notice sent: the primary key makes a notice once per
-- token, kind and expiry date, whichever instance or restart tries again.
CREATE TABLE token_notices (
	token_id   text COLLATE "C" NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	kind       text COLLATE "C" NOT NULL,
	expires_at timestamptz NOT NULL,
	sent_at    timestamptz NOT NULL,
	PRIMARY KEY (token_id, kind, expires_at)
);

-- A background job runs on the instance holding its lease.
CREATE TABLE job_leases (
	name   text COLLATE "C" PRIMARY KEY,
	holder text NOT NULL,
	until  timestamptz NOT NULL
);

-- sealed_secret is the signing secret encrypted under a key derived from the
-- pepper.
CREATE TABLE webhooks (
	id            text COLLATE "C" PRIMARY KEY,
	tenant_id     text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	url           text NOT NULL,
	events        text[] NOT NULL DEFAULT '{}',
	enabled       boolean NOT NULL DEFAULT true,
	sealed_secret bytea NOT NULL,
	created_at    timestamptz NOT NULL,
	updated_at    timestamptz NOT NULL,
	UNIQUE (tenant_id, id)
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id, created_at);

-- The outbox. Events have no foreign keys: token.deleted outlives its
-- token. data is the JSON of tokenmint.EventData.
CREATE TABLE events (
	id            bigserial PRIMARY KEY,
	tenant_id     text COLLATE "C" NOT NULL,
	type          text COLLATE "C" NOT NULL,
	token_id      text COLLATE "C" NOT NULL,
	time          timestamptz NOT NULL,
	data          bytea NOT NULL,
	dispatched_at timestamptz
);
CREATE INDEX events_pending ON events (id) WHERE dispatched_at IS NULL;
CREATE INDEX events_time ON events (time);

-- One delivery per event and webhook (webhook_id set) or e-mail recipient
-- (webhook_id NULL). Deleting a webhook deletes its deliveries.
CREATE TABLE deliveries (
	id              bigserial PRIMARY KEY,
	tenant_id       text COLLATE "C" NOT NULL,
	event_id        bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	event_type      text COLLATE "C" NOT NULL,
	channel         text NOT NULL CHECK (channel IN ('webhook', 'email')),
	webhook_id      text COLLATE "C",
	recipient       text NOT NULL DEFAULT '',
	payload         bytea NOT NULL,
	status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts        integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL,
	last_error      text NOT NULL DEFAULT '',
	last_status     integer NOT NULL DEFAULT 0,
	created_at      timestamptz NOT NULL,
	delivered_at    timestamptz,
	FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_event ON deliveries (event_id);
