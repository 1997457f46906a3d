package tokenmint

import (
	"net/url"
	"slices"
	"time"
)

// Webhook is a tenant's subscription to token events: deliveries are POSTed
// as JSON to URL, signed with HMAC-SHA256 under the webhook's secret.
type Webhook struct {
	ID       string   `json:"id"`
	TenantID string   `json:"tenant_id"`
	URL      string   `json:"url"`
	Events   []string `json:"events"`
	Enabled  bool     `json:"enabled"`
	// SealedSecret is the signing secret encrypted at rest; the plain
	// secret is shown once, when it is set.
	SealedSecret []byte `json:"-"`
	// Secret is the plain signing secret, set only on the value that
	// creates the webhook or sets a new secret, so it is shown once. Stores
	// ignore it.
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Subscribes reports whether the webhook wants events of type typ.
func (w *Webhook) Subscribes(typ string) bool {
	return w.Enabled && slices.Contains(w.Events, typ)
}

// MaxWebhookURLLen bounds a webhook's URL.
const MaxWebhookURLLen = 2048

// ValidateWebhookURL checks that u is an absolute http or https URL
// without credentials.
func ValidateWebhookURL(u string) error {
	if u == "" || len(u) > MaxWebhookURLLen {
		return Errorf(EINVALID, "url must be 1-%d characters", MaxWebhookURLLen)
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return Errorf(EINVALID, "url must be an absolute http or https URL")
	}
	if p.User != nil {
		return Errorf(EINVALID, "url must not contain credentials; the signature authenticates deliveries")
	}
	return nil
}

// ValidateWebhookEvents checks a subscription: at least one known event
// type, none twice.
func ValidateWebhookEvents(events []string) error {
	if len(events) == 0 {
		return Errorf(EINVALID, "events must name at least one of %v", EventTypes)
	}
	seen := map[string]bool{}
	for _, e := range events {
		if !ValidEventType(e) {
			return Errorf(EINVALID, "unknown event %q; events are %v", e, EventTypes)
		}
		if seen[e] {
			return Errorf(EINVALID, "event %q is listed twice", e)
		}
		seen[e] = true
	}
	return nil
}
