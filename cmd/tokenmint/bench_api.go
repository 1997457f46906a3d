package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tokenmint/secret"
)

// benchAPI is the seeding side of bench: it signs in and creates what the
// scenarios need through the server's real API. Seeding is not measured,
// so it uses net/http's client.
type benchAPI struct {
	base   string // http://host:port
	c      *http.Client
	cookie string // the session cookie, "name=value"
	csrf   string
}

func newBenchAPI(base string) *benchAPI {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16 // the parallel seeding keeps its connections
	return &benchAPI{base: strings.TrimRight(base, "/"), c: &http.Client{Timeout: 30 * time.Second, Transport: tr}}
}

// login signs in as user and keeps the session cookie and CSRF token.
func (api *benchAPI) login(ctx context.Context, user, password string) error {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	req, err := http.NewRequestWithContext(ctx, "POST", api.base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := api.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sign in as %s: %d %s", user, resp.StatusCode, bytes.TrimSpace(b))
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	var cookies []string
	for _, c := range resp.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	api.cookie, api.csrf = strings.Join(cookies, "; "), out.CSRF
	return nil
}

// call sends a JSON request with the session and decodes a 2xx answer
// into out (when not nil).
func (api *benchAPI) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, api.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Cookie", api.cookie)
	req.Header.Set("X-CSRF-Token", api.csrf)
	return api.do(req, method+" "+path, out)
}

// form posts a form (with HTTP Basic credentials when user is set) and
// decodes the 2xx answer into out.
func (api *benchAPI) form(ctx context.Context, path string, f url.Values, user, pass string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "POST", api.base+path, strings.NewReader(f.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return api.do(req, "POST "+path+" ("+f.Get("grant_type")+")", out)
}

func (api *benchAPI) do(req *http.Request, what string, out any) error {
	resp, err := api.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s: %d %s", what, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}

// benchFixtures are the credentials the scenarios present.
type benchFixtures struct {
	token                  string // one CIToken, opaque
	rateLimited            string // an application token with its own and its owner's rate limit
	clientID, clientSecret string // an application with read-write and introspect access
	jwtCC                  string // access tokens of client_credentials,
	jwtPassword            string // of the password grant
	jwtExchange            string // and of token exchange (of token)
	// policyBefore is the tenant's max_tokens_per_owner before bench
	// lifted it, restored at the end when bench targets a running server.
	policyBefore *int
}

// createToken creates one CIToken through the API and returns its secret.
func (api *benchAPI) createToken(ctx context.Context, name string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	err := api.call(ctx, "POST", "/api/v1/tokens", map[string]any{"type": benchTokenType, "name": name, "days_to_live": benchDaysToLive}, &out)
	return out.Token, err
}

// seedFixtures creates, through the API, one token, an application with
// client credentials and a JWT of each grant. It lifts the tenant's token
// quota first: creation scenarios and the seeded token pools give the
// admin far more live tokens than the default quota of 500.
func seedFixtures(ctx context.Context, api *benchAPI, user, password string) (*benchFixtures, error) {
	fx := &benchFixtures{}
	var pol struct {
		MaxTokensPerOwner *int `json:"max_tokens_per_owner"`
	}
	if err := api.call(ctx, "GET", "/api/v1/policies", nil, &pol); err != nil {
		return nil, err
	}
	fx.policyBefore = pol.MaxTokensPerOwner
	if err := api.call(ctx, "PUT", "/api/v1/policies", map[string]int{"max_tokens_per_owner": 0}, nil); err != nil {
		return nil, err
	}
	var err error
	if fx.token, err = api.createToken(ctx, "bench"); err != nil {
		return nil, err
	}
	if fx.rateLimited, err = seedRateLimited(ctx, api); err != nil {
		return nil, err
	}
	var appOut struct {
		ID string `json:"id"`
	}
	appName := "bench-" + secret.Base62(8)
	if err := api.call(ctx, "POST", "/api/v1/applications", map[string]any{"name": appName, "access_types": []string{"read-write", "introspect"}}, &appOut); err != nil {
		return nil, err
	}
	var cred struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := api.call(ctx, "POST", "/api/v1/applications/"+appOut.ID+"/credentials", nil, &cred); err != nil {
		return nil, err
	}
	fx.clientID, fx.clientSecret = cred.ClientID, cred.ClientSecret
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := api.form(ctx, "/oauth/token", url.Values{"grant_type": {"client_credentials"}}, fx.clientID, fx.clientSecret, &tok); err != nil {
		return nil, err
	}
	fx.jwtCC = tok.AccessToken
	if err := api.form(ctx, "/oauth/token", url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}}, "", "", &tok); err != nil {
		return nil, err
	}
	fx.jwtPassword = tok.AccessToken
	if err := api.form(ctx, "/oauth/token", url.Values{
		"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token":      {fx.token},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
	}, "", "", &tok); err != nil {
		return nil, err
	}
	fx.jwtExchange = tok.AccessToken
	return fx, nil
}

// restorePolicy puts back the token quota seedFixtures lifted.
func restorePolicy(ctx context.Context, api *benchAPI, fx *benchFixtures) error {
	if fx == nil || fx.policyBefore == nil {
		return nil
	}
	return api.call(ctx, "PUT", "/api/v1/policies", map[string]int{"max_tokens_per_owner": *fx.policyBefore}, nil)
}

// seedAPITokens creates n tokens through the API from 8 connections, for
// a server bench did not start (and so cannot reach the store of).
func seedAPITokens(ctx context.Context, api *benchAPI, n int, progress io.Writer) (*tokenTable, error) {
	table := newTokenTable(n)
	var next, done atomic.Int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	last := time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				tok, err := api.createToken(ctx, fmt.Sprintf("bench-%d", i))
				if err == nil {
					err = table.set(i, tok)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					return
				}
				if d := done.Add(1); d%1000 == 0 {
					mu.Lock()
					if time.Since(last) > 5*time.Second {
						last = time.Now()
						fmt.Fprintf(progress, "  seeded %d of %d tokens\n", d, n)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("seed tokens through the API: %w", firstErr)
	}
	return table, ctx.Err()
}
