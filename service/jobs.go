package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tokenmint"
)

// jobLease is the lease the lifecycle jobs run under: of several instances
// sharing a database, only the holder runs them. Each job is also
// idempotent in the store (conditional updates, notices keyed by token,
// kind and expiry), so even two holders at once would not act twice.
const jobLease = "lifecycle-jobs"

// jobBatch is how many tokens a job reads at a time.
const jobBatch = 100

// expiredLookback bounds how far back the expiry job looks for expired
// tokens whose notice was never sent (after downtime, or on the first run
// of an install that had tokens already): older expiries are not announced.
const expiredLookback = 30 * tokenmint.Day

// outboxRetention is how long finished events and deliveries stay visible
// through the deliveries API before they are purged.
const outboxRetention = 30 * tokenmint.Day

// IdleScanInterval is the least time between two runs of the inactivity
// jobs on one instance. They read every token of every tenant (a token's
// last activity is computed per row): about a second of SQLite work with a
// million tokens, too much to spend every minute on rules counted in days;
// a token idle for its 30 days is deactivated at most this much later.
const IdleScanInterval = 10 * time.Minute

// RunJobs runs every lifecycle job once, for every tenant, if this instance
// holds (or takes) the jobs' lease: expiry notices, expiry, deactivation
// after inactivity and deletion after long inactivity (at most every
// IdleScanInterval), the weekly expiry digest, the outbox purge and the
// pruning of daily counts past their retention.
// The events they produce are delivered by DeliverPending.
func (s *Service) RunJobs(ctx context.Context) error {
	now := s.Now()
	held, err := s.store.AcquireLease(ctx, jobLease, s.lc.cfg.InstanceID, now, now.Add(s.lc.leaseTTL))
	if err != nil {
		return fmt.Errorf("acquire jobs lease: %w", err)
	}
	if !held {
		return nil
	}
	// A token whose first use in a while still waits in this instance's
	// usage buffer is not idle, whatever the store says: the inactivity
	// jobs skip it (unwrittenUse). The buffer is not flushed here: a
	// backlog of first uses (a restart with a million tokens in use) is
	// written at the pace UsageWriteBudget allows, not at once. Other
	// instances write a new pair within --usage-flush, later while they
	// work through such a backlog.
	used := s.usage.unwrittenUse()
	tenants, err := s.store.ListTenants(ctx)
	if err != nil {
		return err
	}
	scanIdle := s.idleScanDue(now)
	var errs, idleErrs []error
	for _, t := range tenants {
		pol, err := s.store.PolicyByTenant(ctx, t.ID)
		if err != nil {
			idleErrs = append(idleErrs, err) // this tenant's scan is still to do
			continue
		}
		errs = append(errs,
			s.expiryNoticeJob(ctx, pol, now),
			s.expiryDigestJob(ctx, pol, now),
			s.expireJob(ctx, pol, now),
			s.expireTokenRequestsJob(ctx, t.ID, now),
		)
		if scanIdle {
			idleErrs = append(idleErrs, s.deactivateJob(ctx, pol, now, used), s.deleteJob(ctx, pol, now, used))
		}
	}
	if scanIdle && errors.Join(idleErrs...) == nil {
		s.lc.idleScanned.Store(now.UnixNano())
	}
	errs = append(errs, idleErrs...)
	if _, err := s.store.PurgeOutbox(ctx, now.Add(-outboxRetention)); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, s.pruneDailyCountsJob(ctx, now))
	return errors.Join(errs...)
}

// idleScanDue reports whether the inactivity jobs are due: IdleScanInterval
// has passed since their last complete run here (or the clock went back).
func (s *Service) idleScanDue(now time.Time) bool {
	last := s.lc.idleScanned.Load()
	return last == 0 || now.UnixNano() < last || now.UnixNano()-last >= int64(IdleScanInterval)
}

// pruneDailyCountsJob deletes the daily counts older than the retention:
// today and the days before it within DailyUsageRetentionDays stay. Days
// only age at midnight, so it deletes once per UTC day on this instance,
// not at every run of the jobs.
func (s *Service) pruneDailyCountsJob(ctx context.Context, now time.Time) error {
	today := tokenmint.UnixDay(now)
	if s.lc.prunedDay.Load() == today {
		return nil
	}
	if _, err := s.store.PruneDailyCounts(ctx, today-tokenmint.DailyUsageRetentionDays+1); err != nil {
		return err
	}
	s.lc.prunedDay.Store(today)
	return nil
}

// expireJob announces tokens that have expired (token.expired), once per
// token and expiry date. Expiry itself needs no write: a token's state is
// derived from the clock, so it stops working at the exact instant.
func (s *Service) expireJob(ctx context.Context, pol tokenmint.Policy, now time.Time) error {
	return s.noticeJob(ctx, pol.TenantID, now.Add(-expiredLookback), now, tokenmint.NoticeExpired, tokenmint.EventTokenExpired, now)
}

// noticeJob records a notice of kind for every token expiring in (from,
// to] that has none for its current expiry, with the event that carries
// it to webhooks and the owner's mailbox.
func (s *Service) noticeJob(ctx context.Context, tenantID string, from, to time.Time, kind, event string, now time.Time) error {
	for {
		toks, err := s.store.ExpiringTokens(ctx, tenantID, from, to, kind, jobBatch)
		if err != nil {
			return err
		}
		progress := false
		for _, tok := range toks {
			n := tokenmint.Notice{TenantID: tenantID, TokenID: tok.ID, Kind: kind, ExpiresAt: *tok.ExpiresAt, SentAt: now}
			ok, err := s.store.RecordNotice(ctx, n, s.newEvent(event, tok, ""))
			if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
				continue // deleted meanwhile
			} else if err != nil {
				return err
			}
			if ok {
				progress = true
				if kind == tokenmint.NoticeExpired {
					s.systemAudit(ctx, tenantID, "token.expire", "token", tok.ID, "expired at "+tok.ExpiresAt.Format(time.RFC3339))
				}
			}
		}
		if len(toks) < jobBatch || !progress {
			if progress {
				s.nudgeDelivery()
			}
			return nil
		}
	}
}

// deactivateJob sets tokens unused for the tenant's
// inactivity_deactivate_days inactive (token.deactivated). A token never
// used counts from its creation; a reactivation starts the count again.
func (s *Service) deactivateJob(ctx context.Context, pol tokenmint.Policy, now time.Time, used func(tokenID string) bool) error {
	if pol.InactivityDeactivateDays == 0 {
		return nil
	}
	idleSince := now.Add(-time.Duration(pol.InactivityDeactivateDays) * tokenmint.Day)
	reason := fmt.Sprintf("unused for %d days", pol.InactivityDeactivateDays)
	return s.eachIdleToken(ctx, pol.TenantID, idleSince, tokenmint.StatusActive, func(tok *tokenmint.Token) error {
		if tok.Status(now) != tokenmint.StatusActive {
			return nil // expired or exhausted: deactivating would change nothing
		}
		if used(tok.ID) {
			return nil // used lately, the use not yet written
		}
		snapshot := *tok
		snapshot.StoredStatus = tokenmint.StatusInactive
		changed, err := s.store.DeactivateIdleToken(s.announcing(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID}), tok.TenantID, tok.ID, idleSince, now, s.newEvent(tokenmint.EventTokenDeactivated, &snapshot, reason))
		if err != nil || !changed {
			return ignoreNotFound(err)
		}
		s.changed(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID})
		s.systemAudit(ctx, tok.TenantID, "token.deactivate", "token", tok.ID, reason)
		s.nudgeDelivery()
		return nil
	})
}

// deleteJob deletes tokens unused for the tenant's inactivity_delete_days,
// whatever their state (token.deleted).
func (s *Service) deleteJob(ctx context.Context, pol tokenmint.Policy, now time.Time, used func(tokenID string) bool) error {
	if pol.InactivityDeleteDays == 0 {
		return nil
	}
	idleSince := now.Add(-time.Duration(pol.InactivityDeleteDays) * tokenmint.Day)
	reason := fmt.Sprintf("unused for %d days", pol.InactivityDeleteDays)
	return s.eachIdleToken(ctx, pol.TenantID, idleSince, "", func(tok *tokenmint.Token) error {
		if used(tok.ID) {
			return nil // used lately, the use not yet written
		}
		deleted, err := s.store.DeleteIdleToken(s.announcing(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID}), tok.TenantID, tok.ID, idleSince, s.newEvent(tokenmint.EventTokenDeleted, tok, reason))
		if err != nil || !deleted {
			return err
		}
		s.changed(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID})
		s.systemAudit(ctx, tok.TenantID, "token.delete", "token", tok.ID, reason)
		s.nudgeDelivery()
		return nil
	})
}

// eachIdleToken calls f for every token of the tenant idle since idleSince,
// in ID order, a batch at a time.
func (s *Service) eachIdleToken(ctx context.Context, tenantID string, idleSince time.Time, storedStatus string, f func(*tokenmint.Token) error) error {
	after := ""
	for {
		toks, err := s.store.IdleTokens(ctx, tenantID, idleSince, storedStatus, after, jobBatch)
		if err != nil {
			return err
		}
		for _, tok := range toks {
			if err := f(tok); err != nil {
				return err
			}
			after = tok.ID
		}
		if len(toks) < jobBatch {
			return nil
		}
	}
}

func ignoreNotFound(err error) error {
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil
	}
	return err
}
