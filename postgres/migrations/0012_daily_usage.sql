-- Uses per token and UTC day, for the usage chart and the dashboard. day
-- counts days since 1970-01-01 UTC. Written in the usage flush's own
-- transaction, one upsert per token and day; days past the retention are
-- pruned by the lifecycle jobs.
CREATE TABLE token_usage_daily (
	token_id  text COLLATE "C" NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	tenant_id text COLLATE "C" NOT NULL,
	day       integer NOT NULL,
	count     bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (token_id, day)
);
CREATE INDEX token_usage_daily_tenant ON token_usage_daily (tenant_id, day);
-- The pruning deletes by day alone.
CREATE INDEX token_usage_daily_day ON token_usage_daily (day);

-- Failed verifications (a known token refused) per tenant and UTC day,
-- counted in memory and written with the usage flush.
CREATE TABLE verify_failures_daily (
	tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	day       integer NOT NULL,
	count     bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (tenant_id, day)
);
