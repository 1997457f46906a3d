-- Attempts at unauthenticated paths (logins, password grant, client
-- authentication, leak reports), counted in fixed windows per key and
-- shared by every instance.
CREATE TABLE attempts (
	key          TEXT PRIMARY KEY,
	window_start TIMESTAMPTZ NOT NULL,
	count        INTEGER NOT NULL
);
CREATE INDEX attempts_window_start ON attempts (window_start);
