// Package oauth holds the JOSE side of tokenmint's OAuth2 authorization
// server: signing keys sealed with the master key and rotated on a
// schedule, JWT access tokens (RFC 9068) signed and verified with them, and
// the JWKS that publishes their public halves. It knows nothing of HTTP;
// the grants themselves are rules in package service.
package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tokenmint"
	"tokenmint/secret"
)

// KeyConfig configures a KeyRing.
type KeyConfig struct {
	Store     tokenmint.OAuthStore
	MasterKey *secret.MasterKey
	Clock     tokenmint.Clock
	Logger    *slog.Logger
	// Algorithm of new keys: tokenmint.AlgEdDSA (default) or AlgES256.
	Algorithm string
	// RotateEvery is the age at which the signing key is replaced
	// (default 30 days; negative disables scheduled rotation).
	RotateEvery time.Duration
	// MaxTokenTTL is the longest lifetime of a token a key signs; a
	// retired key stays published that long plus Reload (default 24h, the
	// largest access_token_ttl a policy allows).
	MaxTokenTTL time.Duration
	// Reload bounds how long another instance's rotation can go unseen
	// (default 1 minute); an unknown kid reloads at once.
	Reload time.Duration
}

// KeyRing signs with the active key and verifies with every published one.
// It keeps the keys in memory and reloads them from the store when another
// instance may have rotated. It is safe for concurrent use.
type KeyRing struct {
	cfg KeyConfig

	mu       sync.RWMutex
	loadedAt time.Time
	active   *key
	keys     map[string]*key // published keys by kid

	unknownMu         sync.Mutex
	lastUnknownReload time.Time // wall clock
}

type key struct {
	meta    *tokenmint.SigningKey
	public  crypto.PublicKey
	private crypto.Signer // nil for keys only published
	signer  jose.Signer
}

// NewKeyRing returns a key ring; call Ensure before use.
func NewKeyRing(cfg KeyConfig) *KeyRing {
	if cfg.Clock == nil {
		cfg.Clock = tokenmint.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Algorithm == "" {
		cfg.Algorithm = tokenmint.AlgEdDSA
	}
	if cfg.RotateEvery == 0 {
		cfg.RotateEvery = 30 * tokenmint.Day
	}
	if cfg.MaxTokenTTL == 0 {
		cfg.MaxTokenTTL = 24 * time.Hour
	}
	if cfg.Reload == 0 {
		cfg.Reload = time.Minute
	}
	return &KeyRing{cfg: cfg, keys: map[string]*key{}}
}

// Algorithm returns the algorithm of new keys.
func (k *KeyRing) Algorithm() string { return k.cfg.Algorithm }

// PublishedAlgorithms lists the algorithms of the published keys, the
// active key's first: what tokens verifiable now may be signed with.
func (k *KeyRing) PublishedAlgorithms(ctx context.Context) ([]string, error) {
	active, err := k.activeKey(ctx)
	if err != nil {
		return nil, err
	}
	set, err := k.JWKS(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{active.meta.Algorithm}
	for _, key := range set.Keys {
		if !slices.Contains(out, key.Algorithm) {
			out = append(out, key.Algorithm)
		}
	}
	return out, nil
}

func (k *KeyRing) now() time.Time { return k.cfg.Clock.Now().UTC().Truncate(time.Microsecond) }

// Ensure loads the keys and creates the first one, or replaces a key past
// its rotation age or of another algorithm than the configured one. It is
// what the server calls at start and on its schedule; concurrent instances
// agree through the store.
func (k *KeyRing) Ensure(ctx context.Context) error {
	if err := k.load(ctx); err != nil {
		return err
	}
	k.mu.RLock()
	active := k.active
	k.mu.RUnlock()
	now := k.now()
	switch {
	case active == nil:
		return k.rotate(ctx, "")
	case k.cfg.RotateEvery > 0 && !now.Before(active.meta.CreatedAt.Add(k.cfg.RotateEvery)):
		return k.rotate(ctx, active.meta.ID)
	case active.meta.Algorithm != k.cfg.Algorithm:
		// The operator chose another algorithm: sign with it from now on;
		// the old key stays published for the tokens it signed.
		k.cfg.Logger.Info("signing algorithm changed by configuration", "from", active.meta.Algorithm, "to", k.cfg.Algorithm)
		return k.rotate(ctx, active.meta.ID)
	}
	return k.cfg.Store.DeleteSigningKeys(ctx, now)
}

// Rotate replaces the signing key now. The old key stops signing at once
// and stays published until every token it signed has expired.
func (k *KeyRing) Rotate(ctx context.Context) error {
	if err := k.load(ctx); err != nil {
		return err
	}
	k.mu.RLock()
	activeKID := ""
	if k.active != nil {
		activeKID = k.active.meta.ID
	}
	k.mu.RUnlock()
	return k.rotate(ctx, activeKID)
}

func (k *KeyRing) rotate(ctx context.Context, activeKID string) error {
	meta, err := k.newKey()
	if err != nil {
		return err
	}
	// Other instances may sign with the old key until they reload (at most
	// Reload later), so it stays published that much longer.
	err = k.cfg.Store.AddSigningKey(ctx, meta, activeKID, meta.CreatedAt.Add(k.cfg.MaxTokenTTL+k.cfg.Reload))
	if tokenmint.ErrorCode(err) == tokenmint.ECONFLICT {
		// Another instance rotated first: use its key.
		return k.load(ctx)
	} else if err != nil {
		return err
	}
	k.cfg.Logger.Info("signing key rotated", "kid", meta.ID, "retired", activeKID, "alg", meta.Algorithm)
	if err := k.cfg.Store.DeleteSigningKeys(ctx, meta.CreatedAt); err != nil {
		return err
	}
	return k.load(ctx)
}

// newKey generates a key pair and seals its private half.
func (k *KeyRing) newKey() (*tokenmint.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch k.cfg.Algorithm {
	case tokenmint.AlgEdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case tokenmint.AlgES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("oauth: unsupported signing algorithm %q", k.cfg.Algorithm)
	}
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	kid := secret.Base62(16)
	return &tokenmint.SigningKey{
		ID: kid, Algorithm: k.cfg.Algorithm, PublicKey: pub,
		SealedPrivateKey: k.cfg.MasterKey.Seal(der, []byte("signing-key:"+kid)),
		CreatedAt:        k.now(),
	}, nil
}

// load reads every stored key; keys no longer published are dropped.
func (k *KeyRing) load(ctx context.Context) error {
	metas, err := k.cfg.Store.SigningKeys(ctx)
	if err != nil {
		return err
	}
	now := k.now()
	keys := map[string]*key{}
	var active *key
	for _, m := range metas {
		if m.PublishUntil != nil && !now.Before(*m.PublishUntil) {
			continue
		}
		k.mu.RLock()
		old := k.keys[m.ID]
		k.mu.RUnlock()
		if old != nil && (old.meta.RetiredAt != nil) == (m.RetiredAt != nil) {
			old.meta = m
			keys[m.ID] = old
		} else {
			kk, err := k.openKey(m)
			if err != nil {
				return err
			}
			keys[m.ID] = kk
		}
		if m.RetiredAt == nil {
			active = keys[m.ID]
		}
	}
	k.mu.Lock()
	k.keys, k.active, k.loadedAt = keys, active, now
	k.mu.Unlock()
	return nil
}

// openKey parses a stored key; only the active key's private half is
// unsealed, since retired keys only verify.
func (k *KeyRing) openKey(m *tokenmint.SigningKey) (*key, error) {
	pub, err := x509.ParsePKIXPublicKey(m.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("oauth: signing key %s: parse public key: %w", m.ID, err)
	}
	kk := &key{meta: m, public: pub}
	if m.RetiredAt != nil {
		return kk, nil
	}
	der, err := k.cfg.MasterKey.Open(m.SealedPrivateKey, []byte("signing-key:"+m.ID))
	if err != nil {
		return nil, fmt.Errorf("oauth: signing key %s: %w (is the master key the one it was created with?)", m.ID, err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("oauth: signing key %s: parse private key: %w", m.ID, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("oauth: signing key %s: not a signing key", m.ID)
	}
	kk.private = signer
	kk.signer, err = jose.NewSigner(
		jose.SigningKey{Algorithm: jose.SignatureAlgorithm(m.Algorithm), Key: jose.JSONWebKey{Key: signer, KeyID: m.ID}},
		(&jose.SignerOptions{}).WithType(AccessTokenType))
	if err != nil {
		return nil, fmt.Errorf("oauth: signing key %s: %w", m.ID, err)
	}
	return kk, nil
}

// activeKey returns the key that signs, reloading when another instance
// may have rotated meanwhile.
func (k *KeyRing) activeKey(ctx context.Context) (*key, error) {
	k.mu.RLock()
	active, stale := k.active, k.now().Sub(k.loadedAt) >= k.cfg.Reload
	k.mu.RUnlock()
	if active == nil || stale {
		if err := k.load(ctx); err != nil {
			return nil, err
		}
		k.mu.RLock()
		active = k.active
		k.mu.RUnlock()
	}
	if active == nil {
		// First use on an empty database: create the first key.
		if err := k.rotate(ctx, ""); err != nil {
			return nil, err
		}
		k.mu.RLock()
		active = k.active
		k.mu.RUnlock()
	}
	if active == nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAVAILABLE, "no signing key yet")
	}
	return active, nil
}

// unknownKIDReload is the least time between two reloads caused by a key
// ID not seen yet.
const unknownKIDReload = time.Second

// mayReloadForUnknownKID allows a reload for a key ID not seen yet at most
// once per unknownKIDReload, so tokens with made-up key IDs cannot turn
// every request into a database read, while the first token of another
// instance's new key reloads at once. It guards the database against a
// flood of requests, so it counts wall-clock time, not the injected clock
// that token lifetimes follow.
func (k *KeyRing) mayReloadForUnknownKID() bool {
	k.unknownMu.Lock()
	defer k.unknownMu.Unlock()
	if now := time.Now(); k.lastUnknownReload.IsZero() || now.Sub(k.lastUnknownReload) >= unknownKIDReload {
		k.lastUnknownReload = now
		return true
	}
	return false
}

// Published reports whether the key with the kid still verifies tokens:
// a JWT verified earlier and cached stops being accepted when its key's
// publication ends, exactly as Verify would refuse it.
func (k *KeyRing) Published(ctx context.Context, kid string) (bool, error) {
	kk, err := k.publishedKey(ctx, kid)
	return kk != nil, err
}

// publishedKey returns the key with the kid if it is still published,
// reloading once for a kid not seen yet.
func (k *KeyRing) publishedKey(ctx context.Context, kid string) (*key, error) {
	k.mu.RLock()
	kk, stale := k.keys[kid], k.now().Sub(k.loadedAt) >= k.cfg.Reload
	k.mu.RUnlock()
	if (kk == nil && k.mayReloadForUnknownKID()) || stale {
		if err := k.load(ctx); err != nil {
			return nil, err
		}
		k.mu.RLock()
		kk = k.keys[kid]
		k.mu.RUnlock()
	}
	if kk == nil || (kk.meta.PublishUntil != nil && !k.now().Before(*kk.meta.PublishUntil)) {
		return nil, nil
	}
	return kk, nil
}

// JWKS returns the public keys to publish: the active key and every
// retired key some unexpired token may still carry.
func (k *KeyRing) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	if _, err := k.activeKey(ctx); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	now := k.now()
	k.mu.RLock()
	defer k.mu.RUnlock()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	keys := slices.SortedFunc(maps.Values(k.keys), func(a, b *key) int { return a.meta.CreatedAt.Compare(b.meta.CreatedAt) })
	for _, kk := range keys {
		if kk.meta.PublishUntil != nil && !now.Before(*kk.meta.PublishUntil) {
			continue
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: kk.public, KeyID: kk.meta.ID, Algorithm: kk.meta.Algorithm, Use: "sig"})
	}
	return set, nil
}
