package http_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tokenmint"
)

// TestSecretsHygieneFullScenario runs every way a secret enters or leaves
// tokenmint at debug log level — passwords, user and application tokens
// (plain and encoded), rotated and leaked tokens, client secrets and
// single-credential forms, refresh tokens, JWTs, webhook signing secrets —
// including the wrong and mistyped ones, then scans everything an operator
// or attacker could read besides the one answer that issued each secret:
// the logs, the audit trail, every other answer (errors included), the
// metrics and the database files. No secret may appear in any of them, in
// plain text, base64 (standard or URL), or hex.
func TestSecretsHygieneFullScenario(t *testing.T) {
	logs := &syncBuffer{}
	e := startEnv(t, logs, true)
	var secrets []string
	var answers bytes.Buffer // every answer that is not the issuing one
	keep := func(r response) response { answers.Write(r.body); answers.WriteString("\n"); return r }

	// People and passwords, right and wrong.
	_, carolID := e.createUser("carol", "member")
	secrets = append(secrets, "carol-password", adminPassword)
	keep(e.admin.do("PATCH", "/api/v1/users/"+carolID, map[string]any{"password": "carol-new-password-1"}))
	secrets = append(secrets, "carol-new-password-1")
	carol := e.login("carol", "carol-new-password-1")
	keep(e.withToken("").do("POST", "/api/v1/auth/login", map[string]any{"username": "carol", "password": "wrong-password-guess-1"}))
	keep(e.admin.do("POST", "/api/v1/users", map[string]any{"username": "weak", "password": "short"}))
	secrets = append(secrets, "wrong-password-guess-1")

	// User tokens: created, used, refused, rotated, mistyped, leaked.
	var userToken string // never rotated: its display prefix is stored
	for _, typ := range []string{"CIToken", "UserToken", "ScanCentralOneTimeJobToken"} {
		plain, encoded, id := carol.createToken(map[string]any{"type": typ, "name": "n-" + strings.ToLower(typ)})
		secrets = append(secrets, plain, encoded)
		if typ == "UserToken" {
			userToken = plain
		}
		keep(e.verify("Bearer "+plain, "?permission=results:upload"))
		keep(e.verify("Basic "+base64.StdEncoding.EncodeToString([]byte(encoded+":")), "?permission=users:manage"))
		keep(e.withToken(plain).do("GET", "/api/v1/tokens/self", nil))
		if typ == "CIToken" {
			r := carol.do("POST", "/api/v1/tokens/"+id+"/rotate", map[string]any{"grace_seconds": 60})
			m := r.json(t)
			secrets = append(secrets, m["token"].(string), m["encoded"].(string))
			// The old secret in its grace period tries to act: refused.
			keep(e.withToken(plain).do("POST", "/api/v1/tokens/self/rotate", map[string]any{}))
		}
	}
	mistyped := []byte(secrets[len(secrets)-2])
	mistyped[12] ^= 1
	keep(e.verify("Bearer "+string(mistyped), ""))
	secrets = append(secrets, string(mistyped))
	leaked, _, _ := carol.createToken(map[string]any{"type": "CIToken", "name": "leaked"})
	secrets = append(secrets, leaked)
	keep(e.withToken("").do("POST", "/api/v1/tokens/revoke-leaked", map[string]any{"token": leaked}))
	keep(e.verify("Bearer "+leaked, ""))

	// Applications: client secrets, the single credential, app tokens.
	appID := e.createApp("bot", "read-write", "introspect")
	_, clientID, clientSecret, credential := e.createCredential(appID)
	secrets = append(secrets, clientSecret, credential)
	r := e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "apptok"})
	appTok := r.json(t)["token"].(string)
	secrets = append(secrets, appTok, r.json(t)["encoded"].(string))
	keep(e.verify("Bearer "+appTok, "?permission=api:read"))

	// OAuth2: every grant, refresh reuse, wrong secrets, introspection.
	cc := e.form("/oauth/token", basicAuth(clientID, clientSecret), url.Values{"grant_type": {"client_credentials"}}).json(t)
	jwt := cc["access_token"].(string)
	secrets = append(secrets, jwt)
	keep(e.form("/oauth/token", basicAuth(clientID, clientSecret+"x"), url.Values{"grant_type": {"client_credentials"}}))
	forti := e.form("/api/v1/auth/credentials/token/", "Basic "+credential, url.Values{"grant_type": {"client_credentials"}}).json(t)
	secrets = append(secrets, forti["access_token"].(string), forti["refresh_token"].(string))
	pw := e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"carol"}, "password": {"carol-new-password-1"}}).json(t)
	refresh := pw["refresh_token"].(string)
	secrets = append(secrets, pw["access_token"].(string), refresh)
	next := e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}).json(t)
	secrets = append(secrets, next["access_token"].(string), next["refresh_token"].(string))
	keep(e.form("/oauth/token", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})) // reuse
	keep(e.form("/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {"carol"}, "password": {"wrong-password-guess-1"}}))
	exchanged := e.form("/oauth/token", "", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {userToken}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}})
	if exchanged.status == http.StatusOK {
		secrets = append(secrets, exchanged.json(t)["access_token"].(string))
	} else {
		keep(exchanged)
	}
	keep(e.form("/oauth/introspect", basicAuth(clientID, clientSecret), url.Values{"token": {jwt}}))
	keep(e.form("/oauth/revoke", basicAuth(clientID, clientSecret), url.Values{"token": {jwt}}))
	keep(e.verify("Bearer "+jwt, ""))

	// A webhook's signing secret.
	hook := e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example.org/tm", "events": []string{"token.created"}})
	if hook.status != http.StatusCreated {
		t.Fatalf("create webhook: %d %s", hook.status, hook.body)
	}
	secrets = append(secrets, hook.json(t)["secret"].(string))
	keep(e.admin.do("GET", "/api/v1/webhooks", nil))

	// What an operator reads: the audit trail through the API, the lists,
	// the metrics.
	keep(e.admin.do("GET", "/api/v1/audit?limit=500", nil))
	keep(e.admin.do("GET", "/api/v1/tokens?all=true&limit=500", nil))
	keep(e.admin.do("GET", "/api/v1/applications/"+appID+"/credentials", nil))
	metrics := roundTrip(t, http.DefaultClient, mustRequest(t, "GET", e.srv.URL+"/metrics"))
	if metrics.status != http.StatusOK || !bytes.Contains(metrics.body, []byte("tokenmint_verify_total")) {
		t.Fatalf("metrics: %d", metrics.status)
	}
	keep(metrics)

	entries, err := e.db.ListAudit(t.Context(), tokenmint.AuditFilter{Limit: 10000})
	if err != nil || len(entries) < 20 {
		t.Fatalf("audit: %d entries, %v", len(entries), err)
	}
	var audit bytes.Buffer
	for _, en := range entries {
		audit.WriteString(strings.Join([]string{en.Action, en.ActorID, en.ObjectID, en.Detail, en.ClientIP, en.Outcome}, " ") + "\n")
	}
	if err := e.svc.Close(t.Context()); err != nil { // flush usage and jobs
		t.Fatal(err)
	}
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	stored := readDatabaseFiles(t, e.dbPath)

	places := map[string][]byte{"logs": logs.Bytes(), "audit": audit.Bytes(), "answers": answers.Bytes(), "database": stored}
	// The scan can fail: each place holds something it must (the logs a
	// debug line, the audit a token ID, the database a display prefix).
	for where, must := range map[string]string{"logs": "level=DEBUG", "audit": "token.create", "database": userToken[:tokenmint.DisplayPrefixLen]} {
		if !bytes.Contains(places[where], []byte(must)) {
			t.Fatalf("%s lacks %q: the scan is not reading it", where, must)
		}
	}
	for _, s := range secrets {
		for _, form := range secretForms(s) {
			for where, hay := range places {
				if bytes.Contains(hay, []byte(form)) {
					t.Errorf("%s contains the secret %.6s… (as %.12s…)", where, s, form)
				}
			}
		}
	}
	t.Logf("scanned %d secrets × %d forms in %d bytes of logs, %d of audit, %d of answers, %d of database",
		len(secrets), len(secretForms("x")), len(places["logs"]), audit.Len(), answers.Len(), len(stored))
}

// secretForms are the encodings a secret could leak in.
func secretForms(s string) []string {
	b := []byte(s)
	return []string{
		s,
		base64.StdEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		hex.EncodeToString(b),
		url.QueryEscape(s),
	}
}

func mustRequest(t *testing.T, method, target string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, target, io.Reader(nil))
	if err != nil {
		t.Fatal(err)
	}
	return req
}
