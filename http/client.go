package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// maxResponseBytes bounds what the client reads of any answer, so a
// misbehaving server cannot exhaust the CLI's memory.
const maxResponseBytes = 8 << 20

// Client calls the tokenmint REST API. It authenticates with a token
// (Authorization: Bearer) when one is set, and otherwise with the session
// cookie that Login stores in its cookie jar. A Client never logs; the
// secrets it handles go only into requests and into the values it returns.
type Client struct {
	baseURL *url.URL
	http    *http.Client
	token   string
	csrf    string // the session's CSRF token, sent on writes

	// UserAgent is sent with every request.
	UserAgent string
}

// NewClient returns a client for the server at baseURL (for example
// "http://127.0.0.1:8080"). httpClient may be nil; a client without a cookie
// jar is copied and given one, so Login works without changing the caller's
// client.
func NewClient(baseURL string, httpClient *http.Client) (*Client, error) {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	var hc http.Client
	if httpClient != nil {
		hc = *httpClient
	} else {
		hc.Timeout = 60 * time.Second
	}
	if hc.Jar == nil {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, err
		}
		hc.Jar = jar
	}
	return &Client{baseURL: u, http: &hc, UserAgent: "tokenmint-cli"}, nil
}

// parseBaseURL accepts an absolute http(s) URL without query or fragment.
func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: give an absolute http:// or https:// URL", s)
	}
	if u.User != nil {
		return nil, fmt.Errorf("server URL: do not put credentials in the URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server URL %q: must not have a query or fragment", s)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// BaseURL returns the server URL the client talks to, without a trailing
// slash.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// SetToken makes every later request authenticate with token; an empty
// token falls back to the session cookie, if any.
func (c *Client) SetToken(token string) { c.token = strings.TrimSpace(token) }

// HasToken reports whether requests carry a token.
func (c *Client) HasToken() bool { return c.token != "" }

// APIError is an error answer of the server: the HTTP status and the
// {"error":{"code","message"}} body. Its text is safe to show to a person.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status)
}

// StatusOf returns the HTTP status of an *APIError in err's chain, or 0.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// do sends a request with an optional JSON body and decodes a JSON answer
// into out (which may be nil). It returns the response headers on success.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) (http.Header, error) {
	// path is already escaped (see tokenPath), so the URL is built as text.
	target := c.baseURL.String() + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else if c.csrf != "" {
		req.Header.Set(CSRFHeader, c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s %s: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeAPIError(resp.StatusCode, data)
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("unexpected answer from %s %s (HTTP %d): not the JSON expected", method, path, resp.StatusCode)
		}
	}
	return resp.Header, nil
}

// transportError shortens a *url.Error: its URL never carries a secret, but
// the wrapped text is what a person needs.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("cannot reach %s: %w", redactQuery(ue.URL), ue.Err)
	}
	return err
}

func redactQuery(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i]
	}
	return raw
}

// decodeAPIError turns an error answer into an *APIError. Answers that do
// not have the tokenmint shape (a proxy's HTML page, say) keep only the
// status text, never the body.
func decodeAPIError(status int, data []byte) error {
	var eb errorBody
	if err := json.Unmarshal(data, &eb); err != nil || eb.Error.Message == "" {
		msg := http.StatusText(status)
		if msg == "" {
			msg = "unexpected answer"
		}
		return &APIError{Status: status, Code: "", Message: strings.ToLower(msg)}
	}
	return &APIError{Status: status, Code: eb.Error.Code, Message: eb.Error.Message}
}
