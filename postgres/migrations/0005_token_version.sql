-- 0005_token_version: optimistic concurrency for token changes. Every change
-- of description, expiry or stored status (update, rotation, deactivation by
-- the inactivity job) counts the version up, and an update saves only if the
-- version is still the one it read, so a change decided on a stale read
-- cannot undo a concurrent revocation or deactivation.
ALTER TABLE tokens ADD COLUMN version bigint NOT NULL DEFAULT 0;
