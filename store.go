package tokenmint

import (
	"context"
	"time"
)

// Store is the persistence every backend (SQLite, PostgreSQL) implements.
// It holds data, not rules: permission checks, limits and auditing live in
// package service, written once for every backend. Methods return *Error
// with ENOTFOUND or ECONFLICT where the caller must tell those apart; any
// other failure is an internal error. Times are stored with microsecond
// precision in UTC. Package storetest holds the conformance suite.
type Store interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	TenantByID(ctx context.Context, id string) (*Tenant, error)
	TenantByName(ctx context.Context, name string) (*Tenant, error)

	CreateUser(ctx context.Context, u *User) error
	// UpdateUser saves email, password hash, roles, enabled and updated_at.
	UpdateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, tenantID, id string) (*User, error)
	UserByUsername(ctx context.Context, tenantID, username string) (*User, error)
	// ListUsers returns the tenant's users by ID (creation order), one
	// page of them.
	ListUsers(ctx context.Context, tenantID string, pg Page) ([]*User, error)

	CreateProject(ctx context.Context, p *Project) error
	ProjectByID(ctx context.Context, tenantID, id string) (*Project, error)
	ProjectByName(ctx context.Context, tenantID, name string) (*Project, error)
	// ListProjects returns the projects matching f by ID (creation order).
	ListProjects(ctx context.Context, f ProjectFilter) ([]*Project, error)
	// UpdateProject saves a project's name and description; a name taken
	// in the tenant is ECONFLICT, an unknown project ENOTFOUND.
	UpdateProject(ctx context.Context, p *Project) error
	// DeleteProject removes the project and its memberships.
	DeleteProject(ctx context.Context, tenantID, id string) error

	// PutMembership creates or replaces the user's role on the project.
	PutMembership(ctx context.Context, m *Membership) error
	DeleteMembership(ctx context.Context, tenantID, projectID, userID string) error
	ListMemberships(ctx context.Context, f MembershipFilter) ([]*Membership, error)

	// PolicyByTenant returns the stored policy or DefaultPolicy(tenantID).
	PolicyByTenant(ctx context.Context, tenantID string) (Policy, error)
	PutPolicy(ctx context.Context, p Policy) error

	// ExpiryWarningStore: notices per window, weekly digests, expiry days.
	ExpiryWarningStore

	// CreateToken stores the token with the keyed hash of its secret. With
	// a quota in ctx (WithTokenQuota) it first counts the owner's live
	// tokens in the same transaction, serialized per owner, and refuses
	// with TokenQuotaError when the quota is reached. With an audit entry
	// in ctx (WithAuditEntry) it appends it in the same transaction and
	// sets its ID once committed.
	CreateToken(ctx context.Context, t *Token, secretHash []byte) error
	TokenByID(ctx context.Context, tenantID, id string) (*Token, error)
	// TokenBySecret finds the token one of whose secrets has the hash, and
	// returns until when that secret is valid (nil: as long as the token).
	TokenBySecret(ctx context.Context, secretHash []byte) (*Token, *time.Time, error)
	// ListTokens returns tokens newest first, at most f.Limit of them.
	ListTokens(ctx context.Context, f TokenFilter) ([]*Token, error)
	// UpdateToken saves description, expires_at, stored status, revoked_at
	// and updated_at, if the token's version is still t.Version, and then
	// counts up the version in the store and in t. ECONFLICT when the token
	// changed since it was read (by UpdateToken, RotateTokenSecret or
	// DeactivateIdleToken, which count up the version too): the caller
	// reads it again and decides again. Spending uses and recording usage
	// leave the version alone.
	UpdateToken(ctx context.Context, t *Token) error
	// RotateTokenSecret adds a new secret to the token, limits every older
	// secret to oldValidUntil (an earlier limit stays), and sets the token's
	// expiry — all in one transaction. It counts up the token's Version.
	RotateTokenSecret(ctx context.Context, tokenID string, newHash []byte, prefix string, oldValidUntil time.Time, expiresAt *time.Time, now time.Time) error
	// SpendUse atomically counts one use of a limited-use token and reports
	// whether a use was left. Concurrent callers on any number of instances
	// get true exactly max_uses times.
	SpendUse(ctx context.Context, tokenID string, now time.Time) (bool, error)
	// DeleteToken removes the token, its secrets and its usage for good.
	DeleteToken(ctx context.Context, tenantID, id string) error

	// RecordUsage applies a batch of usage: per-IP first/last/count, the
	// token's last_used_at, its use count for unlimited tokens (limited
	// ones count in SpendUse), and in the same transaction the daily counts
	// of DailyCounts(batch): one upsert per token and day, one per tenant
	// and day of failed verifications.
	RecordUsage(ctx context.Context, batch []UsageRecord) error
	// RecordUsageOnce is RecordUsage for a batch with an ID: the ID is
	// recorded in the batch's transaction, and a batch whose ID was
	// applied already (within a week) changes nothing, so a flush retried
	// after a lost acknowledgement is not counted twice.
	RecordUsageOnce(ctx context.Context, batchID string, batch []UsageRecord) error
	// TokenUsage returns a token's usage per IP ordered by IP (the text,
	// bytewise), one page of it; pg.After is an IP.
	TokenUsage(ctx context.Context, tenantID, tokenID string, pg Page) ([]IPUsage, error)

	CreateSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, hash []byte) (*Session, error)
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteUserSessions ends every session of a user (none is no error).
	DeleteUserSessions(ctx context.Context, tenantID, userID string) error

	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AppendAuditBatch appends entries in one transaction, in order,
	// setting each ID: all are written or none (group commit of the
	// service's audit trail).
	AppendAuditBatch(ctx context.Context, entries []*AuditEntry) error
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)

	OAuthStore
	LeaseStore
	LifecycleStore
	BlockStore
	EventStore
	WebhookStore
	AttemptStore
	DashboardStore
	SSOStore
	TokenRequestStore
	RateLimitStore

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// MembershipFilter selects memberships of a tenant; empty fields match all.
// They come ordered by project, then user.
type MembershipFilter struct {
	TenantID  string
	ProjectID string
	UserID    string
	// AfterUserID pages the members of one project: only memberships of
	// users with a greater ID. Limit caps the rows (0: all).
	AfterUserID string
	Limit       int
}

// Page asks a list for one page, in the list's order: the rows whose key
// (an ID unless the list says otherwise) is greater than After ("" for the
// first page), at most Limit of them (0: every row, for internal callers
// that need them all). The service checks cursors and limits; the store
// takes them as given.
type Page struct {
	After string
	Limit int
}

// ProjectFilter selects projects of a tenant, one page of them.
type ProjectFilter struct {
	TenantID string
	// IDs, when not nil, keeps only these projects (the ones a
	// project-only member may see); an empty non-nil list matches none.
	IDs  []string
	Page Page
}

// TokenFilter selects tokens of a tenant; empty fields match all.
type TokenFilter struct {
	TenantID  string
	OwnerKind string
	OwnerID   string
	Type      string
	// Status filters by derived state at Now.
	Status string
	Now    time.Time
	// ExpiresBy, when set, keeps tokens expiring after Now and at or
	// before it.
	ExpiresBy *time.Time
	// IdleSince, when set, keeps tokens whose last use (their creation
	// when never used) is at or before it.
	IdleSince *time.Time
	// NoExpiry keeps only tokens without an expiry.
	NoExpiry bool
	// ExpiresFrom and ExpiresBefore, when set, keep tokens expiring at or
	// after ExpiresFrom and before ExpiresBefore (the expires_on filter:
	// one UTC day).
	ExpiresFrom, ExpiresBefore *time.Time
	// Before is a paging cursor: only tokens with an ID less than it.
	Before string
	Limit  int
}

// UsageRecord is the usage of one token from one IP since the last flush,
// on one UTC day: a batch that spans midnight holds a record for each day
// of the same token and IP, so it may name a (token, IP) pair twice.
// A record without a TokenID carries no usage: it counts Count failed
// verifications of tokens of TenantID on the UTC day of Last, which the
// store adds to the tenant's daily failures (see DailyCounts).
type UsageRecord struct {
	TenantID string
	TokenID  string
	IP       string
	First    time.Time
	Last     time.Time
	Count    int64
}

// IPUsage is the accumulated usage of a token from one client IP.
type IPUsage struct {
	IP        string    `json:"ip"`
	FirstUsed time.Time `json:"first_used"`
	LastUsed  time.Time `json:"last_used"`
	Count     int64     `json:"count"`
	Blocked   bool      `json:"blocked"`
}

// Session is a signed-in browser or API session; the Store keeps only the
// hash of its cookie value.
type Session struct {
	Hash      []byte
	TenantID  string
	UserID    string
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuditEntry is one line of the append-only audit trail. It never holds a
// secret.
type AuditEntry struct {
	ID         int64     `json:"id"`
	TenantID   string    `json:"tenant_id"`
	Time       time.Time `json:"time"`
	ActorKind  string    `json:"actor_kind"` // user, application, token, system, anonymous
	ActorID    string    `json:"actor_id"`
	Action     string    `json:"action"` // e.g. token.create
	ObjectKind string    `json:"object_kind"`
	ObjectID   string    `json:"object_id"`
	ClientIP   string    `json:"client_ip"`
	Outcome    string    `json:"outcome"` // success, failure, denied
	Detail     string    `json:"detail,omitempty"`
}

// Kinds of actor of an audit entry.
const (
	ActorUser        = "user"        // a person in a session, or a JWT of theirs
	ActorToken       = "token"       // an opaque token; its owner is found through the token
	ActorApplication = "application" // an application with its client credentials
	ActorSystem      = "system"      // the server itself: lifecycle jobs, migrations
	ActorAnonymous   = "anonymous"   // no credential, e.g. a leaked-token report
)

// AuditFilter selects audit entries of a tenant, newest first. Empty
// fields match everything.
type AuditFilter struct {
	TenantID  string
	Action    string
	ActorKind string
	ActorID   string
	// ActorOwnerKind and ActorOwnerID select what an owner did, itself or
	// through its tokens: entries whose actor is that user or application,
	// or one of the tokens it owns (a deleted token is not found).
	ActorOwnerKind string
	ActorOwnerID   string
	ObjectID       string
	Outcome        string
	Since          *time.Time
	Until          *time.Time
	BeforeID       int64
	Limit          int
}

// AttemptStore counts attempts at unauthenticated paths (password logins,
// the password grant, client authentication, leak reports) in fixed
// windows, shared by every instance on the database: N instances allow a
// limit once, not N times. Only attempts are written, never a verify.
type AttemptStore interface {
	// CountAttempt counts one attempt against key and returns the count of
	// key's window and its start. A key without a window, or whose window
	// started at or before now-window, starts a new one at now with count
	// 1. Concurrent calls never lose a count.
	CountAttempt(ctx context.Context, key string, window time.Duration, now time.Time) (count int, windowStart time.Time, err error)
	// UncountAttempt takes one attempt back from key's window if it is
	// still the one that started at windowStart (never below zero); a key
	// without that window is left alone.
	UncountAttempt(ctx context.Context, key string, windowStart time.Time) error
	// ClearAttempts forgets the windows of every key starting with prefix.
	ClearAttempts(ctx context.Context, prefix string) error
	// PruneAttempts forgets the windows that started before before, and
	// returns how many.
	PruneAttempts(ctx context.Context, before time.Time) (int64, error)
}
