-- 0009_usage_batches: the usage batches already applied, by the ID the
-- flushing instance gave each, recorded in the batch's own transaction, so
-- a batch sent again (its commit succeeded but the acknowledgement was
-- lost) is not counted twice. Kept for a week (applied_at: microseconds).
CREATE TABLE usage_batches (
	id         TEXT PRIMARY KEY,
	applied_at INTEGER NOT NULL
);
CREATE INDEX usage_batches_applied_at ON usage_batches (applied_at);
