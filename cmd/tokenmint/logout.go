package main

import (
	"context"
	"fmt"
	"io"

	tmhttp "tokenmint/http"
)

func init() {
	commands["logout"] = command{"revoke the saved CLI token and forget it", func(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
		return helpOK(runLogout(args, stdout, stderr))
	}}
}

func runLogout(args []string, stdout, stderr io.Writer) error {
	f := newCmdFlags("logout", "[flags]",
		"Revokes the token saved by 'tokenmint login' and deletes the saved login.\nWith --keep-token the token is only forgotten, not revoked.")
	var keep bool
	f.BoolVar(&keep, "keep-token", false, "delete the saved login without revoking its token")
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return f.usageError(stderr, "unexpected argument %q", pos[0])
	}
	path, err := credentialsPath()
	if err != nil {
		return err
	}
	saved, err := loadCredentials(path)
	if err != nil {
		return err
	}
	if saved == nil {
		fmt.Fprintln(stdout, "Not logged in.")
		return nil
	}
	if !keep && saved.Token != "" {
		c, err := tmhttp.NewClient(saved.URL, nil)
		if err != nil {
			return err
		}
		c.SetToken(saved.Token)
		err = revokeSaved(c, saved.TokenID)
		// 401: the token no longer works anyway (expired, revoked or deleted).
		if err != nil && tmhttp.StatusOf(err) != 401 {
			return fmt.Errorf("revoking the saved token: %w (use --keep-token to only forget it)", err)
		}
	}
	if err := removeCredentials(path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Logged out of %s.\n", saved.URL)
	return nil
}

// revokeSaved revokes the client's own token, finding its ID first when the
// saved login does not have it.
func revokeSaved(c *tmhttp.Client, id string) error {
	ctx := context.Background()
	if id == "" {
		t, err := c.GetToken(ctx, "self")
		if err != nil {
			return err
		}
		id = t.ID
	}
	return c.RevokeToken(ctx, id)
}
