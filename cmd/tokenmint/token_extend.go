package main

import (
	"context"
	"fmt"
	"io"

	tmhttp "tokenmint/http"
)

func init() {
	tokenCommands["extend"] = command{"set a token's expiry (--days, --expires or --no-expiry)", runTokenExtend}
}

func runTokenExtend(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token extend", "ID (--days N | --expires DATE | --no-expiry) [flags]",
		"Sets when a token expires, within the limits of its type and of the tenant's policy.\nDays count from now.")
	var (
		opts   clientOptions
		exp    expiryFlags
		asJSON bool
	)
	opts.bind(f, true)
	exp.bind(f, "the token")
	f.BoolVar(&asJSON, "json", false, "print the updated token as JSON")
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	id, err := oneID(f, pos, stderr)
	if err != nil {
		return err
	}
	if exp.count(f) != 1 {
		return f.usageError(stderr, "give exactly one of --days, --expires and --no-expiry")
	}
	e, err := exp.fields(f)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	c, _, err := opts.tokenClient()
	if err != nil {
		return err
	}
	t, err := c.UpdateToken(context.Background(), id, tmhttp.UpdateTokenRequest{Expiry: e})
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, t)
	}
	fmt.Fprintf(stdout, "Token %s now expires: %s\n", t.ID, formatExpiry(t.ExpiresAt))
	return nil
}
