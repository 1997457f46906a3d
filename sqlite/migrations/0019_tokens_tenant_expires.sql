-- The lifecycle jobs walk a tenant's tokens by expiry, a batch at a time
-- (expiry notices, digests, expiring tokens). With only tokens_tenant and
-- tokens_expires the planner took every token of the tenant and sorted
-- them, for each batch: with a million tokens in a notice window the job
-- read the whole table ten thousand times. This index gives the tenant's
-- tokens in expiry order, so a batch reads what it returns.
CREATE INDEX tokens_tenant_expires ON tokens (tenant_id, expires_at, id) WHERE expires_at IS NOT NULL;
