package tokenmint

import (
	"context"
	"time"
)

// The storage of token lifecycle, notifications and IP blocking. Each
// interface is embedded in Store, so every backend implements it and passes
// the conformance suite in package storetest.

// LeaseStore coordinates background jobs across instances: a job runs only
// on the instance that holds its lease.
type LeaseStore interface {
	// AcquireLease takes or renews the named lease until the given time and
	// reports whether holder has it. It succeeds when nobody holds the
	// lease, when the lease ran out (until <= now), or when holder already
	// holds it. Concurrent callers on any number of instances: at most one
	// wins a free lease.
	AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
}

// LifecycleStore finds tokens the background jobs act on and applies their
// changes together with the event that reports them, in one transaction.
//
// A token's last activity is the latest of its creation, its last use and
// its last reactivation (a change of stored status from inactive to
// active, which the store records itself).
type LifecycleStore interface {
	// ListTenants returns every tenant.
	ListTenants(ctx context.Context) ([]*Tenant, error)
	// IdleTokens returns tokens of the tenant whose last activity is at or
	// before idleSince, in ID order after the cursor, at most limit of
	// them. A non-empty storedStatus keeps only tokens with that stored
	// status (active, inactive or revoked).
	IdleTokens(ctx context.Context, tenantID string, idleSince time.Time, storedStatus, after string, limit int) ([]*Token, error)
	// DeactivateIdleToken sets the token inactive if it is still active and
	// idle since idleSince, and then appends ev, in one transaction. It
	// reports whether it changed the token; ENOTFOUND for an unknown token.
	// A change counts up the token's Version (see Store.UpdateToken).
	DeactivateIdleToken(ctx context.Context, tenantID, id string, idleSince, now time.Time, ev *Event) (bool, error)
	// DeleteIdleToken deletes the token (with its secrets, usage, blocks and
	// notices) if it is still idle since idleSince, and then appends ev, in
	// one transaction. It reports whether it deleted the token.
	DeleteIdleToken(ctx context.Context, tenantID, id string, idleSince time.Time, ev *Event) (bool, error)
	// ExpiringTokens returns tokens of the tenant that expire after from and
	// at or before to, are neither revoked nor exhausted, and have no notice
	// of the kind recorded for their current expiry; soonest expiry first,
	// at most limit of them.
	ExpiringTokens(ctx context.Context, tenantID string, from, to time.Time, kind string, limit int) ([]*Token, error)
	// RecordNotice records n and appends ev in one transaction, and reports
	// true; when the notice was already recorded it changes nothing and
	// reports false. ENOTFOUND when the token is not in the tenant.
	RecordNotice(ctx context.Context, n Notice, ev *Event) (bool, error)
}

// BlockStore keeps the client IPs and ranges a token is refused to.
type BlockStore interface {
	// BlockIP adds the block; blocking what is already blocked changes
	// nothing. ENOTFOUND when the token is not in b.TenantID.
	BlockIP(ctx context.Context, b *IPBlock) error
	// UnblockIP removes a block; ENOTFOUND when there is none.
	UnblockIP(ctx context.Context, tenantID, tokenID, prefix string) error
	// BlockedIPs lists the token's blocks, oldest first; ENOTFOUND when the
	// token is not in the tenant.
	BlockedIPs(ctx context.Context, tenantID, tokenID string) ([]IPBlock, error)
}

// EventStore is the outbox: events as they happen, and the deliveries they
// turn into.
type EventStore interface {
	// AppendEvent stores ev and sets its ID, greater than every earlier
	// event's.
	AppendEvent(ctx context.Context, ev *Event) error
	// PendingEvents returns events not dispatched yet, oldest first.
	PendingEvents(ctx context.Context, limit int) ([]*Event, error)
	// DispatchEvent stores the event's deliveries (setting their IDs) and
	// marks it dispatched at now, in one transaction. When the event was
	// already dispatched it changes nothing and reports false, so two
	// dispatchers never deliver an event twice.
	DispatchEvent(ctx context.Context, eventID int64, deliveries []*Delivery, now time.Time) (bool, error)
	// DueDeliveries returns pending deliveries whose next attempt is at or
	// before now, earliest first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*Delivery, error)
	// ClaimDelivery takes a due pending delivery for one attempt: it counts
	// the attempt and moves the next one to lockUntil, so other workers
	// leave it alone meanwhile and a worker that dies mid-attempt leaves it
	// to be tried again. It reports false when the delivery is no longer
	// due or pending. lockUntil also names the claim for FinishDelivery: a
	// later claim, possible only once this one ran out, has a later one.
	ClaimDelivery(ctx context.Context, id int64, now, lockUntil time.Time) (bool, error)
	// FinishDelivery saves the outcome of the attempt claimed with
	// lockUntil claimedUntil: status, next_attempt_at, last_error,
	// last_status and delivered_at. It saves only while that claim still
	// stands (the delivery is pending and nobody claimed it since), and
	// reports false, changing nothing, when another worker claimed it after
	// the claim ran out or the delivery is gone: the newer worker's outcome
	// stands.
	FinishDelivery(ctx context.Context, d *Delivery, claimedUntil time.Time) (bool, error)
	// ListDeliveries returns deliveries matching f, newest first (100 when
	// Limit is 0).
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)
	// PurgeOutbox deletes events dispatched before the given time none of
	// whose deliveries is still pending, with their deliveries, and reports
	// how many events it deleted.
	PurgeOutbox(ctx context.Context, before time.Time) (int64, error)
}

// WebhookStore keeps the tenants' webhook subscriptions.
type WebhookStore interface {
	CreateWebhook(ctx context.Context, w *Webhook) error
	// UpdateWebhook saves url, events, enabled, the sealed secret and
	// updated_at.
	UpdateWebhook(ctx context.Context, w *Webhook) error
	WebhookByID(ctx context.Context, tenantID, id string) (*Webhook, error)
	// ListWebhooks returns the tenant's webhooks by ID (oldest first), one
	// page of them (pg.Limit 0: all, as deliveries need).
	ListWebhooks(ctx context.Context, tenantID string, pg Page) ([]*Webhook, error)
	// DeleteWebhook removes the webhook and its deliveries.
	DeleteWebhook(ctx context.Context, tenantID, id string) error
}
