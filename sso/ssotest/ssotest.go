// Package ssotest starts a real OpenID Provider for tests: zitadel's op
// package (the provider half of github.com/zitadel/oidc) over an in-memory
// storage with the users, their groups and one confidential client that
// the test chooses. Its login page approves the user the test names
// (LoginAs) at once, so a browser or an HTTP client with a cookie jar runs
// the whole authorization code flow through it. Faults can be switched on:
// a tampered ID token signature, a wrong nonce, the provider going down.
package ssotest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a person known to the provider.
type User struct {
	ID       string
	Username string
	Email    string
	Groups   []string
}

// OP is a running OpenID Provider.
type OP struct {
	// Issuer is the provider's issuer URL (its discovery document is at
	// Issuer + "/.well-known/openid-configuration").
	Issuer string

	srv     *httptest.Server
	store   *opStorage
	handler http.Handler

	// TamperIDToken flips a bit of the ID token's signature in every
	// token response.
	TamperIDToken atomic.Bool
	// WrongNonce makes the provider put another nonce in ID tokens than
	// the one the client sent.
	WrongNonce atomic.Bool
	// Down makes every request fail as if nothing listened.
	down atomic.Bool
}

// Start runs a provider with one confidential client (HTTP Basic
// authentication, PKCE S256 accepted) allowed to redirect to redirectURI.
func Start(t testing.TB, clientID, clientSecret, redirectURI string) *OP {
	t.Helper()
	o := &OP{}
	users := &userStore{users: map[string]*User{}}
	clients := map[string]*storage.Client{clientID: storage.WebClient(clientID, clientSecret, redirectURI)}
	o.store = &opStorage{Storage: storage.NewStorageWithClients(users, clients), users: users, op: o}
	mux := http.NewServeMux()
	o.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.down.Load() {
			// Drop the connection: to the client this is a provider
			// that does not answer.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == "/oauth/token" && o.TamperIDToken.Load() {
			o.tampered(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	o.srv.Start()
	t.Cleanup(o.srv.Close)
	o.Issuer = o.srv.URL
	var key [32]byte
	copy(key[:], "ssotest provider encryption key!")
	provider, err := op.NewProvider(&op.Config{
		CryptoKey: key, CodeMethodS256: true, AuthMethodPost: true,
	}, o.store, op.StaticIssuer(o.Issuer),
		op.WithAllowInsecure(), op.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatalf("ssotest: provider: %v", err)
	}
	callback := op.AuthCallbackURL(provider)
	login := op.NewIssuerInterceptor(provider.IssuerFromRequest).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("authRequestID")
		u := users.loginAs()
		if u == nil {
			http.Error(w, "ssotest: no user to sign in (LoginAs)", http.StatusForbidden)
			return
		}
		if err := o.store.CheckUsernamePassword(u.Username, "", id); err != nil {
			http.Error(w, "ssotest: "+err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
	})
	mux.Handle("/login/username", login)
	mux.Handle("/", provider)
	o.handler = provider
	return o
}

// AddUser adds or replaces a user.
func (o *OP) AddUser(u User) {
	o.store.users.mu.Lock()
	defer o.store.users.mu.Unlock()
	c := u
	c.Groups = append([]string(nil), u.Groups...)
	o.store.users.users[u.ID] = &c
}

// SetGroups changes a user's groups, as an administrator of the
// identity provider would.
func (o *OP) SetGroups(id string, groups ...string) {
	o.store.users.mu.Lock()
	defer o.store.users.mu.Unlock()
	o.store.users.users[id].Groups = append([]string(nil), groups...)
}

// LoginAs names the user the login page signs in ("" = nobody).
func (o *OP) LoginAs(id string) {
	o.store.users.mu.Lock()
	defer o.store.users.mu.Unlock()
	o.store.users.current = id
}

// SetDown makes the provider stop (true) or resume (false) answering.
func (o *OP) SetDown(down bool) { o.down.Store(down) }

// tampered serves the token endpoint and flips one bit of the ID token's
// signature, keeping it well-formed base64url.
func (o *OP) tampered(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	o.handler.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	var m map[string]any
	if rec.Code == http.StatusOK && json.Unmarshal(body, &m) == nil {
		if raw, ok := m["id_token"].(string); ok {
			parts := strings.Split(raw, ".")
			if sig, err := base64.RawURLEncoding.DecodeString(parts[2]); err == nil && len(sig) > 0 {
				sig[len(sig)/2] ^= 0x01
				parts[2] = base64.RawURLEncoding.EncodeToString(sig)
				m["id_token"] = strings.Join(parts, ".")
				body, _ = json.Marshal(m)
			}
		}
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.Code)
	io.Copy(w, bytes.NewReader(body))
}

// opStorage is the example in-memory storage of zitadel's oidc module
// with the test's users, a groups claim and the nonce fault.
type opStorage struct {
	*storage.Storage
	users *userStore
	op    *OP
}

// CreateAuthRequest keeps the request, with another nonce when WrongNonce
// is on.
func (s *opStorage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	if s.op.WrongNonce.Load() {
		c := *req
		c.Nonce = "not-the-nonce-the-client-sent"
		req = &c
	}
	return s.Storage.CreateAuthRequest(ctx, req, userID)
}

// GetClientByClientID returns the client, allowed to ask for "groups".
func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return groupsClient{c}, nil
}

// groupsClient lets a client request the "groups" scope, which the
// provider would otherwise drop as unknown.
type groupsClient struct{ op.Client }

func (c groupsClient) IsScopeAllowed(scope string) bool {
	return scope == "groups" || c.Client.IsScopeAllowed(scope)
}

// SetUserinfoFromScopes adds the user's groups for the "groups" scope:
// this is what puts them in the ID token.
func (s *opStorage) SetUserinfoFromScopes(ctx context.Context, ui *oidc.UserInfo, userID, clientID string, scopes []string) error {
	if err := s.Storage.SetUserinfoFromScopes(ctx, ui, userID, clientID, scopes); err != nil {
		return err
	}
	for _, sc := range scopes {
		if sc == "groups" {
			ui.AppendClaims("groups", s.users.groups(userID))
		}
	}
	return nil
}

// userStore is the provider's directory.
type userStore struct {
	mu      sync.Mutex
	users   map[string]*User
	current string
}

func (s *userStore) example(u *User) *storage.User {
	if u == nil {
		return nil
	}
	return &storage.User{ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: true, FirstName: u.Username, LastName: "Test"}
}

func (s *userStore) GetUserByID(id string) *storage.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.example(s.users[id])
}

func (s *userStore) GetUserByUsername(name string) *storage.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Username == name {
			return s.example(u)
		}
	}
	return nil
}

func (s *userStore) ExampleClientID() string { return "ssotest-service" }

func (s *userStore) loginAs() *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[s.current]
}

func (s *userStore) groups(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[id]; ok {
		return append([]string{}, u.Groups...)
	}
	return []string{}
}
