package http_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"tokenmint"
)

// No client secret, refresh token or JWT reaches the logs or the audit
// trail, whatever the outcome of the requests that carried them.
func TestOAuthSecretsStayOutOfLogsAndAudit(t *testing.T) {
	var logs bytes.Buffer
	e := newOAuthEnvLogging(t, &logs)
	_, id, sec, cred := e.appClient("bot", "read-only", "introspect")
	jwt := e.clientToken(id, sec, "")
	pw := e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {adminPassword}, "client_id": {"cli"}}).json(t)
	refresh := pw["refresh_token"].(string)
	e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"cli"}})
	e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"cli"}}) // reuse
	e.form("/oauth/token", basicAuth(id, sec+"x"), url.Values{"grant_type": {"client_credentials"}})
	e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"wrong-" + adminPassword}})
	e.form("/oauth/introspect", basicAuth(id, sec), url.Values{"token": {jwt}})
	e.form("/oauth/revoke", basicAuth(id, sec), url.Values{"token": {jwt}})
	e.verify("Bearer "+jwt, "")

	entries, err := e.db.ListAudit(context.Background(), tokenmint.AuditFilter{Limit: 1000})
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit: %d entries, %v", len(entries), err)
	}
	var audit strings.Builder
	for _, en := range entries {
		audit.WriteString(en.Action + " " + en.ObjectID + " " + en.ActorID + " " + en.Detail + "\n")
	}
	for name, s := range map[string]string{
		"client secret": sec, "credential": cred, "refresh token": refresh, "JWT": jwt,
		"JWT signature": jwt[strings.LastIndex(jwt, ".")+1:], "password": adminPassword,
	} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds the %s", name)
		}
		if strings.Contains(audit.String(), s) {
			t.Errorf("the audit trail holds the %s", name)
		}
	}
	if !strings.Contains(audit.String(), "oauth.refresh.reuse") || !strings.Contains(audit.String(), "oauth.client.authenticate") {
		t.Errorf("expected audit entries missing:\n%s", audit.String())
	}
}
