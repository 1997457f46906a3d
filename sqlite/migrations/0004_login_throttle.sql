-- Per-tenant login throttle (policy.login_failures_per_minute).
ALTER TABLE policies ADD COLUMN login_failures_per_minute INTEGER NOT NULL DEFAULT 10;
