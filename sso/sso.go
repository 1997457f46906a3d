// Package sso signs people in with an OpenID Connect provider: the
// authorization code flow with PKCE (S256), state and nonce, the ID token
// checked by github.com/coreos/go-oidc. It knows nothing of users or
// roles; package service decides what a verified identity may do.
package sso

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"tokenmint"
)

// Config is one tenant's provider as the flow needs it.
type Config struct {
	IssuerURL    string
	ClientID     string
	ClientSecret string
	Scopes       []string
	RedirectURI  string
	// GroupsClaim names the claim that lists the user's groups.
	GroupsClaim string
}

// Identity is what a verified sign-in says about the user.
type Identity struct {
	Issuer            string
	Subject           string
	Email             string
	PreferredUsername string
	// Groups is nil when neither the ID token nor userinfo had the claim.
	Groups []string
}

// Client runs the flow. The zero value works with a 10-second HTTP client
// and the system clock.
type Client struct {
	// HTTP reaches the providers (nil: a client with a 10 s timeout).
	HTTP *http.Client
	// Now is the clock ID tokens are checked against (nil: time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

func (c *Client) context(ctx context.Context) context.Context {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	ctx = oidc.ClientContext(ctx, hc)
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}

func (c *Client) log() *slog.Logger {
	if c.Logger == nil {
		return slog.Default()
	}
	return c.Logger
}

// unreachable is the error for a provider that does not answer as one:
// the person is told to try later, the operator finds the cause in the log.
func (c *Client) unreachable(cfg Config, step string, err error) error {
	c.log().Warn("identity provider unreachable", "issuer", cfg.IssuerURL, "step", step, "err", err)
	return &UnavailableError{tokenmint.Errorf(tokenmint.EUNAVAILABLE, "the identity provider could not be reached (%s); try again later, or ask an administrator", step)}
}

// UnavailableError is an identity provider that does not answer (code
// EUNAVAILABLE). Its message is meant for the person signing in, unlike
// that of an unreachable database.
type UnavailableError struct{ err *tokenmint.Error }

func (e *UnavailableError) Error() string { return e.err.Error() }

// Unwrap gives the domain error, for tokenmint.ErrorCode.
func (e *UnavailableError) Unwrap() error { return e.err }

func (c *Client) provider(ctx context.Context, cfg Config) (*oidc.Provider, error) {
	p, err := oidc.NewProvider(ctx, cfg.IssuerURL)
	if err != nil {
		var mismatch *oidc.IssuerMismatchError
		if errors.As(err, &mismatch) {
			c.log().Warn("identity provider names another issuer", "issuer", cfg.IssuerURL, "err", err)
			return nil, &UnavailableError{tokenmint.Errorf(tokenmint.EUNAVAILABLE, "the identity provider's discovery document names another issuer than the configured issuer_url")}
		}
		return nil, c.unreachable(cfg, "discovery", err)
	}
	return p, nil
}

func oauthConfig(p *oidc.Provider, cfg Config) *oauth2.Config {
	return &oauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: cfg.RedirectURI, Scopes: cfg.Scopes,
	}
}

// AuthCodeURL reads the provider's discovery document and returns where
// to send the browser. An unreachable provider is EUNAVAILABLE.
func (c *Client) AuthCodeURL(ctx context.Context, cfg Config, state, nonce, verifier string) (string, error) {
	ctx = c.context(ctx)
	p, err := c.provider(ctx, cfg)
	if err != nil {
		return "", err
	}
	return oauthConfig(p, cfg).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Exchange redeems the code with the PKCE verifier, verifies the ID token
// (signature against the provider's keys, issuer, audience, expiry) and its
// nonce, and returns the identity. Claims missing from the ID token (e-mail,
// username, groups) are read from the userinfo endpoint when it has them.
func (c *Client) Exchange(ctx context.Context, cfg Config, code, verifier, nonce string) (*Identity, error) {
	ctx = c.context(ctx)
	p, err := c.provider(ctx, cfg)
	if err != nil {
		return nil, err
	}
	oc := oauthConfig(p, cfg)
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			c.log().Warn("identity provider refused the code", "issuer", cfg.IssuerURL, "status", re.Response.StatusCode, "error", re.ErrorCode)
			return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the identity provider refused the sign-in (%s); start again", safeText(re.ErrorCode))
		}
		return nil, c.unreachable(cfg, "token", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the identity provider sent no ID token; is the openid scope configured?")
	}
	now := c.Now
	if now == nil {
		now = time.Now
	}
	idt, err := p.VerifierContext(ctx, &oidc.Config{ClientID: cfg.ClientID, Now: now}).Verify(ctx, raw)
	if err != nil {
		c.log().Warn("ID token refused", "issuer", cfg.IssuerURL, "err", err)
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the ID token from the identity provider is not valid; sign-in refused")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		c.log().Warn("ID token nonce mismatch", "issuer", cfg.IssuerURL)
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the ID token does not belong to this sign-in (nonce mismatch); sign-in refused")
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the ID token's claims could not be read")
	}
	id := &Identity{Issuer: idt.Issuer, Subject: idt.Subject}
	fill(id, claims, cfg.GroupsClaim)
	if (id.Groups == nil || id.Email == "" || id.PreferredUsername == "") && p.UserInfoEndpoint() != "" {
		ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			c.log().Warn("userinfo failed", "issuer", cfg.IssuerURL, "err", err)
		} else if ui.Subject != idt.Subject {
			// OpenID Connect Core 5.3.2: a userinfo answer for another
			// subject must not be used.
			return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "the identity provider's userinfo names another subject; sign-in refused")
		} else {
			more := map[string]any{}
			if err := ui.Claims(&more); err == nil {
				fill(id, more, cfg.GroupsClaim)
			}
		}
	}
	return id, nil
}

// fill sets what id lacks from claims.
func fill(id *Identity, claims map[string]any, groupsClaim string) {
	// An address the provider says it has not verified is not used: the
	// e-mail receives notices about the user's tokens.
	if verified, said := claims["email_verified"].(bool); id.Email == "" && (!said || verified) {
		id.Email, _ = claims["email"].(string)
	}
	if id.PreferredUsername == "" {
		id.PreferredUsername, _ = claims["preferred_username"].(string)
	}
	if id.Groups != nil {
		return
	}
	switch v := claims[groupsClaim].(type) {
	case []any:
		id.Groups = []string{}
		for _, g := range v {
			if s, ok := g.(string); ok {
				id.Groups = append(id.Groups, s)
			}
		}
	case string:
		// Some providers send a single group as a string, or a
		// space-separated list.
		id.Groups = strings.Fields(v)
	}
}

// safeText keeps an error code from a provider short and printable.
func safeText(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, s)
}

// String describes a config without its secret.
func (c Config) String() string {
	return fmt.Sprintf("issuer=%s client_id=%s", c.IssuerURL, c.ClientID)
}
