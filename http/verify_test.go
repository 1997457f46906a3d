package http_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tokenmint"
)

func basic(tok string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(tok+":"))
}

func TestVerifyAcceptsEveryPresentation(t *testing.T) {
	e := newEnv(t)
	plain, encoded, id := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	for name, auth := range map[string]string{
		"bearer": "Bearer " + plain, "bearer encoded": "Bearer " + encoded,
		"basic": basic(plain), "basic encoded": basic(encoded),
	} {
		r := e.verify(auth, "?permission=results:upload")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		m := r.json(t)
		if m["active"] != true || m["token_id"] != id || m["type"] != "CIToken" || m["tenant"] != "default" || m["owner_kind"] != "user" {
			t.Fatalf("%s: body %s", name, r.body)
		}
		if r.header.Get("X-Auth-Subject") == "" || r.header.Get("X-Auth-Tenant") != "default" {
			t.Fatalf("%s: headers %v", name, r.header)
		}
		if _, err := time.Parse(time.RFC3339, r.header.Get("X-Token-Expiration")); err != nil {
			t.Fatalf("%s: X-Token-Expiration %q", name, r.header.Get("X-Token-Expiration"))
		}
	}
	// A no-expiry token carries no X-Token-Expiration.
	ne, _, _ := e.admin.createToken(map[string]any{"type": "UserToken", "name": "forever", "no_expiry": true})
	if r := e.verify("Bearer "+ne, ""); r.status != 200 || r.header.Get("X-Token-Expiration") != "" {
		t.Fatalf("no-expiry token: %d, header %q", r.status, r.header.Get("X-Token-Expiration"))
	}
}

func TestVerifyRefusesBadTokensWith401(t *testing.T) {
	e := newEnv(t)
	mk := func(body map[string]any) (string, string) {
		p, _, id := e.admin.createToken(body)
		return p, id
	}
	good, _ := mk(map[string]any{"type": "CIToken", "name": "good"})
	expiring, _ := mk(map[string]any{"type": "CIToken", "name": "exp", "days_to_live": 1})
	revoked, rid := mk(map[string]any{"type": "CIToken", "name": "rev"})
	inactive, iid := mk(map[string]any{"type": "CIToken", "name": "ina"})
	single, _ := mk(map[string]any{"type": "ScanCentralOneTimeJobToken", "name": "once", "days_to_live": 7})
	if r := e.admin.do("DELETE", "/api/v1/tokens/"+rid, nil); r.status != 204 {
		t.Fatal(r.status)
	}
	if r := e.admin.do("PATCH", "/api/v1/tokens/"+iid, map[string]any{"active": false}); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := e.verify("Bearer "+single, ""); r.status != 200 {
		t.Fatalf("first use of single-use token: %d %s", r.status, r.body)
	}
	e.clock.Advance(25 * time.Hour)

	mistyped := good[:10] + string(rune(good[10]^1)) + good[11:]
	unknown := tokenmint.FormatToken('u', strings.Repeat("A", tokenmint.RandomLen))
	cases := map[string]string{
		"missing": "", "unknown": "Bearer " + unknown, "mistyped": "Bearer " + mistyped,
		"expired": "Bearer " + expiring, "revoked": "Bearer " + revoked, "inactive": "Bearer " + inactive,
		"exhausted": "Bearer " + single, "garbage scheme": "Token " + good,
	}
	for name, auth := range cases {
		t.Run(name, func(t *testing.T) {
			r := e.verify(auth, "")
			if r.status != http.StatusUnauthorized || r.errorCode(t) != "unauthorized" {
				t.Fatalf("got %d %s, want 401", r.status, r.body)
			}
			if !strings.Contains(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
	// The states are named so operators can see what stopped working.
	for name, want := range map[string]string{"expired": "expired", "revoked": "revoked", "inactive": "inactive", "exhausted": "exhausted"} {
		if msg := e.verify(cases[name], "").message(t); !strings.Contains(msg, want) {
			t.Errorf("%s: message %q", name, msg)
		}
	}
	if r := e.verify("Bearer "+good, ""); r.status != 200 {
		t.Fatalf("good token: %d", r.status)
	}
}

func TestMistypedTokenIsRejectedBeforeAnyLookup(t *testing.T) {
	e := newEnv(t)
	good, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "good"})
	before := e.store.secretLookups.Load()
	for i := 4; i < len(good); i += 7 {
		b := []byte(good)
		b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
		if r := e.verify("Bearer "+string(b), ""); r.status != 401 {
			t.Fatalf("mistype at %d: %d", i, r.status)
		}
	}
	if n := e.store.secretLookups.Load() - before; n != 0 {
		t.Fatalf("mistyped tokens caused %d store lookups, want 0", n)
	}
	// A well-formed unknown token does reach the store: the counter works.
	e.verify("Bearer "+tokenmint.FormatToken('u', strings.Repeat("Z", tokenmint.RandomLen)), "")
	if e.store.secretLookups.Load() == before {
		t.Fatal("lookup counter did not move for a well-formed token")
	}
}

func TestVerifyRefusesWhatTheTokenMayNotDoWith403(t *testing.T) {
	e := newEnv(t)
	// Projects p1 and p2 in the default tenant; p-other in another tenant.
	for _, p := range []string{"p1", "p2"} {
		if r := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": p}); r.status != 201 {
			t.Fatalf("project %s: %d %s", p, r.status, r.body)
		}
	}
	if _, _, err := e.svc.CreateTenant(t.Context(), "other", "root", "root-password"); err != nil {
		t.Fatal(err)
	}
	other := e.loginTenant("other", "root", "root-password")
	if r := other.do("POST", "/api/v1/projects", map[string]any{"name": "p-other"}); r.status != 201 {
		t.Fatalf("other project: %d %s", r.status, r.body)
	}
	otherProjectID := other.do("GET", "/api/v1/projects/p-other", nil).json(t)["id"].(string)

	ci, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	scoped, _, _ := e.admin.createToken(map[string]any{"type": "ProjectAnalysisToken", "name": "pat", "project": "p1"})
	viewer, _ := e.createUser("vera", "viewer")
	viewerCI, _, _ := viewer.createToken(map[string]any{"type": "CIToken", "name": "vera-ci"})

	cases := []struct{ name, tok, query string }{
		{"permission the type lacks", ci, "?permission=issues:audit"},
		{"project it is not scoped to", scoped, "?permission=results:upload&project=p2"},
		{"viewer token write verb", viewerCI, "?permission=api:write"},
		{"viewer token upload", viewerCI, "?permission=results:upload"},
		{"another tenant's project by name", ci, "?permission=results:upload&project=p-other"},
		{"another tenant's project by id", ci, "?permission=results:upload&project=" + otherProjectID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.verify("Bearer "+c.tok, c.query)
			if r.status != http.StatusForbidden || r.errorCode(t) != "forbidden" {
				t.Fatalf("got %d %s, want 403", r.status, r.body)
			}
		})
	}
	for _, ok := range []struct{ tok, query string }{
		{scoped, "?permission=results:upload&project=p1"},
		{viewerCI, "?permission=api:read"},
		{ci, "?permission=results:upload&project=p2"},
	} {
		if r := e.verify("Bearer "+ok.tok, ok.query); r.status != 200 {
			t.Fatalf("%s: %d %s", ok.query, r.status, r.body)
		}
	}
	// A project-scoped token dies with its project, with or without a
	// project in the request, though the admin's tenant-wide role would
	// still allow the permission; a new project of the same name does not
	// bring it back.
	ex := e.form("/oauth/token", "", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {scoped}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}})
	expect(t, ex, http.StatusOK, "exchange the scoped token")
	scopedJWT := ex.json(t)["access_token"].(string)
	expect(t, e.verify("Bearer "+scopedJWT, "?permission=results:upload"), http.StatusOK, "its JWT before the deletion")
	expect(t, e.admin.do("DELETE", "/api/v1/projects/p1", nil), http.StatusNoContent, "delete p1")
	for _, q := range []string{"?permission=results:upload", "?permission=results:upload&project=p1"} {
		if r := e.verify("Bearer "+scoped, q); r.status != http.StatusForbidden || !strings.Contains(r.message(t), "project was deleted") {
			t.Errorf("scoped token after its project was deleted, %s: %d %s; want 403", q, r.status, r.body)
		}
	}
	if r := e.verify("Bearer "+scopedJWT, "?permission=results:upload"); r.status != http.StatusForbidden || !strings.Contains(r.message(t), "project was deleted") {
		t.Errorf("the scoped token's JWT after its project was deleted: %d %s; want 403", r.status, r.body)
	}
	expect(t, e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "p1"}), http.StatusCreated, "recreate p1")
	if r := e.verify("Bearer "+scoped, "?permission=results:upload&project=p1"); r.status != http.StatusForbidden {
		t.Errorf("scoped token after a new p1 was created: %d %s; want 403", r.status, r.body)
	}
}

func TestOwnerChangesTakeEffectAtOnce(t *testing.T) {
	e := newEnv(t)
	_, aliceID := e.createUser("alice", "member")
	alice := e.login("alice", "alice-password")
	tok, _, _ := alice.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	check := func(want int, perm string) {
		t.Helper()
		if r := e.verify("Bearer "+tok, "?permission="+perm); r.status != want {
			t.Fatalf("%s: %d %s, want %d", perm, r.status, r.body, want)
		}
	}
	check(200, "results:upload") // warms the cache

	// Demoted to viewer: write verbs stop at once, reads still work.
	if r := e.admin.do("PATCH", "/api/v1/users/"+aliceID, map[string]any{"roles": []string{"viewer"}}); r.status != 200 {
		t.Fatal(r.status, string(r.body))
	}
	check(403, "results:upload")
	check(200, "api:read")

	// No role left: the token stops entirely.
	if r := e.admin.do("PATCH", "/api/v1/users/"+aliceID, map[string]any{"roles": []string{}}); r.status != 200 {
		t.Fatal(r.status)
	}
	check(403, "api:read")

	// Role back, then disabled: 401 at once; enabled again: works.
	e.admin.do("PATCH", "/api/v1/users/"+aliceID, map[string]any{"roles": []string{"member"}})
	check(200, "results:upload")
	if r := e.admin.do("PATCH", "/api/v1/users/"+aliceID, map[string]any{"enabled": false}); r.status != 200 {
		t.Fatal(r.status)
	}
	check(401, "results:upload")
	e.admin.do("PATCH", "/api/v1/users/"+aliceID, map[string]any{"enabled": true})
	check(200, "results:upload")
}

func TestProjectRoleGrantsAndRemovalTakeEffectAtOnce(t *testing.T) {
	e := newEnv(t)
	e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "web"})
	bob, bobID := e.createUser("bob", "viewer")
	if r := e.admin.do("PUT", "/api/v1/projects/web/members/"+bobID, map[string]any{"role": "member"}); r.status != 200 {
		t.Fatalf("membership: %d %s", r.status, r.body)
	}
	tok, _, _ := bob.createToken(map[string]any{"type": "ProjectAnalysisToken", "name": "pat", "project": "web"})
	if r := e.verify("Bearer "+tok, "?permission=results:upload&project=web"); r.status != 200 {
		t.Fatalf("project member upload: %d %s", r.status, r.body)
	}
	if r := e.admin.do("DELETE", "/api/v1/projects/web/members/bob", nil); r.status != 204 {
		t.Fatal(r.status)
	}
	if r := e.verify("Bearer "+tok, "?permission=results:upload&project=web"); r.status != 403 {
		t.Fatalf("after membership removal: %d", r.status)
	}
}

func TestSingleUseTokenSucceedsExactlyOnceUnderConcurrency(t *testing.T) {
	e := newEnv(t)
	tok, _, id := e.admin.createToken(map[string]any{"type": "ScanCentralOneTimeJobToken", "name": "job"})
	const n = 50
	var wg sync.WaitGroup
	codes := make([]int, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/auth/verify?permission=results:upload", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}(i)
	}
	close(start)
	wg.Wait()
	ok, unauthorized := 0, 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 401:
			unauthorized++
		}
	}
	if ok != 1 || unauthorized != n-1 {
		t.Fatalf("%d × 200 and %d × 401 of %d, want exactly one 200", ok, unauthorized, n)
	}
	if r := e.admin.do("GET", "/api/v1/tokens/"+id, nil); r.json(t)["status"] != "exhausted" {
		t.Fatalf("status after use: %s", r.body)
	}
}
