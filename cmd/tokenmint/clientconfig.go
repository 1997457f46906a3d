package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	tmhttp "tokenmint/http"
)

// defaultServerURL is where the client looks when nothing says otherwise.
const defaultServerURL = "http://127.0.0.1:8080"

type expiry = tmhttp.Expiry

// clientOptions are the flags that tell a client command which server to
// call and with which token.
type clientOptions struct {
	url   string
	token string
}

func (o *clientOptions) bind(f *cmdFlags, withToken bool) {
	f.StringVar(&o.url, "url", "", "server URL (default: $TOKENMINT_URL, the saved login, or "+defaultServerURL+")")
	if withToken {
		f.StringVar(&o.token, "token", "", "token to authenticate with (default: $TOKENMINT_TOKEN or the saved login; prefer the variable: arguments are visible to other users)")
	}
}

// tokenSource says where the client's token came from.
type tokenSource int

const (
	fromNone tokenSource = iota
	fromFlag
	fromEnv
	fromFile
)

// clientSetup is a resolved client configuration.
type clientSetup struct {
	url    string
	token  string
	source tokenSource
	saved  *credentials // the credentials file, if any
	path   string       // the credentials file's path
}

// resolve applies the precedence flag > environment > saved credentials >
// default, for the URL and the token alike. A saved token is used only
// against the server it was issued by, so it never travels elsewhere.
func (o *clientOptions) resolve() (*clientSetup, error) {
	s := &clientSetup{}
	path, err := credentialsPath()
	if err == nil {
		s.path = path
		if s.saved, err = loadCredentials(path); err != nil {
			return nil, err
		}
	}
	switch {
	case o.url != "":
		s.url = o.url
	case os.Getenv("TOKENMINT_URL") != "":
		s.url = os.Getenv("TOKENMINT_URL")
	case s.saved != nil && s.saved.URL != "":
		s.url = s.saved.URL
	default:
		s.url = defaultServerURL
	}
	switch {
	case o.token != "":
		s.token, s.source = o.token, fromFlag
	case os.Getenv("TOKENMINT_TOKEN") != "":
		s.token, s.source = os.Getenv("TOKENMINT_TOKEN"), fromEnv
	case s.saved != nil && s.saved.Token != "" && sameServer(s.saved.URL, s.url):
		s.token, s.source = s.saved.Token, fromFile
	}
	return s, nil
}

// sameServer compares two server URLs, ignoring a trailing slash and case
// of scheme and host.
func sameServer(a, b string) bool {
	norm := func(u string) string {
		u = strings.TrimRight(strings.TrimSpace(u), "/")
		if i := strings.Index(u, "://"); i >= 0 {
			rest := u[i+3:]
			host, path, _ := strings.Cut(rest, "/")
			u = strings.ToLower(u[:i+3]+host) + "/" + path
		}
		return u
	}
	return norm(a) == norm(b)
}

// errNoToken tells how to give the client a token.
var errNoToken = errors.New("no token: set TOKENMINT_TOKEN, pass --token, or run 'tokenmint login'")

// client returns an API client for the resolved server. When needToken is
// set, a missing token is an error.
func (s *clientSetup) client(needToken bool) (*tmhttp.Client, error) {
	c, err := tmhttp.NewClient(s.url, nil)
	if err != nil {
		return nil, err
	}
	if needToken && s.token == "" {
		return nil, errNoToken
	}
	c.SetToken(s.token)
	return c, nil
}

// tokenClient resolves the options and returns a client that authenticates
// with a token.
func (o *clientOptions) tokenClient() (*tmhttp.Client, *clientSetup, error) {
	s, err := o.resolve()
	if err != nil {
		return nil, nil, err
	}
	c, err := s.client(true)
	if err != nil {
		return nil, nil, err
	}
	return c, s, nil
}

// noteRotated keeps the credentials file in step when a rotation replaced
// the token saved in it: the file gets the new secret. self says the token
// the client authenticated with rotated itself.
func (s *clientSetup) noteRotated(stderr io.Writer, self bool, it *tmhttp.IssuedToken) {
	if s.saved == nil || !sameServer(s.saved.URL, s.url) {
		return
	}
	byID := s.saved.TokenID != "" && s.saved.TokenID == it.ID
	bySecret := self && s.source == fromFile
	if !byID && !bySecret {
		return
	}
	s.saved.Token, s.saved.TokenID, s.saved.ExpiresAt = it.Secret, it.ID, it.ExpiresAt
	if err := saveCredentials(s.path, s.saved); err != nil {
		fmt.Fprintf(stderr, "warning: the saved login in %s still holds the old token: %v\n", s.path, err)
		return
	}
	fmt.Fprintf(stderr, "Saved the new token in %s.\n", s.path)
}

// noteRevoked says when a revocation ended the saved login.
func (s *clientSetup) noteRevoked(stderr io.Writer, id string) {
	if s.saved != nil && s.saved.TokenID == id && sameServer(s.saved.URL, s.url) {
		fmt.Fprintln(stderr, "That was the token of your saved login; run 'tokenmint login' to sign in again.")
	}
}
