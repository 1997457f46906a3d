package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"tokenmint"
)

// Delivery timing. A failed attempt is retried after 10 s, then 20 s, 40 s
// and so on, doubling up to an hour between attempts; after
// maxDeliveryAttempts the delivery is marked failed.
const (
	firstRetryDelay     = 10 * time.Second
	maxRetryDelay       = time.Hour
	maxDeliveryAttempts = 12
	// deliveryLock is how long a claimed delivery is left alone by other
	// workers; a worker that dies mid-attempt leaves it to be retried then.
	deliveryLock   = 2 * time.Minute
	webhookTimeout = 10 * time.Second
	deliveryBatch  = 100
)

// retryDelay is the wait after the given failed attempt (1-based).
func retryDelay(attempt int) time.Duration {
	d := firstRetryDelay
	for i := 1; i < attempt && d < maxRetryDelay; i++ {
		d *= 2
	}
	return min(d, maxRetryDelay)
}

// webhookBody is what a webhook receives.
type webhookBody struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Time     time.Time       `json:"time"`
	TenantID string          `json:"tenant_id"`
	Data     json.RawMessage `json:"data"`
}

// mailEvents are the events the owner of the token hears about by e-mail.
var mailEvents = map[string]bool{
	tokenmint.EventTokenExpiring: true,
	tokenmint.EventTokenExpired:  true,
	tokenmint.EventTokenLeaked:   true,
	tokenmint.EventExpiryDigest:  true,
}

// DeliverPending turns new events into deliveries (one per subscribed
// webhook, plus an e-mail to the owner for expiry and leak events) and
// makes every attempt that is due. Everything it does is recorded in the
// store first, so a restart loses nothing, and claimed atomically, so
// several instances may run it at once.
func (s *Service) DeliverPending(ctx context.Context) error {
	if err := s.dispatchEvents(ctx); err != nil {
		return err
	}
	for {
		due, err := s.store.DueDeliveries(ctx, s.Now(), deliveryBatch)
		if err != nil {
			return err
		}
		for _, d := range due {
			// The attempts of a batch take their time (a webhook up to
			// webhookTimeout, an e-mail longer): each claim reads the clock
			// again, or its lock could be over before the attempt begins
			// and another instance would make the same attempt meanwhile.
			now := s.Now()
			lockUntil := now.Add(deliveryLock)
			claimed, err := s.store.ClaimDelivery(ctx, d.ID, now, lockUntil)
			if err != nil {
				return err
			}
			if !claimed {
				continue
			}
			d.Attempts++
			s.attempt(ctx, d)
			saved, err := s.store.FinishDelivery(ctx, d, lockUntil)
			if err != nil {
				return err
			}
			if !saved {
				// The claim ran out during the attempt and another worker
				// took the delivery over (or it was deleted): its outcome
				// stands, not this one's.
				s.log.Warn("delivery attempt outlasted its claim; outcome dropped", "delivery", d.ID, "channel", d.Channel, "status", d.Status)
				continue
			}
			s.deliveries.count(d)
		}
		if len(due) < deliveryBatch {
			return nil
		}
	}
}

func (s *Service) dispatchEvents(ctx context.Context) error {
	for {
		evs, err := s.store.PendingEvents(ctx, deliveryBatch)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			ds, err := s.deliveriesFor(ctx, ev)
			if err != nil {
				return err
			}
			if _, err := s.store.DispatchEvent(ctx, ev.ID, ds, s.Now()); err != nil {
				return err
			}
		}
		if len(evs) < deliveryBatch {
			return nil
		}
	}
}

// deliveriesFor builds the deliveries of one event.
func (s *Service) deliveriesFor(ctx context.Context, ev *tokenmint.Event) ([]*tokenmint.Delivery, error) {
	now := s.Now()
	hooks, err := s.store.ListWebhooks(ctx, ev.TenantID, tokenmint.Page{})
	if err != nil {
		return nil, err
	}
	var out []*tokenmint.Delivery
	for _, w := range hooks {
		if !w.Subscribes(ev.Type) {
			continue
		}
		body, err := json.Marshal(webhookBody{ID: strconv.FormatInt(ev.ID, 10), Type: ev.Type, Time: ev.Time, TenantID: ev.TenantID, Data: ev.Data})
		if err != nil {
			return nil, err
		}
		out = append(out, &tokenmint.Delivery{
			TenantID: ev.TenantID, EventID: ev.ID, EventType: ev.Type, Channel: tokenmint.ChannelWebhook,
			WebhookID: w.ID, Payload: body, Status: tokenmint.DeliveryPending, NextAttemptAt: now, CreatedAt: now,
		})
	}
	if tokenmint.IsRequestEvent(ev.Type) && s.lc.cfg.Mailer != nil {
		ds, err := s.requestMailDeliveries(ctx, ev, now)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	if mailEvents[ev.Type] && s.lc.cfg.Mailer != nil {
		d, err := s.mailDelivery(ctx, ev, now)
		if err != nil {
			return nil, err
		}
		if d != nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// mailDelivery is the e-mail to the owner of the event's token, or nil
// when the owner is no enabled user with an address.
func (s *Service) mailDelivery(ctx context.Context, ev *tokenmint.Event, now time.Time) (*tokenmint.Delivery, error) {
	var data tokenmint.EventData
	var digest tokenmint.ExpiryDigestData
	var userID string
	if ev.Type == tokenmint.EventExpiryDigest {
		if err := json.Unmarshal(ev.Data, &digest); err != nil {
			return nil, fmt.Errorf("event %d: %w", ev.ID, err)
		}
		userID = digest.UserID
	} else {
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			return nil, fmt.Errorf("event %d: %w", ev.ID, err)
		}
		if data.Token.OwnerKind != tokenmint.OwnerUser {
			return nil, nil
		}
		userID = data.Token.OwnerID
	}
	u, err := s.store.UserByID(ctx, ev.TenantID, userID)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if u.Email == "" || !u.Enabled {
		return nil, nil // no address, or an account whose tokens no longer work
	}
	mail := noticeMail(ev.Type, data)
	if ev.Type == tokenmint.EventExpiryDigest {
		mail = digestMail(digest)
	}
	msg, err := json.Marshal(mail)
	if err != nil {
		return nil, err
	}
	return &tokenmint.Delivery{
		TenantID: ev.TenantID, EventID: ev.ID, EventType: ev.Type, Channel: tokenmint.ChannelEmail,
		Recipient: u.Email, Payload: msg, Status: tokenmint.DeliveryPending, NextAttemptAt: now, CreatedAt: now,
	}, nil
}

// noticeMail writes the e-mail of an event. It names the token by name,
// type and display prefix, never by its secret.
func noticeMail(typ string, data tokenmint.EventData) tokenmint.MailMessage {
	t := data.Token
	exp := "never"
	if t.ExpiresAt != nil {
		exp = t.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
	}
	about := fmt.Sprintf("Token:   %s\nType:    %s\nPrefix:  %s...\nID:      %s\nExpires: %s\n", t.Name, t.Type, t.Prefix, t.ID, exp)
	switch typ {
	case tokenmint.EventTokenExpiring:
		soon := "soon"
		if data.DaysLeft > 0 {
			soon = fmt.Sprintf("in %d day%s", data.DaysLeft, plural(data.DaysLeft))
		}
		window := ""
		if data.WindowDays > 0 {
			window = fmt.Sprintf("You are told %d day%s ahead, as your tenant's expiry notice policy asks.\n", data.WindowDays, plural(data.WindowDays))
		}
		return tokenmint.MailMessage{
			Subject: fmt.Sprintf("Your tokenmint token %q expires on %s (%s)", t.Name, exp, soon),
			Text:    fmt.Sprintf("Your token expires %s. Extend or rotate it before then, or it stops working.\n%s\n", soon, window) + about,
		}
	case tokenmint.EventTokenExpired:
		return tokenmint.MailMessage{
			Subject: fmt.Sprintf("Your tokenmint token %q has expired", t.Name),
			Text:    "Your token has expired and no longer works. Create a new one if you still need it.\n\n" + about,
		}
	}
	return tokenmint.MailMessage{
		Subject: fmt.Sprintf("Your tokenmint token %q was reported leaked and revoked", t.Name),
		Text:    "Someone reported your token as leaked, so it was revoked and no longer works. Create a new one and check where the old one was exposed.\n\n" + about,
	}
}

// attempt makes one attempt of d and sets its outcome.
func (s *Service) attempt(ctx context.Context, d *tokenmint.Delivery) {
	var status int
	var err error
	switch d.Channel {
	case tokenmint.ChannelWebhook:
		status, err = s.postWebhook(ctx, d)
	case tokenmint.ChannelEmail:
		err = s.sendMail(ctx, d)
	default:
		err = fmt.Errorf("unknown channel %q", d.Channel)
	}
	now := s.Now()
	d.LastStatus = status
	if err == nil {
		d.Status, d.DeliveredAt, d.LastError, d.NextAttemptAt = tokenmint.DeliveryDelivered, &now, "", now
		return
	}
	d.LastError = truncate(err.Error(), 300)
	var final *finalError
	if errors.As(err, &final) || d.Attempts >= maxDeliveryAttempts {
		d.Status, d.NextAttemptAt = tokenmint.DeliveryFailed, now
		s.log.Warn("delivery failed for good", "delivery", d.ID, "channel", d.Channel, "attempts", d.Attempts, "err", d.LastError)
		return
	}
	d.Status, d.NextAttemptAt = tokenmint.DeliveryPending, now.Add(retryDelay(d.Attempts))
	s.log.Info("delivery attempt failed; will retry", "delivery", d.ID, "channel", d.Channel, "attempt", d.Attempts, "next", d.NextAttemptAt, "err", d.LastError)
}

// finalError is a failure that no retry can fix.
type finalError struct{ msg string }

func (e *finalError) Error() string { return e.msg }

// postWebhook sends a webhook delivery, signed with the webhook's secret at
// the time of the attempt.
func (s *Service) postWebhook(ctx context.Context, d *tokenmint.Delivery) (int, error) {
	w, err := s.store.WebhookByID(ctx, d.TenantID, d.WebhookID)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return 0, &finalError{"webhook was deleted"}
	} else if err != nil {
		return 0, err
	}
	if !w.Enabled {
		return 0, &finalError{"webhook is disabled"}
	}
	key, err := s.openSecret(w.ID, w.SealedSecret)
	if err != nil {
		return 0, &finalError{err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, &finalError{"webhook URL is unusable"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tokenmint-webhook/1")
	req.Header.Set("X-Tokenmint-Event", d.EventType)
	req.Header.Set("X-Tokenmint-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set(SignatureHeader, SignWebhook(key, s.Now(), d.Payload))
	resp, err := s.lc.cfg.WebhookClient.Do(req)
	if err != nil {
		// The URL may hold a credential of the receiver (some services put
		// one in the path): report the cause, not the URL.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// sendMail sends an e-mail delivery.
func (s *Service) sendMail(ctx context.Context, d *tokenmint.Delivery) error {
	if s.lc.cfg.Mailer == nil {
		return errors.New("e-mail is not configured")
	}
	var m tokenmint.MailMessage
	if err := json.Unmarshal(d.Payload, &m); err != nil {
		return &finalError{"unreadable message"}
	}
	return s.lc.cfg.Mailer.Send(ctx, d.Recipient, m.Subject, m.Text)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// plural is the "s" of a count other than one.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
