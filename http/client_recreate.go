package http

import (
	"context"
	"net/http"
)

// RecreateTokenRequest changes what a recreated token copies; empty
// fields keep the old token's values (within today's limits).
type RecreateTokenRequest struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Expiry
}

// RecreateToken creates a token like the token id, owned by the caller
// (or, for an application's token, by the application). The old token is
// not changed.
func (c *Client) RecreateToken(ctx context.Context, id string, in RecreateTokenRequest) (*RecreatedToken, error) {
	var out RecreatedToken
	if _, err := c.do(ctx, http.MethodPost, tokenPath(id)+"/recreate", nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
