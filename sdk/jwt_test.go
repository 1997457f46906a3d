package sdk_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tokenmint/sdk"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// refusal returns the status of a refusal, or 200 for none.
func refusal(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 200
	}
	var e *sdk.Error
	if !errors.As(err, &e) {
		t.Fatalf("not an *sdk.Error: %v", err)
	}
	return e.Status
}

func TestOfflineJWT(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	now := start
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, Now: func() time.Time { return now }})
	tok := signed(t, signer, now.Add(time.Hour), "api:read")
	id, err := v.Verify(context.Background(), tok, "api:read", "")
	if err != nil || id.Subject != "app-1" || !id.JWT || !id.Has("api:read") {
		t.Fatalf("Verify = %+v, %v", id, err)
	}
	if _, err := v.Verify(context.Background(), tok, "api:write", ""); refusal(t, err) != 403 {
		t.Errorf("missing scope: %v", err)
	}
	other := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "another", OfflineJWT: true, Now: func() time.Time { return now }})
	if _, err := other.Verify(context.Background(), tok, "", ""); refusal(t, err) != 401 {
		t.Errorf("wrong issuer: %v", err)
	}
	late := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, Now: func() time.Time { return now.Add(time.Hour) }})
	if _, err := late.Verify(context.Background(), tok, "", ""); refusal(t, err) != 401 {
		t.Errorf("expired: %v", err)
	}
	// The opt-out: a revoked JWT stays accepted, and the server is never asked.
	f.revoke("j1")
	now = now.Add(sdk.DefaultCacheTTL)
	if _, err := v.Verify(context.Background(), tok, "api:read", ""); err != nil {
		t.Errorf("OfflineJWT refused a revoked JWT before its expiry: %v", err)
	}
	if n := f.verifyCalls.Load(); n != 0 {
		t.Errorf("OfflineJWT asked the server %d times", n)
	}
}

// By default a revoked JWT is refused within CacheTTL, and the server is
// asked once per token per CacheTTL whatever the requests ask about.
func TestJWTRevocationCheckedByDefault(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	now := start
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", Now: func() time.Time { return now }})
	ctx := context.Background()
	tok := sign(t, signer, claims(now, "api:read projects:read"))
	for _, q := range []struct{ perm, project string }{{"api:read", ""}, {"projects:read", ""}, {"", ""}, {"api:read", "p1"}} {
		if _, err := v.Verify(ctx, tok, q.perm, q.project); err != nil {
			t.Fatalf("Verify(%q, %q): %v", q.perm, q.project, err)
		}
	}
	if _, err := v.Verify(ctx, tok, "api:write", ""); refusal(t, err) != 403 {
		t.Errorf("missing scope: %v", err)
	}
	if n := f.verifyCalls.Load(); n != 1 {
		t.Errorf("the server was asked %d times about one token within the TTL, want 1", n)
	}

	f.revoke("j1")
	now = now.Add(sdk.DefaultCacheTTL - time.Second)
	if _, err := v.Verify(ctx, tok, "api:read", ""); err != nil {
		t.Errorf("within the TTL the cached answer stands: %v", err)
	}
	now = now.Add(time.Second)
	_, err := v.Verify(ctx, tok, "api:read", "")
	if e := (*sdk.Error)(nil); !errors.As(err, &e) || e.Status != 401 || e.Code != "invalid_token" {
		t.Fatalf("revoked JWT after the TTL: %v", err)
	}
	if _, err := v.Verify(ctx, tok, "projects:read", ""); refusal(t, err) != 401 {
		t.Errorf("revoked JWT, another permission: %v", err)
	}
	if n := f.verifyCalls.Load(); n != 2 {
		t.Errorf("the refusal was not cached: %d calls", n)
	}
}

// A JWT whose owner lost a permission of its scope is refused it once the
// server has been asked; offline verification still trusts the scope.
func TestJWTScopeNarrowedToWhatTheOwnerHolds(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	f.narrow("j1", "api:read")
	checked := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", Now: func() time.Time { return start }})
	offline := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, Now: func() time.Time { return start }})
	tok := sign(t, signer, claims(start, "api:read api:write"))
	id, err := checked.Verify(context.Background(), tok, "api:read", "")
	if err != nil || id.Has("api:write") {
		t.Fatalf("checked: %+v, %v", id, err)
	}
	if _, err := checked.Verify(context.Background(), tok, "api:write", ""); refusal(t, err) != 403 {
		t.Errorf("checked, permission the owner lost: %v", err)
	}
	if _, err := offline.Verify(context.Background(), tok, "api:write", ""); err != nil {
		t.Errorf("offline, permission of the scope: %v", err)
	}
}

// When the server cannot say whether a validly signed JWT was revoked, the
// default refuses with 503 (and does not cache that); OfflineJWT accepts.
func TestJWTRevocationCheckFailsClosed(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	now := start
	clock := func() time.Time { return now }
	checked := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", Now: clock})
	offline := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, Now: clock})
	tok := sign(t, signer, claims(now, "api:read"))
	for _, v := range []*sdk.Verifier{checked, offline} {
		if _, err := v.Verify(context.Background(), tok, "api:read", ""); err != nil {
			t.Fatal(err)
		}
	}
	f.down.Store(true)
	now = now.Add(sdk.DefaultCacheTTL)
	h := checked.Require("api:read")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	h.ServeHTTP(rec, req)
	if rec.Code != 503 {
		t.Errorf("server down, default: %d, want 503", rec.Code)
	}
	if _, err := offline.Verify(context.Background(), tok, "api:read", ""); err != nil {
		t.Errorf("server down, OfflineJWT: %v", err)
	}
	f.down.Store(false)
	if _, err := checked.Verify(context.Background(), tok, "api:read", ""); err != nil {
		t.Errorf("server back: %v (a failure was cached?)", err)
	}
}

// A resource server's clock a little behind the token server's still
// accepts a token issued a moment ago; exp gets no leeway.
func TestJWTClockSkewLeeway(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	tok := sign(t, signer, claims(start, "api:read")) // iat = nbf = start, exp = start+1h
	cases := []struct {
		name   string
		leeway time.Duration
		now    time.Time
		want   int
	}{
		{"clock 1.5s behind", 0, start.Add(-1500 * time.Millisecond), 200},
		{"clock 5s behind", 0, start.Add(-5 * time.Second), 200},
		{"clock 59s behind", 0, start.Add(-59 * time.Second), 200},
		{"clock 2min behind", 0, start.Add(-2 * time.Minute), 401},
		{"clock 5s behind, leeway 10s", 10 * time.Second, start.Add(-5 * time.Second), 200},
		{"clock 5s behind, no leeway", -1, start.Add(-5 * time.Second), 401},
		{"a second before exp", 0, start.Add(time.Hour - time.Second), 200},
		{"at exp", 0, start.Add(time.Hour), 401},
		{"a second after exp", 0, start.Add(time.Hour + time.Second), 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, offline := range []bool{true, false} {
				v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", Leeway: c.leeway, OfflineJWT: offline,
					Now: func() time.Time { return c.now }})
				if _, err := v.Verify(context.Background(), tok, "api:read", ""); refusal(t, err) != c.want {
					t.Errorf("OfflineJWT=%v: %v, want %d", offline, err, c.want)
				}
			}
		})
	}
}

// A verifier pinned to a tenant refuses the tokens of another, opaque or
// JWT, with 401 invalid_token; Audience pins a JWT's aud.
func TestTenantAndAudiencePinning(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	jwtDefault := sign(t, signer, claims(start, "api:read"))
	c := claims(start, "api:read")
	c["tenant"], c["jti"] = "globex", "j2"
	jwtGlobex := sign(t, signer, c)
	opaque, _ := fakeVerify(t) // "good" is a token of tenant "default"

	cases := []struct {
		name   string
		cfg    sdk.Config
		server string
		token  string
		want   int
	}{
		{"JWT of the pinned tenant", sdk.Config{Tenant: "default"}, f.URL, jwtDefault, 200},
		{"JWT of another tenant", sdk.Config{Tenant: "default"}, f.URL, jwtGlobex, 401},
		{"JWT of another tenant, offline", sdk.Config{Tenant: "globex", OfflineJWT: true}, f.URL, jwtDefault, 401},
		{"JWT, no pin", sdk.Config{}, f.URL, jwtGlobex, 200},
		{"opaque of the pinned tenant", sdk.Config{Tenant: "default"}, opaque.URL, "good", 200},
		{"opaque of another tenant", sdk.Config{Tenant: "globex"}, opaque.URL, "good", 401},
		{"JWT for the audience", sdk.Config{Audience: "iss"}, f.URL, jwtDefault, 200},
		{"JWT for another audience", sdk.Config{Audience: "https://reports.example.com"}, f.URL, jwtDefault, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.ServerURL, c.cfg.Issuer, c.cfg.Now = c.server, "iss", func() time.Time { return start }
			h := sdk.New(c.cfg).Require("api:read")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Authorization", "Bearer "+c.token)
			h.ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Fatalf("%d, want %d (%s)", rec.Code, c.want, rec.Body)
			}
			if c.want == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), `Bearer realm="tokenmint", error="invalid_token"`) {
				t.Errorf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
	// A foreign JWT is refused before the server is asked about it.
	before := f.verifyCalls.Load()
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", Tenant: "default", Now: func() time.Time { return start }})
	v.Verify(context.Background(), jwtGlobex, "", "")
	if f.verifyCalls.Load() != before {
		t.Error("the server was asked about another tenant's JWT")
	}
}

// After a rotation tokens of the old key verify while the JWKS publishes
// it; once it leaves the JWKS they are refused, at the latest JWKSMaxAge
// later.
func TestJWTKeyRotationAndWithdrawal(t *testing.T) {
	f := newFakeTokenmint(t)
	oldKey := f.addKey(t, "k1")
	now := start
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, Now: func() time.Time { return now }})
	ctx := context.Background()
	old := sign(t, oldKey, claims(now, "api:read"))
	if _, err := v.Verify(ctx, old, "", ""); err != nil {
		t.Fatal(err)
	}
	newKey := f.addKey(t, "k2")
	now = now.Add(2 * time.Second)
	fresh := sign(t, newKey, claims(now, "api:read"))
	for name, tok := range map[string]string{"new key": fresh, "old key, still published": old} {
		if _, err := v.Verify(ctx, tok, "", ""); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	f.withdraw("k1")
	now = now.Add(sdk.DefaultJWKSMaxAge)
	if _, err := v.Verify(ctx, old, "", ""); refusal(t, err) != 401 {
		t.Errorf("old key withdrawn from the JWKS: %v", err)
	}
	if _, err := v.Verify(ctx, fresh, "", ""); err != nil {
		t.Errorf("new key after the old one left: %v", err)
	}
}

// While the server is down, the keys already fetched keep verifying and
// the JWKS is tried at most once per JWKSRefreshInterval, not by every
// request.
func TestJWKSOutageKeepsKeysAndLimitsRetries(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	now := start
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, Now: func() time.Time { return now }})
	c := claims(now, "api:read")
	c["exp"] = now.Add(24 * time.Hour).Unix()
	tok := sign(t, signer, c)
	if _, err := v.Verify(context.Background(), tok, "", ""); err != nil {
		t.Fatal(err)
	}
	f.down.Store(true)
	now = now.Add(sdk.DefaultJWKSMaxAge)
	for range 10 {
		if _, err := v.Verify(context.Background(), tok, "", ""); err != nil {
			t.Fatalf("known key during an outage: %v", err)
		}
	}
	if n := f.jwksCalls.Load(); n != 2 {
		t.Errorf("%d JWKS fetches for 10 requests at one instant of an outage, want 2 (the first, one retry)", n)
	}
	now = now.Add(time.Second)
	v.Verify(context.Background(), tok, "", "")
	if n := f.jwksCalls.Load(); n != 3 {
		t.Errorf("after JWKSRefreshInterval: %d fetches, want 3", n)
	}
}

// A server that hangs instead of refusing: while one JWKS fetch waits on
// it, requests whose key is already held are verified without waiting,
// and no second fetch starts.
func TestJWKSHangingServerDoesNotHoldRequests(t *testing.T) {
	f := newFakeTokenmint(t)
	signer := f.addKey(t, "k1")
	var mu sync.Mutex
	now := start
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	v := sdk.New(sdk.Config{ServerURL: f.URL, Issuer: "iss", OfflineJWT: true, Now: clock})
	c := claims(start, "api:read")
	c["exp"] = start.Add(24 * time.Hour).Unix()
	tok := sign(t, signer, c)
	if _, err := v.Verify(context.Background(), tok, "", ""); err != nil {
		t.Fatal(err)
	}
	hang := make(chan struct{})
	f.hang.Store(&hang)
	release := sync.OnceFunc(func() { close(hang) })
	t.Cleanup(release) // before the server closes, even when the test fails
	mu.Lock()
	now = now.Add(sdk.DefaultJWKSMaxAge) // the keys are due for a refresh
	mu.Unlock()
	first := make(chan error, 1)
	go func() { _, err := v.Verify(context.Background(), tok, "", ""); first <- err }()
	for f.jwksCalls.Load() < 2 { // the refresh has reached the hanging server
		time.Sleep(5 * time.Millisecond)
	}
	others := make(chan error, 1)
	go func() {
		for range 20 {
			if _, err := v.Verify(context.Background(), tok, "", ""); err != nil {
				others <- err
				return
			}
		}
		others <- nil
	}()
	select {
	case err := <-others:
		if err != nil {
			t.Errorf("a request during the hanging fetch: %v", err)
		}
	case <-time.After(10 * time.Second): // a deadlock guard, not a speed check
		t.Fatal("requests with a held key waited for the hanging JWKS fetch")
	}
	if n := f.jwksCalls.Load(); n != 2 {
		t.Errorf("%d JWKS fetches, want 2: no second fetch while one runs", n)
	}
	release()
	if err := <-first; err != nil {
		t.Errorf("the request that started the fetch: %v", err)
	}
}
