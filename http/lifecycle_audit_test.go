package http_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every audited action leaves exactly one entry naming actor, object,
// client IP and outcome; the audit API filters and pages; no secret that
// was issued appears in the audit table, the database file or the logs.
func TestAuditEveryActionOnceWithoutSecrets(t *testing.T) {
	logs := &syncBuffer{}
	e := newLCEnv(t, lcOptions{mail: true, logs: logs})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer hook.Close()
	var secrets []string

	// Users: create, update, login success and failure.
	r := e.admin.do("POST", "/api/v1/users", map[string]any{"username": "lena", "email": "lena@example.com", "password": "lena-password-1", "roles": []string{"member"}})
	expect(t, r, http.StatusCreated, "create user")
	lenaID := r.json(t)["id"].(string)
	expect(t, e.admin.do("PATCH", "/api/v1/users/"+lenaID, map[string]any{"password": "lena-password-2"}), http.StatusOK, "update user")
	lena := e.login("lena", "lena-password-2")
	bad := e.withToken("")
	expect(t, bad.do("POST", "/api/v1/auth/login", map[string]any{"username": "lena", "password": "lena-password-1"}), http.StatusUnauthorized, "failed login")
	secrets = append(secrets, "lena-password-1", "lena-password-2", adminPassword, smtpPassword)

	// Tokens: create, extend, deactivate, activate, rotate, block, unblock, revoke.
	plain, encoded, id := lena.createToken(map[string]any{"type": "CIToken", "name": "audited", "days_to_live": 10})
	secrets = append(secrets, plain, encoded)
	expect(t, lena.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"days_to_live": 20}), http.StatusOK, "extend")
	expect(t, lena.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"active": false}), http.StatusOK, "deactivate")
	expect(t, e.admin.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"active": true}), http.StatusOK, "activate")
	r = lena.do("POST", "/api/v1/tokens/"+id+"/rotate", map[string]any{"grace_seconds": 60})
	expect(t, r, http.StatusOK, "rotate")
	rot := r.json(t)
	secrets = append(secrets, rot["token"].(string), rot["encoded"].(string))
	expect(t, lena.do("PUT", "/api/v1/tokens/"+id+"/blocked-ips/192.0.2.1", nil), http.StatusOK, "block")
	expect(t, e.admin.do("DELETE", "/api/v1/tokens/"+id+"/blocked-ips/192.0.2.1", nil), http.StatusNoContent, "unblock")
	expect(t, lena.do("DELETE", "/api/v1/tokens/"+id, nil), http.StatusNoContent, "revoke")

	// A leaked token reported by anyone.
	leakedPlain, leakedEnc, leakedID := lena.createToken(map[string]any{"type": "CIToken", "name": "leaked"})
	secrets = append(secrets, leakedPlain, leakedEnc)
	expect(t, bad.do("POST", "/api/v1/tokens/revoke-leaked", map[string]any{"token": leakedPlain}), http.StatusAccepted, "report leak")

	// Grants, policy and webhooks.
	r = e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "alpha"})
	expect(t, r, http.StatusCreated, "create project")
	projID := r.json(t)["id"].(string)
	expect(t, e.admin.do("PUT", "/api/v1/projects/"+projID+"/members/lena", map[string]any{"role": "viewer"}), http.StatusOK, "grant role")
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"expiry_notice_days": 14}), http.StatusOK, "policy")
	r = e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": hook.URL + "/x?key=receiver-credential-77", "events": []string{"token.revoked", "token.leaked"}})
	expect(t, r, http.StatusCreated, "create webhook")
	whID := r.json(t)["id"].(string)
	secrets = append(secrets, r.json(t)["secret"].(string))
	// The receiver's credential in its URL must be stored to deliver, but
	// never reach the audit log or the logs.
	urlCredential := "receiver-credential-77"
	r = e.admin.do("PATCH", "/api/v1/webhooks/"+whID, map[string]any{"secret": "rotated-webhook-secret-0042"})
	expect(t, r, http.StatusOK, "update webhook")
	secrets = append(secrets, "rotated-webhook-secret-0042")
	e.deliver()
	expect(t, e.admin.do("DELETE", "/api/v1/webhooks/"+whID, nil), http.StatusNoContent, "delete webhook")

	adminID := e.admin.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	for _, c := range []struct{ action, object, outcome, actor string }{
		{"user.create", lenaID, "success", adminID},
		{"user.update", lenaID, "success", adminID},
		{"login", lenaID, "success", lenaID},
		{"login", lenaID, "failure", ""},
		{"token.create", id, "success", lenaID},
		{"token.extend", id, "success", lenaID},
		{"token.deactivate", id, "success", lenaID},
		{"token.activate", id, "success", adminID},
		{"token.rotate", id, "success", lenaID},
		{"token.block_ip", id, "success", lenaID},
		{"token.unblock_ip", id, "success", adminID},
		{"token.revoke", id, "success", lenaID},
		{"token.revoke_leaked", leakedID, "success", ""},
		{"membership.put", projID, "success", adminID},
		{"policy.update", "", "success", adminID},
		{"webhook.create", whID, "success", adminID},
		{"webhook.update", whID, "success", adminID},
		{"webhook.delete", whID, "success", adminID},
	} {
		q := "action=" + c.action + "&outcome=" + c.outcome
		if c.object != "" {
			q += "&object=" + c.object
		}
		items := auditItems(t, e.admin, q)
		if len(items) != 1 {
			t.Errorf("%s on %s (%s): %d audit entries, want 1: %v", c.action, c.object, c.outcome, len(items), items)
			continue
		}
		it := items[0]
		if it["actor_id"] != c.actor || it["client_ip"] == "" || it["time"] == nil {
			t.Errorf("%s: entry %v, want actor %q and a client IP", c.action, it, c.actor)
		}
	}

	// Paging with limit and cursor visits every entry once, newest first.
	all := auditItems(t, e.admin, "")
	seen := map[float64]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		r := e.admin.do("GET", "/api/v1/audit?limit=3&cursor="+cursor, nil)
		expect(t, r, http.StatusOK, "audit page")
		m := r.json(t)
		for _, it := range m["items"].([]any) {
			id := it.(map[string]any)["id"].(float64)
			if seen[id] {
				t.Fatalf("entry %v on two pages", id)
			}
			seen[id] = true
		}
		next, _ := m["next_cursor"].(string)
		if next == "" || pages > 100 {
			break
		}
		cursor = next
	}
	if len(seen) != len(all) || len(all) < 18 {
		t.Errorf("paging saw %d entries, the log has %d", len(seen), len(all))
	}
	for _, q := range []string{"since=yesterday", "limit=0", "outcome=maybe", "cursor=abc", "since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z"} {
		if r := e.admin.do("GET", "/api/v1/audit?"+q, nil); r.status != http.StatusBadRequest {
			t.Errorf("audit?%s: %d, want 400", q, r.status)
		}
	}
	if r := lena.do("GET", "/api/v1/audit", nil); r.status != http.StatusForbidden {
		t.Errorf("member reads the audit log: %d", r.status)
	}
	if items := auditItems(t, e.admin, "since=2099-01-01T00:00:00Z"); len(items) != 0 {
		t.Errorf("entries from the future: %v", items)
	}

	// Secrets: the audit table row by row, then every byte of the database
	// files, then the logs.
	db, err := sql.Open("sqlite", "file:"+e.dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT * FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	var auditDump bytes.Buffer
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&auditDump, vals...)
		n++
	}
	rows.Close()
	db.Close()
	if n < 18 || !strings.Contains(auditDump.String(), "token.rotate") {
		t.Fatalf("read %d audit rows; the dump does not look like the audit table", n)
	}
	e.stop()
	stored := readDatabaseFiles(t, e.dbPath)
	if len(logs.Bytes()) < 200 {
		t.Fatalf("only %d bytes of logs captured; the scan would prove nothing", len(logs.Bytes()))
	}
	for _, s := range secrets {
		for where, hay := range map[string][]byte{"audit table": auditDump.Bytes(), "database files": stored, "logs": logs.Bytes()} {
			if bytes.Contains(hay, []byte(s)) {
				t.Errorf("%s contain the secret %.10s…", where, s)
			}
		}
	}
	for where, hay := range map[string][]byte{"audit table": auditDump.Bytes(), "logs": logs.Bytes()} {
		if bytes.Contains(hay, []byte(urlCredential)) {
			t.Errorf("%s contain the webhook URL's credential", where)
		}
	}
	if len(e.smtp.Messages()) == 0 {
		t.Error("the leak report sent no mail; the SMTP password was never used")
	}
}
