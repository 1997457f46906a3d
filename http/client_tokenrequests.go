package http

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"tokenmint"
)

// TokenRequest is a request for a token of a type that needs approval, as
// the API shows it. It never holds a secret.
type TokenRequest struct {
	ID            string     `json:"id"`
	Type          string     `json:"type"`
	Name          string     `json:"name"`
	Description   string     `json:"description"`
	ProjectID     string     `json:"project_id,omitempty"`
	RequesterID   string     `json:"requester_id"`
	Justification string     `json:"justification"`
	Status        string     `json:"status"`
	DecidedBy     string     `json:"decided_by,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	TokenID       string     `json:"token_id,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	// ExpiresAt is when a pending or approved request runs out;
	// TokenExpiry is the expiry asked for the token.
	ExpiresAt   time.Time   `json:"expires_at"`
	TokenExpiry TokenExpiry `json:"token_expiry"`
	// AllowedCIDRs are the networks the token will be bound to (absent:
	// anywhere) and RateLimit its own rate limit (absent: none).
	AllowedCIDRs []string             `json:"allowed_cidrs,omitempty"`
	RateLimit    *tokenmint.RateLimit `json:"rate_limit,omitempty"`
}

// TokenExpiry is the expiry a request asks for its token, resolved against
// the limits in force when the token is collected (days count from then).
// All empty: the type's default.
type TokenExpiry struct {
	ExpiresAt  string `json:"expires_at,omitempty"` // RFC 3339 time or a date
	DaysToLive *int   `json:"days_to_live,omitempty"`
	NoExpiry   bool   `json:"no_expiry,omitempty"`
}

// NewTokenRequest asks for a token of a type that needs approval.
type NewTokenRequest struct {
	CreateTokenRequest
	Justification string `json:"justification"`
}

// RequestToken asks for a token that needs approval; the answer is the
// pending request.
func (c *Client) RequestToken(ctx context.Context, in NewTokenRequest) (*TokenRequest, error) {
	var out TokenRequest
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/token-requests", nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CollectTokenRequest creates the token of the caller's approved request
// and returns it with its secret, this once.
func (c *Client) CollectTokenRequest(ctx context.Context, id string) (*IssuedToken, error) {
	var out IssuedToken
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/token-requests/"+url.PathEscape(id)+"/issue", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
