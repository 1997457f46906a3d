-- A token request keeps the networks and the own rate limit of the token
-- asked for, so the token collected is exactly as narrow as requested.
-- allowed_cidrs is the canonical list of tokenmint.CIDRList.String, as in
-- tokens ('' = anywhere); rate_requests and rate_per_seconds are both
-- NULL when the token has no limit of its own.
ALTER TABLE token_requests ADD COLUMN allowed_cidrs TEXT NOT NULL DEFAULT '';
ALTER TABLE token_requests ADD COLUMN rate_requests INTEGER;
ALTER TABLE token_requests ADD COLUMN rate_per_seconds INTEGER;
