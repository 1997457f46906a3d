package main

import (
	"context"
	"fmt"
	"io"

	tmhttp "tokenmint/http"
)

func init() {
	commands["login"] = command{"sign in and save a token for the CLI", func(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
		return helpOK(runLogin(args, stdin, stdout, stderr))
	}}
}

func runLogin(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("login", "--url URL (--user NAME [--password] | --sso) [--tenant T] [flags]",
		"Asks for your password, signs in, creates a token for the CLI (named cli-<hostname>)\nand saves the server URL and the token in $XDG_CONFIG_HOME/tokenmint/credentials.json\n(default ~/.config/tokenmint/credentials.json), readable only by you. Later commands\nuse them when --url/--token and TOKENMINT_URL/TOKENMINT_TOKEN are not given.\nThe token of an earlier login to the same server is revoked.")
	var (
		po        passwordOptions
		exp       expiryFlags
		name, typ string
	)
	po.bind(f)
	po.bindSSO(f)
	f.StringVar(&name, "name", "", "name of the CLI's token (default: cli-<hostname>)")
	f.StringVar(&typ, "type", "UserToken", "type of the CLI's token")
	exp.bind(f, "the CLI's token")
	if err := checkPasswordArgs(f, args, stderr); err != nil {
		return err
	}
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return f.usageError(stderr, "%d unexpected arguments (--password takes no value)", len(pos))
	}
	if err := po.checkSSO(f, stderr); err != nil {
		return err
	}
	e, err := exp.fields(f)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	if name == "" {
		name = "cli-" + hostname()
	}
	path, err := credentialsPath()
	if err != nil {
		return err
	}
	previous, err := loadCredentials(path)
	if err != nil {
		return err
	}

	c, logout, err := po.session(stdin, stderr)
	if err != nil {
		return err
	}
	defer logout()
	ctx := context.Background()
	it, err := c.CreateToken(ctx, tmhttp.CreateTokenRequest{
		Type: typ, Name: name, Description: "created by 'tokenmint login' on " + hostname(), Expiry: e,
	})
	if err != nil {
		return err
	}
	creds := &credentials{URL: c.BaseURL(), Token: it.Secret, TokenID: it.ID, User: po.user, Tenant: po.tenant, ExpiresAt: it.ExpiresAt}
	if err := saveCredentials(path, creds); err != nil {
		// The token cannot be kept: do not leave it alive.
		if rerr := c.RevokeToken(ctx, it.ID); rerr != nil {
			fmt.Fprintf(stderr, "warning: could not revoke the unsaved token %s: %v\n", it.ID, rerr)
		}
		return fmt.Errorf("saving the login: %w", err)
	}
	// The previous CLI token of this server is no longer held by anyone.
	if previous != nil && previous.TokenID != "" && previous.TokenID != it.ID && sameServer(previous.URL, c.BaseURL()) &&
		previous.User == po.user && previous.Tenant == po.tenant {
		if err := c.RevokeToken(ctx, previous.TokenID); err != nil && tmhttp.StatusOf(err) != 404 {
			fmt.Fprintf(stderr, "warning: could not revoke the previous CLI token %s: %v\n", previous.TokenID, err)
		}
	}
	fmt.Fprintf(stdout, "Logged in to %s as %s.\n", c.BaseURL(), po.user)
	fmt.Fprintf(stdout, "Saved token %q (ID %s, expires %s) in %s.\n", it.Name, it.ID, formatExpiry(it.ExpiresAt), path)
	return nil
}
