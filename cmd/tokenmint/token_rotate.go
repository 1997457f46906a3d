package main

import (
	"context"
	"io"
	"time"

	tmhttp "tokenmint/http"
)

func init() {
	tokenCommands["rotate"] = command{"give a token a new secret (--self: the token you authenticate with)", runTokenRotate}
}

func runTokenRotate(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token rotate", "(ID | --self) [--grace 24h] [--days N] [flags]",
		"Gives a token a new secret and prints it (shown once). The old secret keeps working\nfor the grace period (at most 7 days), so deployments can switch without downtime.\nWith --self, the token in $TOKENMINT_TOKEN (or --token, or the saved login) replaces\nitself: automation renews its own credential with no person involved. The new\ntoken's expiry is the type's default unless --days, --expires or --no-expiry say otherwise.")
	var (
		opts          clientOptions
		exp           expiryFlags
		self          bool
		grace         time.Duration
		asJSON, quiet bool
	)
	opts.bind(f, true)
	f.BoolVar(&self, "self", false, "rotate the token the command authenticates with")
	f.DurationVar(&grace, "grace", 0, "how long the old secret keeps working, e.g. 1h or 24h (0: it stops at once)")
	exp.bind(f, "the rotated token")
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON")
	f.BoolVar(&quiet, "quiet", false, "print only the new token")
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	var id string
	switch {
	case self && len(pos) > 0:
		return f.usageError(stderr, "give a token ID or --self, not both")
	case !self:
		if id, err = oneID(f, pos, stderr); err != nil {
			return err
		}
	}
	if grace < 0 || grace%time.Second != 0 {
		return f.usageError(stderr, "--grace must be a non-negative whole number of seconds, e.g. 90s, 1h or 24h")
	}
	if asJSON && quiet {
		return f.usageError(stderr, "give only one of --json and --quiet")
	}
	e, err := exp.fields(f)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	c, setup, err := opts.tokenClient()
	if err != nil {
		return err
	}
	req := tmhttp.RotateTokenRequest{Grace: grace, Expiry: e}
	var it *tmhttp.IssuedToken
	if self {
		it, err = c.RotateSelf(context.Background(), req)
	} else {
		it, err = c.RotateToken(context.Background(), id, req)
	}
	if err != nil {
		return err
	}
	if err := printNewToken(stdout, stderr, it, asJSON, quiet); err != nil {
		return err
	}
	setup.noteRotated(stderr, self, it)
	return nil
}
