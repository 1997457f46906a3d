package tokenmint

import "time"

// Event types: what webhooks subscribe to. Each names one thing that
// happened to a token.
const (
	EventTokenCreated     = "token.created"
	EventTokenExpiring    = "token.expiring"
	EventTokenExpired     = "token.expired"
	EventTokenRevoked     = "token.revoked"
	EventTokenDeactivated = "token.deactivated"
	EventTokenDeleted     = "token.deleted"
	EventTokenLeaked      = "token.leaked"
	// Token requests (tokenrequest.go): asked for, approved, denied.
	EventTokenRequested       = "token.requested"
	EventTokenRequestApproved = "token.request.approved"
	EventTokenRequestDenied   = "token.request.denied"
)

// EventTypes lists every event type, for validating subscriptions.
var EventTypes = []string{
	EventTokenCreated, EventTokenExpiring, EventTokenExpired, EventTokenRevoked,
	EventTokenDeactivated, EventTokenDeleted, EventTokenLeaked,
	EventTokenRequested, EventTokenRequestApproved, EventTokenRequestDenied,
}

// ValidEventType reports whether s names an event type.
func ValidEventType(s string) bool {
	for _, v := range EventTypes {
		if v == s {
			return true
		}
	}
	return false
}

// Event is something that happened to a token. It is written to the
// store's outbox when it happens and later dispatched: turned into one
// delivery per subscribed webhook and, for the events an owner must hear
// about, an e-mail.
type Event struct {
	ID       int64
	TenantID string
	Type     string
	TokenID  string
	Time     time.Time
	// Data is the JSON of an EventData, captured when the event happened
	// (a deleted token can no longer be read).
	Data []byte
	// DispatchedAt is set once the event's deliveries exist.
	DispatchedAt *time.Time
}

// EventData is the payload of an event. It never holds a secret nor a
// token's description (which only its owner may see).
type EventData struct {
	Token  EventToken `json:"token"`
	Reason string     `json:"reason,omitempty"`
	// WindowDays and DaysLeft are set on token.expiring: the window of
	// the policy's expiry_notice_days this notice is for, and the whole
	// days left until expiry (rounded up).
	WindowDays int `json:"window_days,omitempty"`
	DaysLeft   int `json:"days_left,omitempty"`
}

// EventToken is what an event tells about its token.
type EventToken struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	OwnerKind  string     `json:"owner_kind"`
	OwnerID    string     `json:"owner_id"`
	ProjectID  string     `json:"project_id,omitempty"`
	Prefix     string     `json:"prefix"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// NewEventToken describes t as it is at now.
func NewEventToken(t *Token, now time.Time) EventToken {
	return EventToken{
		ID: t.ID, Name: t.Name, Type: t.Type, OwnerKind: t.OwnerKind, OwnerID: t.OwnerID,
		ProjectID: t.ProjectID, Prefix: t.Prefix, Status: t.Status(now),
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt,
	}
}

// Delivery channels.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // gave up after the last attempt
)

// Delivery is one message of the outbox: an event on its way to one webhook
// or one e-mail address. It stays in the store until delivered or given up,
// so a restart loses none.
type Delivery struct {
	ID        int64  `json:"id"`
	TenantID  string `json:"tenant_id"`
	EventID   int64  `json:"event_id"`
	EventType string `json:"event"`
	Channel   string `json:"channel"`
	// WebhookID is set for webhook deliveries, Recipient for e-mail.
	WebhookID string `json:"webhook_id,omitempty"`
	Recipient string `json:"recipient,omitempty"`
	// Payload is the request body of a webhook delivery, or the JSON of a
	// MailMessage.
	Payload       []byte     `json:"-"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastError     string     `json:"last_error,omitempty"`
	LastStatus    int        `json:"last_status_code,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
}

// MailMessage is the payload of an e-mail delivery.
type MailMessage struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// DeliveryFilter selects deliveries of a tenant, newest first.
type DeliveryFilter struct {
	TenantID  string
	WebhookID string
	// Channel and Status, when set, keep only deliveries of that channel
	// (ChannelWebhook, ChannelEmail) and status (DeliveryPending, …).
	Channel string
	Status  string
	// BeforeID is a paging cursor: only deliveries with a smaller ID.
	BeforeID int64
	Limit    int
}

// Notice kinds: the expiry mails an owner gets, each once per token and
// expiry date.
const (
	NoticeExpiring = "expiring"
	NoticeExpired  = "expired"
)

// Notice records that an expiry notice was sent, so it is sent once per
// token, kind and expiry date even across restarts and instances. An
// extension moves the expiry date and so arms the notices again.
type Notice struct {
	TenantID  string
	TokenID   string
	Kind      string
	ExpiresAt time.Time
	SentAt    time.Time
}
