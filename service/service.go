// Package service implements tokenmint's use cases over a Store: who may do
// what, limits, auditing, the verify hot path with its in-memory view of
// token state, and batched usage recording. It is written once and serves
// every database backend.
package service

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"tokenmint"
	"tokenmint/oauth"
	"tokenmint/secret"
	"tokenmint/sso"
)

// Config holds the collaborators of a Service.
type Config struct {
	Store  tokenmint.Store
	Types  *tokenmint.TypeRegistry
	Clock  tokenmint.Clock
	Hasher *secret.Hasher
	Logger *slog.Logger
	// SessionTTL is how long a login session lasts (default 12h).
	SessionTTL time.Duration
	// MaxGracePeriod caps the grace period of a rotated secret (default 7 days).
	MaxGracePeriod time.Duration
	// PasswordParams are the argon2id costs for new password hashes
	// (default secret.DefaultPasswordParams).
	PasswordParams *secret.PasswordParams
	// Broadcast, when set, tells other instances about a change after it
	// committed, for a store that cannot announce it inside the change's
	// transaction (PostgreSQL does that itself: tokenmint.WithAnnouncement).
	Broadcast func(ctx context.Context, c Change)
	// CacheTTL is how long the verify path trusts what it cached about a
	// token, its owner's grants or a project before reading the store again
	// (default DefaultCacheTTL, 30 s; negative: nothing is cached). Changes
	// take effect at once on the instance that makes them and, through
	// Broadcast, on the others; CacheTTL bounds how long an instance that
	// missed a broadcast keeps acting on the old state.
	CacheTTL time.Duration
	// CacheTrust says what makes a cached entry trustworthy: its age
	// (TrustEntryAge, the default), nothing but changes (TrustSoleWriter:
	// this service makes every change, the embedded SQLite store), or a
	// change feed confirmed complete within CacheTTL (TrustConfirmedFeed:
	// PostgreSQL's listener, which calls ConfirmChanges).
	CacheTrust CacheTrust
	// CacheEntries bounds each cache map (default DefaultCacheEntries).
	CacheEntries int
	// Readiness, when set, is a further condition of Ready (the PostgreSQL
	// change listener being connected).
	Readiness func() error
	// Lifecycle configures background jobs, notifications and webhooks
	// (lifecycle.go).
	Lifecycle LifecycleConfig
	// Keys signs and verifies JWT access tokens. Nil: keys sealed with
	// MasterKey.
	Keys *oauth.KeyRing
	// MasterKey seals secrets kept in the database: the client secrets of
	// single sign-on providers (and the signing keys when Keys is nil).
	// Nil: a key that lives only in memory (tests, throw-away servers).
	MasterKey *secret.MasterKey
	// SSO runs OpenID Connect sign-ins (nil: a default client).
	SSO *sso.Client
	// Issuer is the "iss" of JWT access tokens and the OAuth2 issuer
	// identifier (default "tokenmint").
	Issuer string
	// PasswordHashMemory is the memory budget of concurrent password
	// checks (default DefaultPasswordHashMemory): at most
	// max(1, min(GOMAXPROCS, budget/argon2 memory)) run at once, and a
	// login waiting longer than a second for a slot answers 429.
	PasswordHashMemory int64
	// ScopeAliases are the vendor scope names the token endpoint accepts
	// (oauth_scope.go). Nil: DefaultScopeAliases; empty: none.
	ScopeAliases ScopeAliases
	// SharedRateCounts says several instances share the store: rate
	// limits are counted across them through RunRateSync (ratesync.go)
	// rather than exactly in this process.
	SharedRateCounts bool
}

// Service is the application layer. It is safe for concurrent use.
type Service struct {
	store  tokenmint.Store
	types  *tokenmint.TypeRegistry
	clock  tokenmint.Clock
	hasher *secret.Hasher
	log    *slog.Logger
	cfg    Config

	cache       *cache
	audits      *tokenmint.GroupCommit[*tokenmint.AuditEntry]
	touches     credentialTouches
	usage       *UsageBuffer
	tenantNames sync.Map // tenant ID → name
	lc          *lifecycle
	deliveries  deliveryCounters

	// Limits of the unauthenticated paths (attemptlimit.go,
	// passwordlimit.go, verify.go).
	hashes     *hashGate
	failBlocks failureBlocks
	unknownLim *limiter
	// attemptsPruned is when this instance last pruned ended attempt
	// windows (unix nanoseconds).
	attemptsPruned atomic.Int64
	// rates counts verifications of rate-limited tokens and owners
	// (ratelimiter.go).
	rates *rateLimiter
}

// New returns a Service. Call Close to flush buffered usage.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = tokenmint.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.PasswordParams == nil {
		cfg.PasswordParams = &secret.DefaultPasswordParams
	}
	if cfg.PasswordHashMemory <= 0 {
		cfg.PasswordHashMemory = DefaultPasswordHashMemory
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "tokenmint"
	}
	if cfg.MasterKey == nil {
		cfg.MasterKey = secret.RandomMasterKey()
	}
	if cfg.Keys == nil {
		cfg.Keys = oauth.NewKeyRing(oauth.KeyConfig{
			Store: cfg.Store, MasterKey: cfg.MasterKey, Clock: cfg.Clock, Logger: cfg.Logger,
		})
	}
	if cfg.SSO == nil {
		clock := cfg.Clock
		cfg.SSO = &sso.Client{Now: clock.Now, Logger: cfg.Logger}
	}
	if cfg.MaxGracePeriod == 0 {
		cfg.MaxGracePeriod = 7 * tokenmint.Day
	}
	s := &Service{
		store:      cfg.Store,
		types:      cfg.Types,
		clock:      cfg.Clock,
		hasher:     cfg.Hasher,
		log:        cfg.Logger,
		cfg:        cfg,
		cache:      newCache(cfg.Clock, cfg.CacheTTL, cfg.CacheTrust, cfg.CacheEntries),
		audits:     newAuditBatcher(cfg.Store),
		unknownLim: newLimiter(cfg.Clock, unknownTokensPerMinute, time.Minute),
		deliveries: newDeliveryCounters(),
		rates:      newRateLimiter(cfg.SharedRateCounts),
	}
	s.hashes = newHashGate(passwordCheckSlots(cfg.PasswordHashMemory, max(cfg.PasswordParams.Memory, secret.DefaultPasswordParams.Memory)), passwordCheckWait)
	// The usage buffer remembers as many (token, IP) pairs as the cache
	// holds tokens, so a cached token's uses are rewritten once per
	// UsageRewriteHorizon, not once per flush (usage.go).
	s.usage = newUsageBuffer(cfg.Store, cfg.Logger, cfg.Clock, 250_000, max(s.cache.max, 250_000*hardLimitFactor))
	s.lc = newLifecycle(cfg)
	return s
}

// Types returns the token type registry in force.
func (s *Service) Types() *tokenmint.TypeRegistry { return s.types }

// Usage returns the usage buffer, so the caller can run and flush it.
func (s *Service) Usage() *UsageBuffer { return s.usage }

// Now returns the service clock's time, truncated to what stores keep.
func (s *Service) Now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// ErrNotListening is what Config.Readiness answers while this instance
// does not hear the other instances' changes.
var ErrNotListening = errors.New("not yet listening for other instances' changes")

// Ready reports whether the store answers and whatever else
// Config.Readiness requires.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return err
	}
	if s.cfg.Readiness != nil {
		return s.cfg.Readiness()
	}
	return nil
}

// Close waits for the background jobs to stop, hands their lease on and
// flushes buffered usage.
func (s *Service) Close(ctx context.Context) error {
	s.stopLifecycle(ctx)
	return s.usage.Flush(ctx)
}

// TenantName returns a tenant's name; tenants are never renamed, so the
// answer is cached for good.
func (s *Service) TenantName(ctx context.Context, id string) (string, error) {
	if n, ok := s.tenantNames.Load(id); ok {
		return n.(string), nil
	}
	t, err := s.store.TenantByID(ctx, id)
	if err != nil {
		return "", err
	}
	s.tenantNames.Store(id, t.Name)
	return t.Name, nil
}

// ConfirmChanges tells the cache that every change committed before t has
// been applied (Invalidate): under TrustConfirmedFeed, entries stay
// trusted while such confirmations keep arriving.
func (s *Service) ConfirmChanges(t time.Time) { s.cache.confirm(t) }
