package http_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwks fetches the served JWKS as Ed25519 public keys by kid, decoding the
// JWKs by hand so nothing of the server's JOSE library is involved.
func (e *env) jwks() map[string]ed25519.PublicKey {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL + "/.well-known/jwks.json")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kty, Crv, X, Kid, Alg, Use string
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]ed25519.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" || k.Use != "sig" {
			e.t.Fatalf("unexpected JWK %+v", k)
		}
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			e.t.Fatalf("JWK %s: bad x", k.Kid)
		}
		out[k.Kid] = ed25519.PublicKey(x)
	}
	return out
}

// parseIndependently verifies a JWT with golang-jwt against the served
// JWKS, at the time at (so that expiry is not what is tested).
func (e *env) parseIndependently(raw string, at time.Time) (jwt.MapClaims, error) {
	keys := e.jwks()
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if t.Header["typ"] != "at+jwt" {
			return nil, errors.New("typ is not at+jwt")
		}
		kid, _ := t.Header["kid"].(string)
		k, ok := keys[kid]
		if !ok {
			return nil, errors.New("kid not in the JWKS")
		}
		return k, nil
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer(e.srv.URL), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return at }))
	if err != nil {
		return nil, err
	}
	if !tok.Valid {
		return nil, errors.New("invalid")
	}
	return claims, nil
}

func TestJWTVerifiesWithIndependentLibraryAcrossRotation(t *testing.T) {
	e := newOAuthEnv(t)
	_, id, sec, _ := e.appClient("bot", "read-only")
	issuedAt := e.clock.Now()
	old := e.clientToken(id, sec, "api:read")

	claims, err := e.parseIndependently(old, issuedAt)
	if err != nil {
		t.Fatalf("golang-jwt rejects our JWT: %v", err)
	}
	for k, want := range map[string]any{"client_id": id, "scope": "api:read", "tenant": "default", "iss": e.srv.URL} {
		if claims[k] != want {
			t.Errorf("claim %s = %v, want %v", k, claims[k], want)
		}
	}
	for _, k := range []string{"sub", "aud", "exp", "iat", "jti"} {
		if claims[k] == nil {
			t.Errorf("claim %s missing", k)
		}
	}

	if err := e.svc.Keys().Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.jwks()); n != 2 {
		t.Fatalf("after rotation the JWKS has %d keys, want old and new", n)
	}
	fresh := e.clientToken(id, sec, "api:read")
	if _, err := e.parseIndependently(fresh, e.clock.Now()); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	if _, err := e.parseIndependently(old, issuedAt); err != nil {
		t.Fatalf("old key's token right after rotation: %v", err)
	}
	if v := e.verify("Bearer "+old, "?permission=api:read"); v.status != http.StatusOK {
		t.Errorf("server verify of the old key's unexpired token: %d", v.status)
	}

	// The old key stays published until every token it signed has expired:
	// 24h (the longest access token lifetime a policy allows) plus the
	// minute other instances may take to notice the rotation.
	e.clock.Advance(24*time.Hour + time.Minute - time.Second)
	if _, err := e.parseIndependently(old, issuedAt); err != nil {
		t.Fatalf("old key retired too early: %v", err)
	}
	e.clock.Advance(2 * time.Second)
	if _, err := e.parseIndependently(old, issuedAt); err == nil {
		t.Fatal("old key still published after its tokens expired")
	}
	if _, err := e.parseIndependently(fresh, issuedAt); err != nil {
		t.Errorf("new key's token after the old key left: %v", err)
	}
}
