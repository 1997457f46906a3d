package http_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tokenmint"
	tmhttp "tokenmint/http"
)

func newTestClient(t *testing.T, url string) *tmhttp.Client {
	t.Helper()
	c, err := tmhttp.NewClient(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func apiError(t *testing.T, err error) *tmhttp.APIError {
	t.Helper()
	var ae *tmhttp.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return ae
}

// TestClientAgainstTheServer drives every client method against the real
// handler and store.
func TestClientAgainstTheServer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	session := newTestClient(t, e.srv.URL+"/")

	if _, err := session.Login(ctx, "admin", "wrong-password", ""); apiError(t, err).Status != http.StatusUnauthorized {
		t.Fatalf("login with a wrong password: %v", err)
	} else if strings.Contains(err.Error(), "wrong-password") {
		t.Fatal("the error repeats the password")
	}
	lr, err := session.Login(ctx, "admin", adminPassword, "default")
	if err != nil {
		t.Fatal(err)
	}
	if lr.User.Username != "admin" || lr.ExpiresAt.IsZero() {
		t.Fatalf("login result %+v", lr)
	}
	types, err := session.TokenTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ci *tmhttp.TokenType
	for i := range types {
		if types[i].Name == "CIToken" {
			ci = &types[i]
		}
	}
	if ci == nil || ci.MaxDaysToLive != 365 || len(ci.Permissions) == 0 {
		t.Fatalf("CIToken in token types: %+v", ci)
	}

	five := 5
	user, err := session.CreateToken(ctx, tmhttp.CreateTokenRequest{Type: "UserToken", Name: "client test", Description: "d", Expiry: tmhttp.Expiry{DaysToLive: &five}})
	if err != nil {
		t.Fatal(err)
	}
	if user.Secret == "" || user.Encoded != tokenmint.EncodeToken(user.Secret) || user.ID == "" || user.Type != "UserToken" {
		t.Fatalf("issued token %+v", user.Token)
	}
	if want := e.clock.Now().Add(5 * tokenmint.Day); user.ExpiresAt == nil || !user.ExpiresAt.Equal(want) {
		t.Fatalf("expires_at = %v, want %v", user.ExpiresAt, want)
	}

	// The same client can switch to the token; the session is then unused.
	tc := newTestClient(t, e.srv.URL)
	tc.SetToken(user.Secret)
	self, err := tc.GetToken(ctx, "self")
	if err != nil || self.ID != user.ID || self.Description == nil || *self.Description != "d" {
		t.Fatalf("self = %+v, %v", self, err)
	}
	ci2, err := tc.CreateToken(ctx, tmhttp.CreateTokenRequest{Type: "CIToken", Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := tc.ListTokens(ctx, tmhttp.ListTokensOptions{Type: "CIToken"})
	if err != nil || len(list.Items) != 1 || list.Items[0].ID != ci2.ID || list.NextCursor != "" {
		t.Fatalf("list --type CIToken = %+v, %v", list, err)
	}
	page, err := tc.ListTokens(ctx, tmhttp.ListTokensOptions{Limit: 1})
	if err != nil || len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("first page of 1: %+v, %v", page, err)
	}
	rest, err := tc.ListTokens(ctx, tmhttp.ListTokensOptions{Limit: 1, Cursor: page.NextCursor})
	if err != nil || len(rest.Items) != 1 || rest.Items[0].ID == page.Items[0].ID {
		t.Fatalf("second page: %+v, %v", rest, err)
	}

	ten := 10
	upd, err := tc.UpdateToken(ctx, ci2.ID, tmhttp.UpdateTokenRequest{Expiry: tmhttp.Expiry{DaysToLive: &ten}})
	if err != nil || upd.ExpiresAt == nil || !upd.ExpiresAt.Equal(e.clock.Now().Add(10*tokenmint.Day)) {
		t.Fatalf("extend: %+v, %v", upd, err)
	}
	off := false
	if upd, err = tc.UpdateToken(ctx, ci2.ID, tmhttp.UpdateTokenRequest{Active: &off}); err != nil || upd.Status != tokenmint.StatusInactive {
		t.Fatalf("deactivate: %+v, %v", upd, err)
	}
	ciClient := newTestClient(t, e.srv.URL)
	ciClient.SetToken(ci2.Secret)
	if _, err := ciClient.Verify(ctx, "results:upload", ""); apiError(t, err).Status != http.StatusUnauthorized {
		t.Fatalf("verify of an inactive token: %v", err)
	}
	on := true
	if _, err = tc.UpdateToken(ctx, ci2.ID, tmhttp.UpdateTokenRequest{Active: &on}); err != nil {
		t.Fatal(err)
	}
	vr, err := ciClient.Verify(ctx, "results:upload", "")
	if err != nil || !vr.Active || vr.TokenID != ci2.ID || vr.Type != "CIToken" || vr.Tenant != "default" {
		t.Fatalf("verify: %+v, %v", vr, err)
	}
	if _, err := ciClient.Verify(ctx, "users:manage", ""); apiError(t, err).Status != http.StatusForbidden {
		t.Fatalf("verify of a permission the type lacks: %v", err)
	}

	rotated, err := tc.RotateToken(ctx, ci2.ID, tmhttp.RotateTokenRequest{Grace: time.Hour})
	if err != nil || rotated.Secret == ci2.Secret || rotated.ID != ci2.ID {
		t.Fatalf("rotate: %+v, %v", rotated, err)
	}
	if _, err := ciClient.Verify(ctx, "", ""); err != nil {
		t.Fatalf("the old secret fails inside its grace period: %v", err)
	}
	ciClient.SetToken(rotated.Secret)
	selfRotated, err := ciClient.RotateSelf(ctx, tmhttp.RotateTokenRequest{})
	if err != nil || selfRotated.Secret == rotated.Secret {
		t.Fatalf("rotate self: %+v, %v", selfRotated, err)
	}
	if _, err := ciClient.Verify(ctx, "", ""); apiError(t, err).Status != http.StatusUnauthorized {
		t.Fatalf("the self-rotated secret still works without grace: %v", err)
	}

	if err := tc.RevokeToken(ctx, ci2.ID); err != nil {
		t.Fatal(err)
	}
	ciClient.SetToken(selfRotated.Secret)
	if _, err := ciClient.Verify(ctx, "", ""); apiError(t, err).Code != tokenmint.EUNAUTHORIZED {
		t.Fatalf("verify after revoke: %v", err)
	}
	if _, err := tc.GetToken(ctx, "no/such id"); apiError(t, err).Status != http.StatusNotFound {
		t.Fatalf("get of an unknown ID: %v", err)
	}

	if err := session.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := session.ListTokens(ctx, tmhttp.ListTokensOptions{}); apiError(t, err).Status != http.StatusUnauthorized {
		t.Fatalf("a request after logout: %v", err)
	}
}

// TestClientRequests checks what the client sends: the path under a base
// URL with a path, escaped IDs, the token, and no token on logout.
func TestClientRequests(t *testing.T) {
	var (
		mu  sync.Mutex
		got []*http.Request
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Clone(context.Background()))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/logout") {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Write([]byte(`{"id":"x"}`))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/tokenmint/")
	c.SetToken("tmu_example")
	if _, err := c.GetToken(context.Background(), "a/b c"); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("%d requests", len(got))
	}
	if p := got[0].URL.EscapedPath(); p != "/tokenmint/api/v1/tokens/a%2Fb%20c" {
		t.Errorf("path = %s", p)
	}
	if a := got[0].Header.Get("Authorization"); a != "Bearer tmu_example" {
		t.Errorf("Authorization = %q", a)
	}
	if a := got[1].Header.Get("Authorization"); a != "" {
		t.Errorf("logout sent Authorization %q", a)
	}
	if !c.HasToken() {
		t.Error("logout dropped the client's token")
	}
}

// TestClientErrorsWithoutTheTokenmintShape keeps a proxy's page out of the
// error text.
func TestClientErrorsWithoutTheTokenmintShape(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html>upstream said PRIVATE-DETAIL</html>"))
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL).TokenTypes(context.Background())
	ae := apiError(t, err)
	if ae.Status != http.StatusBadGateway || ae.Error() != "bad gateway (HTTP 502)" || tmhttp.StatusOf(err) != 502 {
		t.Fatalf("error = %q (%+v)", err, ae)
	}
	if tmhttp.StatusOf(errors.New("plain")) != 0 {
		t.Fatal("StatusOf of a plain error is not 0")
	}
}

func TestNewClientRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://host", "http://", "http://host/?x=1", "http://host/#f", "http://user:pa55word@host"} {
		_, err := tmhttp.NewClient(u, nil)
		if err == nil {
			t.Errorf("NewClient(%q) accepted it", u)
			continue
		}
		if strings.Contains(err.Error(), "pa55word") {
			t.Errorf("NewClient(%q) error shows the password: %v", u, err)
		}
	}
	c, err := tmhttp.NewClient("HTTPS://Example.com/base/", nil)
	if err != nil || c.BaseURL() != "https://Example.com/base" {
		t.Fatalf("base URL = %q, %v", c.BaseURL(), err)
	}
}
