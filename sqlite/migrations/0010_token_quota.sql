-- The per-owner token quota of the tenant policy: at most this many live
-- tokens per user or application, 0 for no limit. Stored policies get the
-- default, as tenants without one.
ALTER TABLE policies ADD COLUMN max_tokens_per_owner INTEGER NOT NULL DEFAULT 500;
