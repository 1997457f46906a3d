package service

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"tokenmint"
	"tokenmint/secret"
)

// Mailer sends one plain-text e-mail. Package smtp implements it over SMTP.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// LifecycleConfig configures the background jobs, e-mail notices and
// webhook deliveries. The zero value works: no e-mail, jobs every minute.
type LifecycleConfig struct {
	// Mailer sends expiry and leak notices to token owners; nil turns
	// e-mail off (events still reach webhooks).
	Mailer Mailer
	// WebhookClient posts webhook deliveries (default: 10 s timeout, no
	// redirects followed, no proxy, and connections only to addresses
	// tokenmint.WebhookAddressAllowed accepts).
	WebhookClient *http.Client
	// WebhookAllowedNetworks are internal ranges webhooks may reach anyway
	// (for a receiver inside the operator's network); public addresses
	// are always allowed.
	WebhookAllowedNetworks []netip.Prefix
	// InstanceID names this instance as the holder of the jobs' lease
	// (default: random).
	InstanceID string
	// JobInterval is how often the lifecycle jobs run (default 1 minute).
	// The jobs' lease lasts three intervals, so when the instance running
	// them dies another takes over within that time.
	JobInterval time.Duration
	// DeliveryInterval is how often due deliveries are looked for (default
	// 5 s); a new event also wakes the deliverer at once.
	DeliveryInterval time.Duration
}

// lifecycle is the state of the background work of one Service.
type lifecycle struct {
	cfg      LifecycleConfig
	leaseTTL time.Duration
	// blockedLim keeps a flood of refused requests from a blocked IP from
	// flooding the audit log: one entry per token and IP per minute.
	blockedLim *limiter
	// prunedDay is the UTC day (tokenmint.UnixDay) the daily counts were
	// last pruned on by this instance.
	prunedDay atomic.Int64
	// idleScanned is when (the injected clock, Unix ns) this instance last
	// ran both inactivity jobs for every tenant without an error.
	idleScanned atomic.Int64
	nudge       chan struct{}
	stop        chan struct{}
	stopOnce    sync.Once
	wg          sync.WaitGroup
}

func newLifecycle(cfg Config) *lifecycle {
	lc := cfg.Lifecycle
	if lc.InstanceID == "" {
		lc.InstanceID = secret.NewID()
	}
	if lc.JobInterval <= 0 {
		lc.JobInterval = time.Minute
	}
	if lc.DeliveryInterval <= 0 {
		lc.DeliveryInterval = 5 * time.Second
	}
	if lc.WebhookClient == nil {
		lc.WebhookClient = newWebhookClient(lc.WebhookAllowedNetworks)
	}
	return &lifecycle{
		cfg:        lc,
		leaseTTL:   3 * lc.JobInterval,
		blockedLim: newLimiter(cfg.Clock, 1, time.Minute),
		nudge:      make(chan struct{}, 1),
		stop:       make(chan struct{}),
	}
}

// RunBackground runs the lifecycle jobs every JobInterval and delivers
// webhooks and e-mail as they fall due, until ctx ends or Close is called.
// Close waits for a run in progress to finish.
func (s *Service) RunBackground(ctx context.Context) {
	s.lc.wg.Add(1)
	defer s.lc.wg.Done()
	jobs := time.NewTicker(s.lc.cfg.JobInterval)
	defer jobs.Stop()
	deliver := time.NewTicker(s.lc.cfg.DeliveryInterval)
	defer deliver.Stop()
	run := func(f func(context.Context) error, what string) {
		if err := f(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn(what+" failed; will retry", "err", err)
		}
	}
	run(s.RunJobs, "lifecycle jobs")
	run(s.DeliverPending, "deliveries")
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.lc.stop:
			return
		case <-jobs.C:
			run(s.RunJobs, "lifecycle jobs")
			run(s.DeliverPending, "deliveries")
		case <-deliver.C:
			run(s.DeliverPending, "deliveries")
		case <-s.lc.nudge:
			run(s.DeliverPending, "deliveries")
		}
	}
}

// stopLifecycle stops RunBackground, waits for it, and gives up the jobs'
// lease so another instance (or this one restarted) takes over at once.
func (s *Service) stopLifecycle(ctx context.Context) {
	s.lc.stopOnce.Do(func() { close(s.lc.stop) })
	s.lc.wg.Wait()
	now := s.Now()
	// Renewing the lease until now ends it; it changes nothing when
	// another instance holds it.
	if _, err := s.store.AcquireLease(ctx, jobLease, s.lc.cfg.InstanceID, now, now); err != nil {
		s.log.Warn("releasing the jobs lease failed; it runs out by itself", "err", err)
	}
}

// emit appends an event about tok to the outbox and wakes the deliverer.
// The change it reports has already been saved; a failure to append is
// logged, like a failure to audit.
func (s *Service) emit(ctx context.Context, typ string, tok *tokenmint.Token, reason string) {
	ctx, cancel := afterCommit(ctx)
	defer cancel()
	if !mailEvents[typ] && !s.subscribed(ctx, tok.TenantID, typ) {
		return // nobody listens: spare the write on every token change
	}
	if err := s.store.AppendEvent(ctx, s.newEvent(typ, tok, reason)); err != nil {
		s.log.Error("append event failed", "event", typ, "token", tok.ID, "err", err)
		return
	}
	s.nudgeDelivery()
}

// subscribed reports whether a webhook of the tenant wants events of typ.
// When the store cannot tell, it answers yes, so the event is kept.
func (s *Service) subscribed(ctx context.Context, tenantID, typ string) bool {
	// Through the cache: every token event asks, and a webhook change is
	// announced (ChangeWebhooks) like any other.
	hooks, _, ok := lookup(s.cache, &s.cache.hooks, tenantID)
	if !ok {
		gen := s.cache.generation()
		var err error
		if hooks, err = s.store.ListWebhooks(ctx, tenantID, tokenmint.Page{}); err != nil {
			return true
		}
		store(s.cache, gen, &s.cache.hooks, tenantID, hooks)
	}
	for _, w := range hooks {
		if w.Subscribes(typ) {
			return true
		}
	}
	return false
}

// newEvent describes what happened to tok now.
func (s *Service) newEvent(typ string, tok *tokenmint.Token, reason string) *tokenmint.Event {
	now := s.Now()
	data, err := json.Marshal(tokenmint.EventData{Token: tokenmint.NewEventToken(tok, now), Reason: reason})
	if err != nil {
		panic(err) // plain structs of strings and times always marshal
	}
	return &tokenmint.Event{TenantID: tok.TenantID, Type: typ, TokenID: tok.ID, Time: now, Data: data}
}

func (s *Service) nudgeDelivery() {
	select {
	case s.lc.nudge <- struct{}{}:
	default:
	}
}

// afterCommit is the context of a write that records a change already
// committed (its event, its audit entry): a caller hanging up or a
// shutdown cancelling the request must not cut it off, so it keeps the
// request's values but not its cancellation, under a bound of its own.
func afterCommit(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}
