package tokenmint

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ApprovalRequired is the value of a type's approval option that makes its
// tokens go through a token request.
const ApprovalRequired = "required"

// RequiresApproval reports whether tokens of the type must be asked for and
// approved before they exist.
func (t *TokenType) RequiresApproval() bool { return t.Approval == ApprovalRequired }

// validateApproval checks the approval option: absent, "none" or
// "required", and only for types people create for themselves (an
// application's tokens are made by administrators already).
func (t *TokenType) validateApproval() error {
	switch t.Approval {
	case "", "none":
		return nil
	case ApprovalRequired:
		if t.OwnerKind != OwnerUser {
			return fmt.Errorf("type %s: approval: required is only for owner_kind user (administrators create application tokens)", t.Name)
		}
		if t.Internal {
			return fmt.Errorf("type %s: an internal type cannot require approval: nobody asks for it", t.Name)
		}
		return nil
	}
	return fmt.Errorf("type %s: approval %q must be \"required\" or \"none\"", t.Name, t.Approval)
}

// Token request states. A request is pending until an administrator
// decides; an approved request waits for its requester to collect the
// token, which makes it issued. Pending and approved requests expire when
// nobody acts in time.
const (
	RequestPending   = "pending"
	RequestApproved  = "approved"
	RequestDenied    = "denied"
	RequestExpired   = "expired"
	RequestIssued    = "issued"
	RequestCancelled = "cancelled"
)

// RequestStatuses lists every request state, for validating filters.
var RequestStatuses = []string{RequestPending, RequestApproved, RequestDenied, RequestExpired, RequestIssued, RequestCancelled}

// ValidRequestStatus reports whether s names a request state.
func ValidRequestStatus(s string) bool {
	for _, v := range RequestStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// RequestTTL is how long a request waits for a decision, and an approved
// request for its collection, before it expires.
const RequestTTL = 7 * Day

// MaxJustificationLen bounds a request's justification, in characters.
const MaxJustificationLen = 2000

// MaxDecisionReasonLen bounds the reason of a denial, in characters.
const MaxDecisionReasonLen = 1000

// TokenRequest asks for a token of a type that needs approval. It holds
// what the token would be made of, never a secret: the token is created
// when its requester collects the approved request.
type TokenRequest struct {
	ID          string
	TenantID    string
	RequesterID string
	Type        string
	Name        string
	Description string
	// ProjectID is the resolved project ("" for none).
	ProjectID string
	// Expiry is the expiry as asked for; it is resolved again, against the
	// limits of the day, when the token is collected.
	Expiry        ExpiryRequest
	Justification string
	// AllowedCIDRs are the networks the token will be bound to, resolved
	// when asked (empty: anywhere). Administrators see them to decide.
	AllowedCIDRs CIDRList
	// RateLimit is the token's own rate limit (zero: none, the type's
	// default applies).
	RateLimit RateLimit
	Status    string
	DecidedBy string
	DecidedAt *time.Time
	// Reason is a denial's reason, or why the request expired or was
	// cancelled.
	Reason string
	// TokenID is the token collected from the request.
	TokenID   string
	CreatedAt time.Time
	UpdatedAt time.Time
	// ExpiresAt is when a pending or approved request expires.
	ExpiresAt time.Time
}

// Open reports whether the request still waits for someone: a decision or
// its collection.
func (r *TokenRequest) Open() bool {
	return r.Status == RequestPending || r.Status == RequestApproved
}

// ValidateJustification checks a request's justification: required, at
// most MaxJustificationLen characters, with visible text (not only spaces
// or control characters) and no control characters but line breaks and
// tabs.
func ValidateJustification(s string) error {
	if strings.TrimSpace(s) == "" {
		return Errorf(EINVALID, "justification is required: say why you need this token")
	}
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "justification must be UTF-8 text")
	}
	if n := utf8.RuneCountInString(s); n > MaxJustificationLen {
		return Errorf(EINVALID, "justification must be at most %d characters (got %d)", MaxJustificationLen, n)
	}
	visible := false
	for _, c := range s {
		switch {
		case c == '\n' || c == '\r' || c == '\t':
		case unicode.IsControl(c) || c == '\u2028' || c == '\u2029':
			return Errorf(EINVALID, "justification must not contain control characters")
		case unicode.IsGraphic(c) && !unicode.IsSpace(c):
			visible = true
		}
	}
	if !visible {
		return Errorf(EINVALID, "justification must contain visible text")
	}
	return nil
}

// ValidateDecisionReason checks the reason of a denial: optional, at most
// MaxDecisionReasonLen characters, without control characters but line
// breaks and tabs.
func ValidateDecisionReason(s string) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "reason must be UTF-8 text")
	}
	if n := utf8.RuneCountInString(s); n > MaxDecisionReasonLen {
		return Errorf(EINVALID, "reason must be at most %d characters (got %d)", MaxDecisionReasonLen, n)
	}
	for _, c := range s {
		if c != '\n' && c != '\r' && c != '\t' && (unicode.IsControl(c) || c == '\u2028' || c == '\u2029') {
			return Errorf(EINVALID, "reason must not contain control characters")
		}
	}
	return nil
}

// RequestTransition moves a request from one state to another, only if it
// is still in From (and, for an open request, has not run out at At): the
// compare-and-set that lets exactly one of concurrent decisions, or
// collections, win.
type RequestTransition struct {
	TenantID string
	ID       string
	From     string
	To       string
	At       time.Time
	// DecidedBy is set by approvals and denials.
	DecidedBy string
	Reason    string
	// TokenID is set when the request is issued.
	TokenID string
	// ExpiresAt, when set, replaces the request's expiry (an approval
	// starts the time to collect).
	ExpiresAt *time.Time
	// Lapsed makes the transition apply only to a request whose
	// expires_at is at or before At (the expiry job); otherwise it applies
	// only to one whose expires_at is after At.
	Lapsed bool
	// WithTokenID, when set, makes the transition apply only to a request
	// that still names this token (taking back a collection whose token
	// was never written, and no other).
	WithTokenID string
}

// TokenRequestFilter selects requests of a tenant, newest first.
type TokenRequestFilter struct {
	TenantID    string
	RequesterID string
	Status      string
	// ExpiresBy, when set, keeps requests whose expires_at is at or
	// before it (for the expiry job, with Status pending or approved).
	ExpiresBy *time.Time
	// Before is a paging cursor: only requests with an ID less than it.
	Before string
	Limit  int
}

// TokenRequestStore keeps token requests. Every backend implements it and
// passes storetest's token request tests.
type TokenRequestStore interface {
	// CreateTokenRequest stores a new request; an ID taken is ECONFLICT,
	// an unknown tenant or requester ENOTFOUND.
	CreateTokenRequest(ctx context.Context, r *TokenRequest) error
	// TokenRequestByID returns the request with the ID in the tenant.
	TokenRequestByID(ctx context.Context, tenantID, id string) (*TokenRequest, error)
	// ListTokenRequests returns requests newest first (by ID), at most
	// f.Limit (100 when 0).
	ListTokenRequests(ctx context.Context, f TokenRequestFilter) ([]*TokenRequest, error)
	// TransitionTokenRequest applies tr and reports whether it did: false
	// when the request is no longer in tr.From (another decision won) or
	// its time does not fit tr.Lapsed; ENOTFOUND when it does not exist in
	// the tenant.
	TransitionTokenRequest(ctx context.Context, tr RequestTransition) (bool, error)
}

// RequestEventData is the payload of a token request's event. Like
// EventData it holds no secret; it carries the justification, which the
// deciding administrators need to read.
type RequestEventData struct {
	Request EventRequest `json:"request"`
	Reason  string       `json:"reason,omitempty"`
}

// EventRequest is what an event tells about its request.
type EventRequest struct {
	ID            string     `json:"id"`
	Type          string     `json:"type"`
	Name          string     `json:"name"`
	ProjectID     string     `json:"project_id,omitempty"`
	RequesterID   string     `json:"requester_id"`
	Justification string     `json:"justification"`
	Status        string     `json:"status"`
	DecidedBy     string     `json:"decided_by,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	ExpiresAt     time.Time  `json:"expires_at"`
}

// NewEventRequest describes r.
func NewEventRequest(r *TokenRequest) EventRequest {
	return EventRequest{
		ID: r.ID, Type: r.Type, Name: r.Name, ProjectID: r.ProjectID, RequesterID: r.RequesterID,
		Justification: r.Justification, Status: r.Status, DecidedBy: r.DecidedBy,
		CreatedAt: r.CreatedAt, DecidedAt: r.DecidedAt, ExpiresAt: r.ExpiresAt,
	}
}

// IsRequestEvent reports whether typ is an event about a token request,
// whose Data is a RequestEventData.
func IsRequestEvent(typ string) bool {
	return typ == EventTokenRequested || typ == EventTokenRequestApproved || typ == EventTokenRequestDenied
}
