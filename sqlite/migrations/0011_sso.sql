-- Single sign-on with OpenID Connect: one identity provider per tenant,
-- the sign-ins in progress (kept under the hash of their state, taken
-- once), and the link of users to the subject their provider knows them by.
CREATE TABLE sso_providers (
	tenant_id                TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	name                     TEXT NOT NULL,
	issuer_url               TEXT NOT NULL,
	client_id                TEXT NOT NULL,
	sealed_client_secret     BLOB NOT NULL,
	scopes                   TEXT NOT NULL DEFAULT '[]', -- JSON array
	groups_claim             TEXT NOT NULL,
	mappings                 TEXT NOT NULL DEFAULT '[]', -- JSON array of {group, project, role}
	local_passwords_disabled INTEGER NOT NULL DEFAULT 0,
	break_glass_user         TEXT NOT NULL DEFAULT '',
	created_at               INTEGER NOT NULL,
	updated_at               INTEGER NOT NULL
);

CREATE TABLE sso_logins (
	state_hash   BLOB PRIMARY KEY,
	tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	nonce        TEXT NOT NULL,
	verifier     TEXT NOT NULL,
	redirect_uri TEXT NOT NULL,
	next         TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
);
CREATE INDEX sso_logins_expires ON sso_logins (expires_at);

CREATE TABLE user_identities (
	tenant_id  TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	issuer     TEXT NOT NULL,
	subject    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, issuer, subject),
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_identities_user ON user_identities (user_id);
