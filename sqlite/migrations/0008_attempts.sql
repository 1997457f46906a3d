-- Attempts at unauthenticated paths (logins, password grant, client
-- authentication, leak reports), counted in fixed windows per key.
CREATE TABLE attempts (
	key          TEXT PRIMARY KEY,
	window_start INTEGER NOT NULL,
	count        INTEGER NOT NULL
);
CREATE INDEX attempts_window_start ON attempts (window_start);
