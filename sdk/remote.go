package sdk

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// verifyAnswer is the JSON of the server's GET /api/v1/auth/verify.
type verifyAnswer struct {
	Active      bool       `json:"active"`
	Tenant      string     `json:"tenant"`
	Subject     string     `json:"subject"`
	OwnerKind   string     `json:"owner_kind"`
	TokenID     string     `json:"token_id"`
	Type        string     `json:"type"`
	Project     string     `json:"project"`
	Permissions []string   `json:"permissions"`
	ExpiresAt   *time.Time `json:"expires_at"`
}

// verifyRemote asks the server, through the cache. Acceptances and
// refusals (401, 403) are cached for CacheTTL, never past the token's
// expiry; failures to reach the server are not cached.
func (v *Verifier) verifyRemote(ctx context.Context, token, permission, project string) (*Identity, error) {
	id, _, err := v.verifyRemoteUntil(ctx, token, permission, project)
	return id, err
}

// verifyRemoteUntil is verifyRemote that also says until when the answer
// is cached (zero for a failure, which is not).
func (v *Verifier) verifyRemoteUntil(ctx context.Context, token, permission, project string) (*Identity, time.Time, error) {
	sum := sha256.Sum256([]byte(token))
	key := string(sum[:]) + "\x00" + permission + "\x00" + project
	now := v.cfg.Now()
	if e, ok := v.cache.get(key, now); ok {
		return e.id, e.until, e.err
	}
	id, err := v.askServer(ctx, token, permission, project)
	if ref, isRef := err.(*Error); err == nil || (isRef && ref.Status != http.StatusServiceUnavailable) {
		until := now.Add(v.cfg.CacheTTL)
		if id != nil && id.ExpiresAt != nil && id.ExpiresAt.Before(until) {
			until = *id.ExpiresAt
		}
		if v.cfg.CacheTTL > 0 {
			v.cache.put(key, entry{id: id, err: err, until: until})
		}
		return id, until, err
	}
	return id, time.Time{}, err
}

func (v *Verifier) askServer(ctx context.Context, token, permission, project string) (*Identity, error) {
	q := url.Values{}
	if permission != "" {
		q.Set("permission", permission)
	}
	if project != "" {
		q.Set("project", project)
	}
	if v.cfg.Tenant != "" {
		// The server refuses another tenant's token before it spends a use
		// of it or judges its permissions.
		q.Set("tenant", v.cfg.Tenant)
	}
	u := strings.TrimSuffix(v.cfg.ServerURL, "/") + "/api/v1/auth/verify"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("sdk: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Description: "token server unreachable"}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return nil, &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Description: serverMessage(body, "the token is not valid")}
	case http.StatusForbidden:
		return nil, &Error{Status: http.StatusForbidden, Code: "insufficient_scope", Description: serverMessage(body, "the token may not do this"), Scope: permission}
	case http.StatusBadRequest:
		return nil, &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Description: serverMessage(body, "the token is malformed")}
	default:
		return nil, &Error{Status: http.StatusServiceUnavailable, Description: fmt.Sprintf("token server answered %d", resp.StatusCode)}
	}
	var a verifyAnswer
	if err := json.Unmarshal(body, &a); err != nil || !a.Active {
		return nil, &Error{Status: http.StatusServiceUnavailable, Description: "unexpected answer from the token server"}
	}
	return &Identity{
		Subject: a.Subject, Tenant: a.Tenant, OwnerKind: a.OwnerKind, TokenID: a.TokenID, Type: a.Type,
		Project: a.Project, Permissions: a.Permissions, ExpiresAt: a.ExpiresAt, JWT: a.Type == "JWTAccessToken",
	}, nil
}

// serverMessage returns error.message of the server's JSON error body.
func serverMessage(body []byte, fallback string) string {
	var b struct {
		Error struct{ Message string } `json:"error"`
	}
	if json.Unmarshal(body, &b) == nil && b.Error.Message != "" {
		return b.Error.Message
	}
	return fallback
}

type entry struct {
	id    *Identity
	err   error
	until time.Time
}

// cache is a bounded map of verification answers keyed by the token's
// SHA-256 (never the token itself) and the question asked.
type cache struct {
	mu  sync.Mutex
	max int
	m   map[string]entry
}

func newCache(max int) *cache { return &cache{max: max, m: map[string]entry{}} }

func (c *cache) get(key string, now time.Time) (entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !now.Before(e.until) {
		return entry{}, false
	}
	return e, true
}

func (c *cache) put(key string, e entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		c.m = map[string]entry{} // crude bound: entries live seconds anyway
	}
	c.m[key] = e
}
