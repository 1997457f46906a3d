-- 0016_expiry_warnings: expiry notices at several windows, the weekly
-- expiry digest.

-- expiry_notice_days becomes a list of day counts, farthest first. A
-- tenant that had N keeps [N]; 0 (no advance notice) becomes []. A tenant
-- without a policy row gets the new default from the code. The old integer
-- column stays (NOT NULL, so it is still written: the farthest window, 0
-- for none) for a binary rolled back.
ALTER TABLE policies ADD COLUMN expiry_notice_windows jsonb NOT NULL DEFAULT '[30,7,1]';
UPDATE policies SET expiry_notice_windows =
	CASE WHEN expiry_notice_days > 0 THEN jsonb_build_array(expiry_notice_days) ELSE '[]'::jsonb END;
ALTER TABLE policies ADD COLUMN expiry_digest boolean NOT NULL DEFAULT false;
ALTER TABLE policies ADD COLUMN expiry_digest_weekday text NOT NULL DEFAULT 'monday';

-- One row per advance notice sent: once per token, expiry and window,
-- whichever instance or restart tries again. A notice for a window also
-- covers the farther ones of the same expiry (the job asks for "a window
-- of this many days or fewer").
CREATE TABLE token_expiry_notices (
	token_id    text COLLATE "C" NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	expires_at  timestamptz NOT NULL,
	window_days integer NOT NULL,
	sent_at     timestamptz NOT NULL,
	PRIMARY KEY (token_id, expires_at, window_days)
);

-- The single notice sent so far becomes a notice at the tenant's old
-- window (7 when it had none), so no token is told twice about the same
-- expiry after the upgrade.
INSERT INTO token_expiry_notices (token_id, expires_at, window_days, sent_at)
SELECT n.token_id, n.expires_at,
       CASE WHEN p.expiry_notice_days > 0 THEN p.expiry_notice_days ELSE 7 END, n.sent_at
FROM token_notices n
JOIN tokens t ON t.id = n.token_id
LEFT JOIN policies p ON p.tenant_id = t.tenant_id
WHERE n.kind = 'expiring';
DELETE FROM token_notices WHERE kind = 'expiring';

-- One row per weekly digest sent: once per user and week (week_day is the
-- Monday of the week, in days since 1970-01-01 UTC).
CREATE TABLE expiry_digests (
	tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	user_id   text COLLATE "C" NOT NULL,
	week_day  integer NOT NULL,
	sent_at   timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, user_id, week_day)
);
