package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// User is a user account as the API shows it.
type User struct {
	ID        string    `json:"id"`
	Username  string    `json:"username"`
	Email     string    `json:"email"`
	Roles     []string  `json:"roles"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// LoginResult is the answer to a successful sign-in. The session cookie
// itself stays in the client's cookie jar.
type LoginResult struct {
	User      User      `json:"user"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Login signs in with a username and password in tenant ("" = the default
// tenant) and keeps the session cookie for later requests that carry no
// token.
func (c *Client) Login(ctx context.Context, username, password, tenant string) (*LoginResult, error) {
	in := struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Tenant   string `json:"tenant,omitempty"`
	}{username, password, tenant}
	var out LoginResult
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/auth/login", nil, in, &out); err != nil {
		return nil, err
	}
	c.csrf = out.CSRFToken
	return &out, nil
}

// Logout ends the session opened by Login. Without a session it is a no-op
// on the server.
func (c *Client) Logout(ctx context.Context) error {
	// A token in Authorization is irrelevant to logout; send none, so the
	// cookie is what the server sees.
	saved := c.token
	c.token = ""
	defer func() { c.token = saved }()
	_, err := c.do(ctx, http.MethodPost, "/api/v1/auth/logout", nil, nil, nil)
	return err
}

// Me is the signed-in user (or a token's owner) and the permissions held in
// the tenant.
type Me struct {
	User        User     `json:"user"`
	Permissions []string `json:"permissions"`
}

// Me returns who the client is authenticated as.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var out Me
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/auth/me", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// VerifyResult is the forward-auth answer for an accepted token.
type VerifyResult struct {
	Active      bool       `json:"active"`
	Tenant      string     `json:"tenant"`
	Subject     string     `json:"subject"`
	OwnerKind   string     `json:"owner_kind"`
	TokenID     string     `json:"token_id"`
	Type        string     `json:"type"`
	Project     string     `json:"project,omitempty"`
	Permissions []string   `json:"permissions"`
	ExpiresAt   *time.Time `json:"expires_at"`
}

// Verify asks whether the client's token is valid and, when permission is
// not empty, whether it grants permission (on project, if given). A refused
// token is an *APIError with status 401 (invalid token) or 403 (valid but
// not allowed). Each successful verification counts as a use of the token.
func (c *Client) Verify(ctx context.Context, permission, project string) (*VerifyResult, error) {
	q := url.Values{}
	if permission != "" {
		q.Set("permission", permission)
	}
	if project != "" {
		q.Set("project", project)
	}
	var out VerifyResult
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/auth/verify", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UseCLICode signs the client in with a code from the web UI's
// command-line sign-in page (/ui/cli-code): the short session of a user who
// signed in there, with single sign-on for instance. Logout ends it.
func (c *Client) UseCLICode(code string) error {
	cookie, csrf, ok := ParseCLICode(code)
	if !ok {
		return fmt.Errorf("that is not a code from %s/ui/cli-code (it starts with %s)", c.BaseURL(), CLICodePrefix)
	}
	c.http.Jar.SetCookies(c.baseURL, []*http.Cookie{{Name: SessionCookie, Value: cookie, Path: "/"}})
	c.csrf = csrf
	return nil
}
