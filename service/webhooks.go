package service

import (
	"context"
	"net/url"
	"strings"

	"tokenmint"
	"tokenmint/secret"
)

// WebhookInput creates or changes a webhook; on update nil fields stay.
type WebhookInput struct {
	URL    *string
	Events []string // nil: unchanged on update
	// Secret is the signing secret; empty on create means "generate one".
	// On update a non-nil value replaces it ("" generates a new one).
	Secret  *string
	Enabled *bool
}

// Bounds of a caller-chosen signing secret.
const (
	minWebhookSecret = 16
	maxWebhookSecret = 256
)

// CreateWebhook subscribes a URL of the caller's tenant to token events.
// The returned webhook carries the plain signing secret in Secret: the only
// time it is shown.
func (s *Service) CreateWebhook(ctx context.Context, in WebhookInput) (*tokenmint.Webhook, error) {
	p, err := s.requireAdminFor(ctx, "webhook.create", "webhook", "")
	if err != nil {
		return nil, err
	}
	if in.URL == nil {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "url is required")
	}
	if err := s.validateWebhookURL(*in.URL); err != nil {
		return nil, err
	}
	if err := tokenmint.ValidateWebhookEvents(in.Events); err != nil {
		return nil, err
	}
	plain := ""
	if in.Secret != nil {
		plain = *in.Secret
	}
	if plain, err = webhookSecret(plain); err != nil {
		return nil, err
	}
	now := s.Now()
	w := &tokenmint.Webhook{
		ID: secret.NewID(), TenantID: p.TenantID, URL: *in.URL, Events: in.Events, Enabled: true,
		CreatedAt: now, UpdatedAt: now,
	}
	if in.Enabled != nil {
		w.Enabled = *in.Enabled
	}
	if w.SealedSecret, err = s.sealSecret(w.ID, plain); err != nil {
		return nil, err
	}
	hooksChanged := Change{Kind: ChangeWebhooks, TenantID: p.TenantID}
	if err := s.store.CreateWebhook(s.announcing(ctx, hooksChanged), w); err != nil {
		return nil, err
	}
	s.changed(ctx, hooksChanged)
	s.audit(ctx, p.TenantID, "webhook.create", "webhook", w.ID, OutcomeSuccess, "events "+strings.Join(w.Events, ","))
	w.Secret = plain
	return w, nil
}

// validateWebhookURL checks a webhook's URL: its form, and its host where
// that is an address (a name is checked at every connection).
func (s *Service) validateWebhookURL(u string) error {
	if err := tokenmint.ValidateWebhookURL(u); err != nil {
		return err
	}
	p, _ := url.Parse(u) // parsed without error by ValidateWebhookURL
	return tokenmint.CheckWebhookHost(p.Hostname(), s.lc.cfg.WebhookAllowedNetworks)
}

// webhookSecret checks a caller's secret or generates one.
func webhookSecret(plain string) (string, error) {
	if plain == "" {
		return "whsec_" + secret.Base62(40), nil
	}
	if n := len(plain); n < minWebhookSecret || n > maxWebhookSecret {
		return "", tokenmint.Errorf(tokenmint.EINVALID, "secret must be %d-%d characters (or omitted to have one generated)", minWebhookSecret, maxWebhookSecret)
	}
	return plain, nil
}

// ListWebhooks lists one page of the webhooks of the caller's tenant,
// oldest first, and the cursor of the next page ("" on the last).
func (s *Service) ListWebhooks(ctx context.Context, in PageInput) ([]*tokenmint.Webhook, string, error) {
	return adminIDPage(ctx, in, func(tenantID string, pg tokenmint.Page) ([]*tokenmint.Webhook, error) {
		return s.store.ListWebhooks(ctx, tenantID, pg)
	}, func(x *tokenmint.Webhook) string { return x.ID })
}

// GetWebhook returns one webhook of the caller's tenant.
func (s *Service) GetWebhook(ctx context.Context, id string) (*tokenmint.Webhook, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.WebhookByID(ctx, p.TenantID, id)
}

// UpdateWebhook changes a webhook's URL, events, enabled flag or secret.
// When the secret changes, the returned webhook carries the new plain
// secret in Secret.
func (s *Service) UpdateWebhook(ctx context.Context, id string, in WebhookInput) (*tokenmint.Webhook, error) {
	p, err := s.requireAdminFor(ctx, "webhook.update", "webhook", id)
	if err != nil {
		return nil, err
	}
	w, err := s.store.WebhookByID(ctx, p.TenantID, id)
	if err != nil {
		return nil, err
	}
	if in.URL == nil && in.Events == nil && in.Secret == nil && in.Enabled == nil {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "nothing to change: give url, events, secret or enabled")
	}
	if in.URL != nil {
		if err := s.validateWebhookURL(*in.URL); err != nil {
			return nil, err
		}
		w.URL = *in.URL
	}
	if in.Events != nil {
		if err := tokenmint.ValidateWebhookEvents(in.Events); err != nil {
			return nil, err
		}
		w.Events = in.Events
	}
	if in.Enabled != nil {
		w.Enabled = *in.Enabled
	}
	plain := ""
	if in.Secret != nil {
		if plain, err = webhookSecret(*in.Secret); err != nil {
			return nil, err
		}
		if w.SealedSecret, err = s.sealSecret(w.ID, plain); err != nil {
			return nil, err
		}
	}
	w.UpdatedAt = s.Now()
	hooksChanged := Change{Kind: ChangeWebhooks, TenantID: p.TenantID}
	if err := s.store.UpdateWebhook(s.announcing(ctx, hooksChanged), w); err != nil {
		return nil, err
	}
	s.changed(ctx, hooksChanged)
	detail := "events " + strings.Join(w.Events, ",")
	if in.Secret != nil {
		detail += "; new secret"
	}
	s.audit(ctx, p.TenantID, "webhook.update", "webhook", w.ID, OutcomeSuccess, detail)
	w.Secret = plain
	return w, nil
}

// DeleteWebhook removes a webhook and its deliveries.
func (s *Service) DeleteWebhook(ctx context.Context, id string) error {
	p, err := s.requireAdminFor(ctx, "webhook.delete", "webhook", id)
	if err != nil {
		return err
	}
	hooksChanged := Change{Kind: ChangeWebhooks, TenantID: p.TenantID}
	if err := s.store.DeleteWebhook(s.announcing(ctx, hooksChanged), p.TenantID, id); err != nil {
		return err
	}
	s.changed(ctx, hooksChanged)
	s.audit(ctx, p.TenantID, "webhook.delete", "webhook", id, OutcomeSuccess, "")
	return nil
}

// ListDeliveries lists a webhook's deliveries, newest first: their status,
// attempts, next attempt and last error.
func (s *Service) ListDeliveries(ctx context.Context, webhookID string) ([]*tokenmint.Delivery, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.WebhookByID(ctx, p.TenantID, webhookID); err != nil {
		return nil, err
	}
	return s.store.ListDeliveries(ctx, tokenmint.DeliveryFilter{TenantID: p.TenantID, WebhookID: webhookID, Limit: 100})
}
