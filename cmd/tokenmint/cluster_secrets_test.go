package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tokenmint/postgres/postgrestest"
)

// oauthForm posts an OAuth2 form to an instance and decodes the answer.
func oauthForm(t *testing.T, in *instance, path string, v url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(in.srv.URL+path, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// No secret the cluster handed out, nor any password, is stored in the
// PostgreSQL database in a readable form: every column of every table is
// read back and searched, as text and as bytes.
func TestNoPlainSecretInPostgreSQL(t *testing.T) {
	dbURL := postgrestest.Start(t).NewDatabase(t)
	var hookMu sync.Mutex
	var hookBodies []byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hookMu.Lock()
		hookBodies = append(hookBodies, b...)
		hookMu.Unlock()
	}))
	defer hook.Close()
	allowHook := func(c *serverConfig) { c.WebhookAllowedNetworks = "127.0.0.1" }
	a := startInstanceWith(t, dbURL, allowHook)
	b := startInstanceWith(t, dbURL, allowHook)
	sa := a.login(t)

	secrets := map[string]string{ // what → secret
		"admin password": "cluster-admin-pw", "pepper": clusterPepper, "master key": clusterMasterKey,
	}
	add := func(what, s string) {
		if s == "" {
			t.Fatalf("%s: empty", what)
		}
		secrets[what] = s
	}

	// A webhook with a generated secret, then a secret of the caller's.
	wh := sa.expectCall(201, "POST", "/api/v1/webhooks", `{"url":"`+hook.URL+`/hook","events":["token.created","token.revoked","token.leaked"]}`)
	add("generated webhook secret", wh["secret"].(string))
	const ownHookSecret = "caller-chosen-webhook-secret-7Qz"
	sa.expectCall(200, "PATCH", "/api/v1/webhooks/"+wh["id"].(string), `{"secret":"`+ownHookSecret+`"}`)
	add("chosen webhook secret", ownHookSecret)

	// User tokens of a member, created on A and used on B.
	addUser(sa, "carol", `["member"]`)
	add("carol's password", "carol-password")
	carol := signIn(t, b, "carol")
	var prefix string
	for _, typ := range []string{"CIToken", "UserToken", "ScanCentralOneTimeJobToken"} {
		m := carol.expectCall(201, "POST", "/api/v1/tokens", `{"type":"`+typ+`","name":"n"}`)
		add(typ, m["token"].(string))
		add(typ+" encoded", m["encoded"].(string))
		verifyFor(a.srv.URL, m["token"].(string), "api:read")
		verifyFor(a.srv.URL, m["token"].(string), "users:manage") // refused, and recorded
		switch typ {
		case "CIToken":
			r := carol.expectCall(200, "POST", "/api/v1/tokens/"+m["id"].(string)+"/rotate", `{"grace_seconds":60}`)
			add("rotated CIToken", r["token"].(string))
			add("rotated CIToken encoded", r["encoded"].(string))
			verifyFor(a.srv.URL, r["token"].(string), "api:read")
		case "UserToken":
			prefix = m["prefix"].(string)
		}
	}
	// A mistyped token presented to verify is near enough a secret.
	typo := []byte(secrets["CIToken"])
	typo[10] ^= 1
	verifyOn(a.srv.URL, string(typo))
	add("mistyped token", string(typo))
	// A token reported leaked.
	leaked, _, st := carol.createToken("CIToken")
	if st != 201 {
		t.Fatalf("token to leak: %d", st)
	}
	add("leaked token", leaked)
	carol.expectCall(202, "POST", "/api/v1/tokens/revoke-leaked", `{"token":"`+leaked+`"}`)

	// An application with client credentials and a token of its own.
	app := sa.expectCall(201, "POST", "/api/v1/applications", `{"name":"bot","access_types":["read-write"]}`)
	appID := app["id"].(string)
	cred := sa.expectCall(201, "POST", "/api/v1/applications/"+appID+"/credentials", "")
	add("client secret", cred["client_secret"].(string))
	add("credential", cred["credential"].(string))
	at := sa.expectCall(201, "POST", "/api/v1/applications/"+appID+"/tokens", `{"type":"ApplicationToken","name":"bot-token"}`)
	add("application token", at["token"].(string))
	add("application token encoded", at["encoded"].(string))
	add("client_credentials JWT", tokenOn(t, b, cred["client_id"].(string), cred["client_secret"].(string)))

	// A password grant, its refresh on the other instance, and a reuse of
	// the spent refresh token.
	st, pw := oauthForm(t, a, "/oauth/token", url.Values{"grant_type": {"password"}, "username": {"carol"}, "password": {"carol-password"}, "client_id": {"cli"}})
	if st != 200 {
		t.Fatalf("password grant: %d %v", st, pw)
	}
	add("password grant access token", pw["access_token"].(string))
	add("refresh token", pw["refresh_token"].(string))
	st, rf := oauthForm(t, b, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pw["refresh_token"].(string)}, "client_id": {"cli"}})
	if st != 200 {
		t.Fatalf("refresh: %d %v", st, rf)
	}
	add("refreshed access token", rf["access_token"].(string))
	add("second refresh token", rf["refresh_token"].(string))
	if st, _ := oauthForm(t, a, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pw["refresh_token"].(string)}, "client_id": {"cli"}}); st != 400 {
		t.Errorf("reused refresh token: %d, want 400", st)
	}

	// Login sessions: the cookie is a credential too.
	for who, s := range map[string]*session{"admin": sa, "carol": carol} {
		u, _ := url.Parse(s.base)
		for _, c := range s.c.Jar.Cookies(u) {
			if c.Name == "tm_session" {
				add(who+"'s session cookie", c.Value)
			}
		}
	}

	// Write everything buffered: usage and the outbox.
	for _, in := range []*instance{a, b} {
		if err := in.app.svc.Usage().Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := in.app.svc.DeliverPending(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	columns := dumpColumns(t, dbURL)
	for what, s := range secrets {
		forms := [][]byte{[]byte(s), []byte(hex.EncodeToString([]byte(s)))}
		for col, data := range columns {
			for _, f := range forms {
				if bytes.Contains(data, f) {
					t.Errorf("%s holds the %s (%.8s…)", col, what, s)
				}
			}
		}
		hookMu.Lock()
		if bytes.Contains(hookBodies, []byte(s)) {
			t.Errorf("a webhook delivery carried the %s", what)
		}
		hookMu.Unlock()
	}

	// The scan can fail: it does see what is stored in the clear.
	for what, s := range map[string]string{"a token's display prefix": prefix, "the webhook URL": hook.URL, "a user name": "carol"} {
		found := false
		for _, data := range columns {
			found = found || bytes.Contains(data, []byte(s))
		}
		if !found {
			t.Errorf("%s (%q) is nowhere in the dump; the scan does not read what it should", what, s)
		}
	}
	hookMu.Lock()
	defer hookMu.Unlock()
	if !bytes.Contains(hookBodies, []byte("token.leaked")) {
		t.Errorf("no token.leaked webhook was delivered; deliveries are not in the dump")
	}
}

// dumpColumns reads every column of every table of the database: bytea as
// its bytes, anything else as text. The result maps "table.column" to all
// its values joined.
func dumpColumns(t *testing.T, dbURL string) map[string][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type
		FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	type column struct{ table, name, typ string }
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		return c, r.Scan(&c.table, &c.name, &c.typ)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	tables := map[string]bool{}
	total := 0
	for _, c := range cols {
		tables[c.table] = true
		ident := pgx.Identifier{c.name}.Sanitize()
		q := "SELECT " + ident + "::text FROM " + pgx.Identifier{c.table}.Sanitize() + " WHERE " + ident + " IS NOT NULL"
		if c.typ == "bytea" {
			q = "SELECT " + ident + " FROM " + pgx.Identifier{c.table}.Sanitize() + " WHERE " + ident + " IS NOT NULL"
		}
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s.%s: %v", c.table, c.name, err)
		}
		var data []byte
		for rows.Next() {
			var v []byte
			if c.typ == "bytea" {
				err = rows.Scan(&v)
			} else {
				var s string
				err = rows.Scan(&s)
				v = []byte(s)
			}
			if err != nil {
				t.Fatalf("%s.%s: %v", c.table, c.name, err)
			}
			data = append(append(data, v...), 0)
			total += len(v)
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s.%s: %v", c.table, c.name, err)
		}
		out[c.table+"."+c.name] = data
	}
	for _, want := range []string{"tokens", "token_secrets", "client_credentials", "refresh_tokens", "webhooks", "deliveries", "sessions", "audit_log"} {
		if !tables[want] {
			t.Errorf("table %s was not dumped (tables: %v)", want, tables)
		}
	}
	t.Logf("dumped %d columns of %d tables, %d bytes", len(cols), len(tables), total)
	return out
}
