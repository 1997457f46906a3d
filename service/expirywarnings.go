package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"tokenmint"
)

// expiryNoticeJob tells owners that a token expires soon (token.expiring),
// once per token, expiry and window of the tenant's expiry_notice_days.
// Windows are handled nearest first, and a notice for a window covers the
// farther ones (see TokensDueNotice): so a token first seen inside several
// windows gets one notice, for the nearest, and a token told at 30 days is
// told again at 7 and at 1. An extension moves the expiry, which arms
// every window again.
func (s *Service) expiryNoticeJob(ctx context.Context, pol tokenmint.Policy, now time.Time) error {
	windows := slices.Clone(pol.ExpiryNoticeDays)
	slices.Sort(windows)
	for _, w := range windows {
		if err := s.windowNotices(ctx, pol.TenantID, w, now); err != nil {
			return err
		}
	}
	return nil
}

// windowNotices records the notice of window w for every token expiring
// within w days that has none of a window of w days or fewer.
func (s *Service) windowNotices(ctx context.Context, tenantID string, w int, now time.Time) error {
	to := now.Add(time.Duration(w) * tokenmint.Day)
	// Each batch starts at the expiry the last one ended on (less a
	// microsecond, for ties), not at now: the tokens before it were just
	// told, and a query from now would pass over them all again, which
	// with a million tokens in the window made the job quadratic. One
	// whose expiry moved back meanwhile is found at the next run.
	from := now
	for {
		toks, err := s.store.TokensDueNotice(ctx, tenantID, from, to, w, jobBatch)
		if err != nil {
			return err
		}
		progress := false
		for _, tok := range toks {
			n := tokenmint.ExpiryNotice{TenantID: tenantID, TokenID: tok.ID, ExpiresAt: *tok.ExpiresAt, WindowDays: w, SentAt: now}
			ok, err := s.store.RecordExpiryNotice(ctx, n, s.expiringEvent(tok, w, now))
			if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
				continue // deleted meanwhile
			} else if err != nil {
				return err
			}
			progress = progress || ok
		}
		if n := len(toks); n > 0 && toks[n-1].ExpiresAt != nil {
			from = toks[n-1].ExpiresAt.Add(-time.Microsecond)
		}
		if len(toks) < jobBatch || !progress {
			if progress {
				s.nudgeDelivery()
			}
			return nil
		}
	}
}

// expiringEvent is the token.expiring event of the notice at window w.
func (s *Service) expiringEvent(tok *tokenmint.Token, w int, now time.Time) *tokenmint.Event {
	data := tokenmint.EventData{
		Token: tokenmint.NewEventToken(tok, now), Reason: fmt.Sprintf("expires within %d days", w),
		WindowDays: w, DaysLeft: daysLeft(now, *tok.ExpiresAt),
	}
	b, err := json.Marshal(data)
	if err != nil {
		panic(err) // plain structs of strings, numbers and times always marshal
	}
	return &tokenmint.Event{TenantID: tok.TenantID, Type: tokenmint.EventTokenExpiring, TokenID: tok.ID, Time: now, Data: b}
}

// daysLeft is the whole days from now to exp, rounded up: a token with 20
// hours left has 1 day left, not 0.
func daysLeft(now, exp time.Time) int {
	d := exp.Sub(now)
	n := int(d / tokenmint.Day)
	if d%tokenmint.Day > 0 {
		n++
	}
	return n
}

// expiryDigestJob sends, on the tenant's digest weekday (UTC) when the
// policy turns the digest on, one e-mail to each user listing their
// tokens active now that expire in the next DigestDays days; none to a
// user with nothing expiring. Each user gets it once per week, recorded in
// the store with the event that carries it, so another instance or a
// restart on the same day does not send it again.
func (s *Service) expiryDigestJob(ctx context.Context, pol tokenmint.Policy, now time.Time) error {
	if !pol.ExpiryDigest {
		return nil
	}
	day, ok := tokenmint.ParseWeekday(pol.ExpiryDigestWeekday)
	if !ok || now.UTC().Weekday() != day {
		return nil
	}
	toks, err := s.store.DigestTokens(ctx, pol.TenantID, now, now.Add(tokenmint.DigestDays*tokenmint.Day))
	if err != nil {
		return err
	}
	// The record is keyed by the Monday of the week, so moving the
	// weekday later in a week that had its digest sends none twice.
	week := tokenmint.WeekStart(tokenmint.UnixDay(now))
	sent := false
	for len(toks) > 0 {
		// DigestTokens orders by owner: take one owner's run of tokens.
		n := 1
		for n < len(toks) && toks[n].OwnerID == toks[0].OwnerID {
			n++
		}
		mine := toks[:n]
		toks = toks[n:]
		data := tokenmint.ExpiryDigestData{UserID: mine[0].OwnerID, Days: tokenmint.DigestDays}
		for _, t := range mine {
			data.Tokens = append(data.Tokens, tokenmint.NewEventToken(t, now))
		}
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		ev := &tokenmint.Event{TenantID: pol.TenantID, Type: tokenmint.EventExpiryDigest, Time: now, Data: b}
		ok, err := s.store.RecordExpiryDigest(ctx, tokenmint.ExpiryDigest{TenantID: pol.TenantID, UserID: data.UserID, WeekDay: week, SentAt: now}, ev)
		if err != nil {
			return err
		}
		sent = sent || ok
	}
	if sent {
		s.nudgeDelivery()
	}
	return nil
}

// digestMail writes the weekly digest: one line per token with its name,
// type, expiry and the path of its page. Never a secret.
func digestMail(d tokenmint.ExpiryDigestData) tokenmint.MailMessage {
	var b strings.Builder
	fmt.Fprintf(&b, "These tokenmint tokens of yours expire in the next %d days. Extend or rotate the ones you still need before then, or they stop working.\n\n", d.Days)
	for _, t := range d.Tokens {
		exp := "never"
		if t.ExpiresAt != nil {
			exp = t.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
		}
		fmt.Fprintf(&b, "- %s (type %s, prefix %s...) expires %s: /ui/tokens/%s\n", t.Name, t.Type, t.Prefix, exp, t.ID)
	}
	return tokenmint.MailMessage{
		Subject: fmt.Sprintf("tokenmint: %d of your tokens expire in the next %d days", len(d.Tokens), d.Days),
		Text:    b.String(),
	}
}

// expiryCliffs finds the days of the next CliffHorizonDays on which an
// unusually large number of the tenant's active tokens expire.
func (s *Service) expiryCliffs(ctx context.Context, tenantID string, now time.Time) ([]ExpiryCliff, error) {
	days, err := s.store.ExpiryDays(ctx, tenantID, now, now.Add(tokenmint.CliffHorizonDays*tokenmint.Day))
	if err != nil {
		return nil, err
	}
	out := []ExpiryCliff{}
	for _, c := range tokenmint.ExpiryCliffs(days) {
		out = append(out, ExpiryCliff{Date: dayDate(c.Day), Count: c.Count})
	}
	return out, nil
}
