package main

import (
	"context"
	"fmt"
	"io"
)

func init() {
	tokenCommands["revoke"] = command{"revoke tokens for good", runTokenRevoke}
}

func runTokenRevoke(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token revoke", "ID [ID...] [flags]",
		"Revokes tokens for good: they stop working at once and cannot be brought back.\nRevoked tokens stay listed until they are deleted.")
	var opts clientOptions
	opts.bind(f, true)
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return f.usageError(stderr, "give the ID of the token to revoke")
	}
	c, setup, err := opts.tokenClient()
	if err != nil {
		return err
	}
	for _, id := range pos {
		if err := c.RevokeToken(context.Background(), id); err != nil {
			if len(pos) > 1 {
				return fmt.Errorf("%s: %w", id, err)
			}
			return err
		}
		fmt.Fprintf(stdout, "Revoked token %s.\n", id)
		setup.noteRevoked(stderr, id)
	}
	return nil
}
