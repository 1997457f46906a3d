package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"tokenmint"
)

// emitRequest appends an event about a token request to the outbox: its
// webhooks, and the e-mails of a request (to the tenant's administrators)
// and of a decision (to the requester). Like emit, a failure is logged:
// the change it reports has been saved.
func (s *Service) emitRequest(ctx context.Context, typ string, r *tokenmint.TokenRequest, reason string) {
	ctx, cancel := afterCommit(ctx)
	defer cancel()
	if s.lc.cfg.Mailer == nil && !s.subscribed(ctx, r.TenantID, typ) {
		return
	}
	data, err := json.Marshal(tokenmint.RequestEventData{Request: tokenmint.NewEventRequest(r), Reason: reason})
	if err != nil {
		panic(err) // plain structs of strings and times always marshal
	}
	// An event's token_id names a token; a request has none yet.
	ev := &tokenmint.Event{TenantID: r.TenantID, Type: typ, TokenID: r.TokenID, Time: s.Now(), Data: data}
	if err := s.store.AppendEvent(ctx, ev); err != nil {
		s.log.Error("append event failed", "event", typ, "request", r.ID, "err", err)
		return
	}
	s.nudgeDelivery()
}

// requestMailDeliveries are the e-mails of a request event: a new request
// goes to every enabled administrator of the tenant with an address but
// the requester; a decision goes to the requester.
func (s *Service) requestMailDeliveries(ctx context.Context, ev *tokenmint.Event, now time.Time) ([]*tokenmint.Delivery, error) {
	var data tokenmint.RequestEventData
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		return nil, fmt.Errorf("event %d: %w", ev.ID, err)
	}
	var to []*tokenmint.User
	if ev.Type == tokenmint.EventTokenRequested {
		users, err := s.store.ListUsers(ctx, ev.TenantID, tokenmint.Page{})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.IsAdmin() && u.ID != data.Request.RequesterID {
				to = append(to, u)
			}
		}
	} else {
		u, err := s.store.UserByID(ctx, ev.TenantID, data.Request.RequesterID)
		if err != nil && tokenmint.ErrorCode(err) != tokenmint.ENOTFOUND {
			return nil, err
		}
		if u != nil {
			to = append(to, u)
		}
	}
	msg, err := json.Marshal(requestMail(ev.Type, data))
	if err != nil {
		return nil, err
	}
	var out []*tokenmint.Delivery
	for _, u := range to {
		if u.Email == "" || !u.Enabled {
			continue
		}
		out = append(out, &tokenmint.Delivery{
			TenantID: ev.TenantID, EventID: ev.ID, EventType: ev.Type, Channel: tokenmint.ChannelEmail,
			Recipient: u.Email, Payload: msg, Status: tokenmint.DeliveryPending, NextAttemptAt: now, CreatedAt: now,
		})
	}
	return out, nil
}

// requestMail writes the e-mail of a request event. It holds no secret:
// the token does not exist before its requester collects it.
func requestMail(typ string, d tokenmint.RequestEventData) tokenmint.MailMessage {
	r := d.Request
	about := fmt.Sprintf("Request: %s\nType:    %s\nName:    %s\n", r.ID, r.Type, r.Name)
	switch typ {
	case tokenmint.EventTokenRequested:
		return tokenmint.MailMessage{
			Subject: fmt.Sprintf("Token request for type %s waits for your decision", r.Type),
			Text: "A user asks for a token that needs an administrator's approval. Approve or deny it under " +
				"Administration > Token requests (it expires on " + r.ExpiresAt.UTC().Format("2006-01-02 15:04 MST") + ").\n\n" +
				about + "\nJustification:\n" + r.Justification + "\n",
		}
	case tokenmint.EventTokenRequestApproved:
		return tokenmint.MailMessage{
			Subject: fmt.Sprintf("Your token request %q was approved", r.Name),
			Text: "Your token request was approved. Collect the token under Token Management > My requests before " +
				r.ExpiresAt.UTC().Format("2006-01-02 15:04 MST") + "; it is shown once.\n\n" + about,
		}
	}
	return tokenmint.MailMessage{
		Subject: fmt.Sprintf("Your token request %q was denied", r.Name),
		Text:    "Your token request was denied.\n\nReason:\n" + d.Reason + "\n\n" + about,
	}
}
