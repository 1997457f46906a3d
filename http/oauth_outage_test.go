package http_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// downStore is a Store whose reads fail as PostgreSQL's do when the
// database is unreachable (EUNAVAILABLE), while down is set.
type downStore struct {
	tokenmint.Store
	down atomic.Bool
}

var errDatabaseDown = tokenmint.Errorf(tokenmint.EUNAVAILABLE, "database unavailable")

func (d *downStore) TenantByName(ctx context.Context, name string) (*tokenmint.Tenant, error) {
	if d.down.Load() {
		return nil, errDatabaseDown
	}
	return d.Store.TenantByName(ctx, name)
}

func (d *downStore) UserByID(ctx context.Context, tenantID, id string) (*tokenmint.User, error) {
	if d.down.Load() {
		return nil, errDatabaseDown
	}
	return d.Store.UserByID(ctx, tenantID, id)
}

func (d *downStore) UserByUsername(ctx context.Context, tenantID, username string) (*tokenmint.User, error) {
	if d.down.Load() {
		return nil, errDatabaseDown
	}
	return d.Store.UserByUsername(ctx, tenantID, username)
}

func (d *downStore) ClientCredentialByClientID(ctx context.Context, clientID string) (*tokenmint.ClientCredential, error) {
	if d.down.Load() {
		return nil, errDatabaseDown
	}
	return d.Store.ClientCredentialByClientID(ctx, clientID)
}

func (d *downStore) RefreshTokenByHash(ctx context.Context, hash []byte) (*tokenmint.RefreshToken, error) {
	if d.down.Load() {
		return nil, errDatabaseDown
	}
	return d.Store.RefreshTokenByHash(ctx, hash)
}

func (d *downStore) ApplicationByID(ctx context.Context, tenantID, id string) (*tokenmint.Application, error) {
	if d.down.Load() {
		return nil, errDatabaseDown
	}
	return d.Store.ApplicationByID(ctx, tenantID, id)
}

func (d *downStore) AccessTokenRevoked(ctx context.Context, jti string) (bool, error) {
	if d.down.Load() {
		return false, errDatabaseDown
	}
	return d.Store.AccessTokenRevoked(ctx, jti)
}

func (d *downStore) TokenBySecret(ctx context.Context, h []byte) (*tokenmint.Token, *time.Time, error) {
	if d.down.Load() {
		return nil, nil, errDatabaseDown
	}
	return d.Store.TokenBySecret(ctx, h)
}

func (d *downStore) TokenByID(ctx context.Context, tenantID, id string) (*tokenmint.Token, error) {
	if d.down.Load() {
		return nil, errDatabaseDown
	}
	return d.Store.TokenByID(ctx, tenantID, id)
}

// newOutageEnv is newOAuthEnv over a downStore, with nothing cached, so
// that every request reads the store.
func newOutageEnv(t *testing.T) (*env, *downStore) {
	t.Helper()
	var down *downStore
	e := startEnv(t, io.Discard, true, func(cfg *service.Config) {
		down = &downStore{Store: cfg.Store}
		cfg.Store, cfg.CacheTTL = down, -1
	})
	return e, down
}

// With the database down, every OAuth endpoint called with good
// credentials answers 503 temporarily_unavailable: never invalid_client,
// invalid_grant or an inactive token, which would tell a CI system to
// drop a credential that is fine.
func TestOAuthDatabaseOutageIsNotABadCredential(t *testing.T) {
	e, down := newOutageEnv(t)
	_, clientID, clientSecret, cred := e.appClient("ci", "read-write")
	_, inID, inSecret, _ := e.appClient("rs", "introspect")
	opaque, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	introspector, _, _ := e.admin.createToken(map[string]any{"type": "UserToken", "name": "introspector"})
	pw := e.form("/oauth/token", "", passwordForm("admin", adminPassword)).json(t)
	forti := e.form("/api/v1/auth/credentials/token/", "Basic "+cred, url.Values{"grant_type": {"client_credentials"}}).json(t)
	appJWT := e.clientToken(clientID, clientSecret, "")

	down.down.Store(true)
	defer down.down.Store(false)
	exchange := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {opaque}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}}
	for _, c := range []struct {
		name, path, auth string
		form             url.Values
	}{
		{"client_credentials", "/oauth/token", basicAuth(clientID, clientSecret), url.Values{"grant_type": {"client_credentials"}}},
		{"FortiCWP credential", "/api/v1/auth/credentials/token/", "Basic " + cred, url.Values{"grant_type": {"client_credentials"}}},
		{"password", "/identity/connect/token", "", passwordForm("admin", adminPassword, "acr_values", "Tenant:default")},
		{"refresh", "/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pw["refresh_token"].(string)}}},
		{"FortiCWP refresh", "/api/v1/auth/token/refresh", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {forti["refresh_token"].(string)}}},
		{"token exchange", "/oauth/token", "", exchange},
		{"introspect by an application", "/oauth/introspect", basicAuth(inID, inSecret), url.Values{"token": {opaque}}},
		{"introspect by a token", "/oauth/introspect", "Bearer " + introspector, url.Values{"token": {opaque}}},
		{"introspect a JWT", "/oauth/introspect", "Bearer " + introspector, url.Values{"token": {appJWT}}},
		{"revoke a refresh token", "/oauth/revoke", "", url.Values{"token": {pw["refresh_token"].(string)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.form(c.path, c.auth, c.form)
			if r.status != http.StatusServiceUnavailable || r.oauthError(t) != "temporarily_unavailable" {
				t.Errorf("%s with the database down: %d %s, want 503 temporarily_unavailable", c.name, r.status, r.body)
			}
		})
	}
	for name, bearer := range map[string]string{"user JWT": pw["access_token"].(string), "application JWT": appJWT} {
		if v := e.verify("Bearer "+bearer, "?permission=api:read"); v.status != http.StatusServiceUnavailable {
			t.Errorf("verify a %s with the database down: %d %s, want 503", name, v.status, v.body)
		}
	}
	// Once the database is back, every credential still works.
	down.down.Store(false)
	if r := e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pw["refresh_token"].(string)}}); r.status != http.StatusOK {
		t.Errorf("refresh after the outage: %d %s", r.status, r.body)
	}
	if v := e.verify("Bearer "+appJWT, "?permission=api:read"); v.status != http.StatusOK {
		t.Errorf("application JWT after the outage: %d %s", v.status, v.body)
	}
}
