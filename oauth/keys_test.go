package oauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/oauth"
	"tokenmint/secret"
	"tokenmint/sqlite"
)

func newRing(t *testing.T, db *sqlite.DB, mk *secret.MasterKey, clock tokenmint.Clock, alg string) *oauth.KeyRing {
	t.Helper()
	return oauth.NewKeyRing(oauth.KeyConfig{Store: db, MasterKey: mk, Clock: clock, Algorithm: alg,
		RotateEvery: 7 * tokenmint.Day, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func claims(now time.Time) *tokenmint.AccessClaims {
	return &tokenmint.AccessClaims{Issuer: "iss", Subject: "sub", Audience: []string{"iss"}, IssuedAt: now,
		ExpiresAt: now.Add(time.Hour), JTI: "jti-1", ClientID: "c", Scope: []tokenmint.Permission{"api:read"},
		Tenant: "default", TenantID: "t1", OwnerKind: tokenmint.OwnerApplication}
}

func TestSignVerifyBothAlgorithms(t *testing.T) {
	for _, alg := range []string{tokenmint.AlgEdDSA, tokenmint.AlgES256} {
		t.Run(alg, func(t *testing.T) {
			ctx := context.Background()
			clock := tokenmint.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			k := newRing(t, openDB(t), secret.RandomMasterKey(), clock, alg)
			if err := k.Ensure(ctx); err != nil {
				t.Fatal(err)
			}
			raw, err := k.Sign(ctx, claims(clock.Now()))
			if err != nil {
				t.Fatal(err)
			}
			c, err := k.Verify(ctx, raw, "iss")
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.Subject != "sub" || c.JTI != "jti-1" || !c.HasScope("api:read") || c.TenantID != "t1" {
				t.Errorf("claims = %+v", c)
			}
			set, err := k.JWKS(ctx)
			if err != nil || len(set.Keys) != 1 || set.Keys[0].Algorithm != alg {
				t.Errorf("JWKS = %+v, %v", set, err)
			}
			if _, err := k.Verify(ctx, raw, "other-issuer"); err == nil {
				t.Error("wrong issuer accepted")
			}
			parts := strings.Split(raw, ".")
			tampered := parts[0] + "." + parts[1] + "A." + parts[2]
			if _, err := k.Verify(ctx, tampered, "iss"); err == nil {
				t.Error("tampered token accepted")
			}
			clock.Advance(time.Hour)
			if _, err := k.Verify(ctx, raw, "iss"); err == nil {
				t.Error("expired token accepted")
			}
		})
	}
}

func TestScheduledRotationAndMasterKey(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	mk := secret.RandomMasterKey()
	clock := tokenmint.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	k := newRing(t, db, mk, clock, "")
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	first, _ := db.SigningKeys(ctx)
	// The private key is stored only sealed.
	if len(first) != 1 || len(first[0].SealedPrivateKey) < 40 {
		t.Fatalf("keys = %+v", first)
	}
	clock.Advance(6 * tokenmint.Day)
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if keys, _ := db.SigningKeys(ctx); len(keys) != 1 {
		t.Fatalf("rotated before the schedule: %d keys", len(keys))
	}
	clock.Advance(tokenmint.Day)
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	keys, _ := db.SigningKeys(ctx)
	if len(keys) != 2 || keys[0].RetiredAt == nil || keys[1].RetiredAt != nil {
		t.Fatalf("after the schedule: %+v", keys)
	}
	// Another instance with the same master key signs with the new key;
	// one with a different master key cannot open it.
	other := newRing(t, db, mk, clock, "")
	raw, err := other.Sign(ctx, claims(clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Verify(ctx, raw, "iss"); err != nil {
		t.Errorf("token of another instance: %v", err)
	}
	wrong := newRing(t, db, secret.RandomMasterKey(), clock, "")
	if _, err := wrong.Sign(ctx, claims(clock.Now())); err == nil || !strings.Contains(err.Error(), "master key") {
		t.Errorf("wrong master key: %v", err)
	}
}

// Restarting with another --jwt-alg takes effect: Ensure replaces the
// active key with one of the configured algorithm, tokens of the old key
// keep verifying while it is published, and both algorithms are listed.
func TestEnsureFollowsTheConfiguredAlgorithm(t *testing.T) {
	ctx := context.Background()
	clock := tokenmint.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db, mk := openDB(t), secret.RandomMasterKey()
	ed := newRing(t, db, mk, clock, tokenmint.AlgEdDSA)
	if err := ed.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	old, err := ed.Sign(ctx, claims(clock.Now()))
	if err != nil {
		t.Fatal(err)
	}

	es := newRing(t, db, mk, clock, tokenmint.AlgES256) // the restart
	if err := es.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	fresh, err := es.Sign(ctx, claims(clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if alg := jwsAlgorithm(t, fresh); alg != tokenmint.AlgES256 {
		t.Errorf("signed with %s after the restart, want ES256", alg)
	}
	if _, err := es.Verify(ctx, old, "iss"); err != nil {
		t.Errorf("a token of the old EdDSA key: %v", err)
	}
	algs, err := es.PublishedAlgorithms(ctx)
	if err != nil || strings.Join(algs, ",") != "ES256,EdDSA" {
		t.Errorf("published algorithms = %v, %v; want ES256 (active) then EdDSA", algs, err)
	}
	if err := es.Ensure(ctx); err != nil { // a second start changes nothing
		t.Fatal(err)
	}
	if set, _ := es.JWKS(ctx); len(set.Keys) != 2 {
		t.Errorf("JWKS after another Ensure has %d keys, want 2", len(set.Keys))
	}
}

// jwsAlgorithm reads the alg of a compact JWS's protected header.
func jwsAlgorithm(t *testing.T, raw string) string {
	t.Helper()
	h, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(h, &hdr); err != nil {
		t.Fatal(err)
	}
	return hdr.Alg
}

// Another instance's clock may run a little ahead: a token it signed is
// accepted here up to a minute "early", never a moment after its expiry.
func TestVerifyToleratesClockSkewButNotExpiry(t *testing.T) {
	ctx := context.Background()
	clock := tokenmint.NewFakeClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	k := newRing(t, openDB(t), secret.RandomMasterKey(), clock, tokenmint.AlgEdDSA)
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	ahead := clock.Now().Add(30 * time.Second) // the signer's clock
	raw, err := k.Sign(ctx, claims(ahead))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Verify(ctx, raw, "iss"); err != nil {
		t.Errorf("a token from a clock 30 s ahead: %v", err)
	}
	farAhead, _ := k.Sign(ctx, claims(clock.Now().Add(5*time.Minute)))
	if _, err := k.Verify(ctx, farAhead, "iss"); err == nil {
		t.Error("a token from a clock 5 min ahead was accepted")
	}
	clock.Advance(time.Hour + 30*time.Second) // exactly the token's expiry
	if _, err := k.Verify(ctx, raw, "iss"); err == nil {
		t.Error("a token was accepted at its expiry")
	}
}

// countingKeys counts how often the key ring reads the signing keys.
type countingKeys struct {
	tokenmint.OAuthStore
	reads atomic.Int64
}

func (c *countingKeys) SigningKeys(ctx context.Context) ([]*tokenmint.SigningKey, error) {
	c.reads.Add(1)
	return c.OAuthStore.SigningKeys(ctx)
}

// Tokens with made-up key IDs cannot make every request a database read:
// an unknown kid reloads the keys at most once a second.
func TestUnknownKeyIDsReloadAtMostOnceASecond(t *testing.T) {
	ctx := context.Background()
	clock := tokenmint.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	store := &countingKeys{OAuthStore: openDB(t)}
	k := oauth.NewKeyRing(oauth.KeyConfig{Store: store, MasterKey: secret.RandomMasterKey(), Clock: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := k.Sign(ctx, claims(clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	// The same token with another kid in its header: a key never published.
	parts := strings.Split(raw, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]any
	if err := json.Unmarshal(hdr, &h); err != nil {
		t.Fatal(err)
	}
	before := store.reads.Load()
	for i := range 200 {
		h["kid"] = fmt.Sprintf("made-up-%d", i)
		b, _ := json.Marshal(h)
		forged := base64.RawURLEncoding.EncodeToString(b) + "." + parts[1] + "." + parts[2]
		if _, err := k.Verify(ctx, forged, "iss"); err == nil {
			t.Fatal("a token with an unknown kid was accepted")
		}
	}
	if n := store.reads.Load() - before; n < 1 || n > 2 {
		t.Errorf("200 unknown kids read the keys %d times, want 1 (2 if a second passed)", n)
	}
}
