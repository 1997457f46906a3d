-- 0006_credential_last_used: when each client credential last authenticated,
-- so administrators can find credentials nobody uses any more.
ALTER TABLE client_credentials ADD COLUMN last_used_at INTEGER;
