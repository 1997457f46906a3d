-- Single sign-on with OpenID Connect: one identity provider per tenant,
-- the sign-ins in progress (kept under the hash of their state, taken
-- once), and the link of users to the subject their provider knows them by.
CREATE TABLE sso_providers (
	tenant_id                text COLLATE "C" PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
	name                     text NOT NULL,
	issuer_url               text NOT NULL,
	client_id                text NOT NULL,
	sealed_client_secret     bytea NOT NULL,
	scopes                   text[] NOT NULL DEFAULT '{}',
	groups_claim             text NOT NULL,
	mappings                 jsonb NOT NULL DEFAULT '[]',
	local_passwords_disabled boolean NOT NULL DEFAULT false,
	break_glass_user         text NOT NULL DEFAULT '',
	created_at               timestamptz NOT NULL,
	updated_at               timestamptz NOT NULL
);

CREATE TABLE sso_logins (
	state_hash   bytea PRIMARY KEY,
	tenant_id    text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	nonce        text NOT NULL,
	verifier     text NOT NULL,
	redirect_uri text NOT NULL,
	next         text NOT NULL,
	created_at   timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL
);
CREATE INDEX sso_logins_expires ON sso_logins (expires_at);

CREATE TABLE user_identities (
	tenant_id  text COLLATE "C" NOT NULL,
	user_id    text COLLATE "C" NOT NULL,
	issuer     text COLLATE "C" NOT NULL,
	subject    text COLLATE "C" NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, issuer, subject),
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_identities_user ON user_identities (user_id);
