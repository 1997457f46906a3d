package sdk_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// fakeTokenmint stands in for a tokenmint server: a JWKS whose keys can be
// added and withdrawn, and /api/v1/auth/verify for JWTs, which refuses a
// revoked jti and narrows the scope to what the owner still holds. It
// trusts the JWT's claims without checking the signature; the SDK checks
// that before asking.
type fakeTokenmint struct {
	*httptest.Server
	down atomic.Bool // every answer is 502
	// hang, when set, holds every JWKS request until it is closed: a
	// server that accepts connections but does not answer.
	hang atomic.Pointer[chan struct{}]
	// Requests that reached the server, answered or not.
	verifyCalls atomic.Int32
	jwksCalls   atomic.Int32

	mu      sync.Mutex
	keys    []jose.JSONWebKey
	revoked map[string]bool
	held    map[string][]string // jti → permissions its owner still holds
}

func newFakeTokenmint(tb testing.TB) *fakeTokenmint {
	tb.Helper()
	f := &fakeTokenmint{revoked: map[string]bool{}, held: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		set := jose.JSONWebKeySet{Keys: slices.Clone(f.keys)}
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(set)
	})
	mux.HandleFunc("GET /api/v1/auth/verify", f.verify)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/jwks.json":
			f.jwksCalls.Add(1)
		case "/api/v1/auth/verify":
			f.verifyCalls.Add(1)
		}
		if f.down.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		if h := f.hang.Load(); h != nil && r.URL.Path == "/.well-known/jwks.json" {
			<-*h
		}
		mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(f.Close)
	return f
}

func (f *fakeTokenmint) verify(w http.ResponseWriter, r *http.Request) {
	tok, err := jwt.ParseSigned(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256})
	var c struct {
		jwt.Claims
		Scope  string `json:"scope"`
		Tenant string `json:"tenant"`
	}
	if err != nil || tok.UnsafeClaimsWithoutVerification(&c) != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	revoked, held, narrowed := f.revoked[c.ID], f.held[c.ID], f.held[c.ID] != nil
	f.mu.Unlock()
	if revoked {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"token is revoked"}}`))
		return
	}
	perms := strings.Fields(c.Scope)
	if narrowed {
		perms = slices.DeleteFunc(perms, func(p string) bool { return !slices.Contains(held, p) })
	}
	if p := r.URL.Query().Get("permission"); p != "" && !slices.Contains(perms, p) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "tenant": c.Tenant, "subject": c.Subject,
		"token_id": c.ID, "type": "JWTAccessToken", "permissions": perms, "expires_at": c.Expiry.Time()})
}

// addKey publishes a new Ed25519 key and returns a signer of access tokens
// with it.
func (f *fakeTokenmint) addKey(tb testing.TB, kid string) jose.Signer {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	f.mu.Lock()
	f.keys = append(f.keys, jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: "EdDSA", Use: "sig"})
	f.mu.Unlock()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: priv, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		tb.Fatal(err)
	}
	return signer
}

// addES256Key publishes a new P-256 key and returns a signer of access
// tokens with it.
func (f *fakeTokenmint) addES256Key(tb testing.TB, kid string) jose.Signer {
	tb.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	f.mu.Lock()
	f.keys = append(f.keys, jose.JSONWebKey{Key: &priv.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"})
	f.mu.Unlock()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		tb.Fatal(err)
	}
	return signer
}

// withdraw stops publishing a key.
func (f *fakeTokenmint) withdraw(kid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = slices.DeleteFunc(f.keys, func(k jose.JSONWebKey) bool { return k.KeyID == kid })
}

func (f *fakeTokenmint) revoke(jti string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked[jti] = true
}

// narrow makes the owner of jti hold only perms now.
func (f *fakeTokenmint) narrow(jti string, perms ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.held[jti] = perms
}

// claims are an access token's claims as tokenmint issues them at iat,
// valid for an hour, with jti "j1" in tenant "default".
func claims(iat time.Time, scope string) map[string]any {
	return map[string]any{
		"iss": "iss", "sub": "app-1", "aud": "iss", "exp": iat.Add(time.Hour).Unix(), "iat": iat.Unix(), "nbf": iat.Unix(),
		"jti": "j1", "client_id": "c1", "scope": scope, "tenant": "default", "owner_kind": "application",
	}
}

func sign(tb testing.TB, s jose.Signer, c map[string]any) string {
	tb.Helper()
	raw, err := jwt.Signed(s).Claims(c).Serialize()
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// signed is a token expiring at exp, issued an hour before.
func signed(tb testing.TB, s jose.Signer, exp time.Time, scope string) string {
	tb.Helper()
	return sign(tb, s, claims(exp.Add(-time.Hour), scope))
}

// publicKey returns the published Ed25519 key with the kid.
func (f *fakeTokenmint) publicKey(tb testing.TB, kid string) ed25519.PublicKey {
	tb.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.keys {
		if pub, ok := k.Key.(ed25519.PublicKey); ok && k.KeyID == kid {
			return pub
		}
	}
	tb.Fatalf("no Ed25519 key %q", kid)
	return nil
}
