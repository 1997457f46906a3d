package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"tokenmint"
)

// Token is a token's metadata as the API shows it; it never holds the
// secret. The server builds it (tokenView) and the client decodes it.
// Description and TokenUse are nil when an administrator looks at another
// user's token.
type Token struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Type        string     `json:"type"`
	Description *string    `json:"description,omitempty"`
	OwnerKind   string     `json:"owner_kind"`
	OwnerID     string     `json:"owner_id"`
	ProjectID   string     `json:"project_id,omitempty"`
	Prefix      string     `json:"prefix"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	*TokenUse
	MaxUses   int        `json:"max_uses"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// AllowedCIDRs are the networks the token may be used from (absent:
	// anywhere); see docs/bound-networks.md.
	AllowedCIDRs []string `json:"allowed_cidrs,omitempty"`
	// Rate limits, in single-token answers only: the token's own (absent:
	// none), the one in force with its source, and its owner's.
	RateLimit          *tokenmint.RateLimit `json:"rate_limit,omitempty"`
	EffectiveRateLimit *EffectiveRateLimit  `json:"effective_rate_limit,omitempty"`
	OwnerRateLimit     *tokenmint.RateLimit `json:"owner_rate_limit,omitempty"`

	// TypePermissions are the permissions of the token's type (not what it
	// may do now, which also depends on its owner), shown for tokens of
	// every state so an expired or revoked one still says what it was for.
	TypePermissions []tokenmint.Permission `json:"type_permissions,omitempty"`
}

// TokenUse is what only the token's owner sees of its use (and the
// tenant's administrators, for an application's token).
type TokenUse struct {
	LastUsedAt *time.Time `json:"last_used_at"`
	Uses       int64      `json:"uses"`
}

// IssuedToken is a new or rotated token with its secret, which the server
// returns only this once, in plain and encoded (base64) form.
type IssuedToken struct {
	Secret  string `json:"token"`
	Encoded string `json:"encoded"`
	Token
}

// TokenType is a type the caller may create tokens of, with the limits in
// force for its tenant.
type TokenType struct {
	Name              string     `json:"name"`
	Description       string     `json:"description"`
	Permissions       []string   `json:"permissions"`
	ProjectScoped     bool       `json:"project_scoped"`
	DefaultDaysToLive int        `json:"default_days_to_live"`
	MaxDaysToLive     int        `json:"max_days_to_live"`
	AllowNoExpiry     bool       `json:"allow_no_expiry"`
	MaxUses           int        `json:"max_uses"`
	Obsolete          bool       `json:"obsolete"`
	ReplacedBy        string     `json:"replaced_by,omitempty"`
	MaxExpiresAt      *time.Time `json:"max_expires_at"`
	ApprovalRequired  bool       `json:"approval_required"`
}

// Expiry asks for an expiry: at most one of an absolute time, a number of
// days from now, or no expiry. All empty means the type's default.
type Expiry struct {
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	DaysToLive *int       `json:"days_to_live,omitempty"`
	NoExpiry   bool       `json:"no_expiry,omitempty"`
}

// IsZero reports whether no expiry was asked for.
func (e Expiry) IsZero() bool { return e.ExpiresAt == nil && e.DaysToLive == nil && !e.NoExpiry }

// CreateTokenRequest asks for a new token owned by the caller.
type CreateTokenRequest struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Project     string `json:"project,omitempty"` // project ID or name
	// AllowedCIDRs bind the token to networks (docs/bound-networks.md).
	AllowedCIDRs []string `json:"allowed_cidrs,omitempty"`
	// RateLimit is the token's own rate limit (nil: none).
	RateLimit *tokenmint.RateLimit `json:"rate_limit,omitempty"`
	Expiry
}

// UpdateTokenRequest changes a token; nil or empty fields stay as they are.
type UpdateTokenRequest struct {
	Description *string `json:"description,omitempty"`
	Active      *bool   `json:"active,omitempty"`
	// AllowedCIDRs replaces the token's networks (an empty list: anywhere).
	AllowedCIDRs *[]string `json:"allowed_cidrs,omitempty"`
	Expiry
}

// RotateTokenRequest asks for a new secret. The old secret keeps working
// for Grace (whole seconds, at most what the server allows, 7 days by
// default); the expiry of the rotated token is the type's default unless
// Expiry says otherwise.
type RotateTokenRequest struct {
	Grace time.Duration `json:"-"`
	Expiry
}

func (r RotateTokenRequest) body() any {
	return struct {
		GraceSeconds int `json:"grace_seconds"`
		Expiry
	}{int(r.Grace / time.Second), r.Expiry}
}

// ListTokensOptions filter and page a token listing. Owner and All are for
// administrators.
type ListTokensOptions struct {
	Status string
	Type   string
	Owner  string // user ID or username
	All    bool
	Limit  int    // 0: the server's default
	Cursor string // NextCursor of the previous page
}

// TokenList is one page of tokens. NextCursor is empty on the last page.
type TokenList struct {
	Items      []Token `json:"items"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// TokenTypes lists the token types the caller may create.
func (c *Client) TokenTypes(ctx context.Context) ([]TokenType, error) {
	var out struct {
		Items []TokenType `json:"items"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/token-types", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// CreateToken creates a token owned by the caller and returns it with its
// secret.
func (c *Client) CreateToken(ctx context.Context, in CreateTokenRequest) (*IssuedToken, error) {
	var out IssuedToken
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/tokens", nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListTokens lists the caller's tokens, or another user's or the whole
// tenant's for an administrator.
func (c *Client) ListTokens(ctx context.Context, opt ListTokensOptions) (*TokenList, error) {
	q := url.Values{}
	for k, v := range map[string]string{"status": opt.Status, "type": opt.Type, "owner": opt.Owner, "cursor": opt.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if opt.All {
		q.Set("all", "true")
	}
	if opt.Limit > 0 {
		q.Set("limit", strconv.Itoa(opt.Limit))
	}
	var out TokenList
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/tokens", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetToken returns one token's metadata. The id "self" names the token the
// client authenticates with.
func (c *Client) GetToken(ctx context.Context, id string) (*Token, error) {
	var out Token
	if _, err := c.do(ctx, http.MethodGet, tokenPath(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateToken extends, re-describes, deactivates or reactivates a token.
func (c *Client) UpdateToken(ctx context.Context, id string, in UpdateTokenRequest) (*Token, error) {
	var out Token
	if _, err := c.do(ctx, http.MethodPatch, tokenPath(id), nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeToken revokes a token for good.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodDelete, tokenPath(id), nil, nil, nil)
	return err
}

// RotateToken gives a token the caller owns a new secret.
func (c *Client) RotateToken(ctx context.Context, id string, in RotateTokenRequest) (*IssuedToken, error) {
	var out IssuedToken
	if _, err := c.do(ctx, http.MethodPost, tokenPath(id)+"/rotate", nil, in.body(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RotateSelf makes the client's own token replace itself. The client keeps
// using the old token; call SetToken with the new secret to switch.
func (c *Client) RotateSelf(ctx context.Context, in RotateTokenRequest) (*IssuedToken, error) {
	var out IssuedToken
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/tokens/self/rotate", nil, in.body(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func tokenPath(id string) string { return "/api/v1/tokens/" + url.PathEscape(id) }
