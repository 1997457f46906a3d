package main

import (
	"context"
	"io"
)

func init() {
	tokenCommands["show"] = command{"show one token ('self': the token you authenticate with)", runTokenShow}
}

func runTokenShow(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token show", "ID [flags]",
		"Shows a token's metadata (never its secret). The ID 'self' means the token you\nauthenticate with.")
	var (
		opts   clientOptions
		asJSON bool
	)
	opts.bind(f, true)
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON")
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	id, err := oneID(f, pos, stderr)
	if err != nil {
		return err
	}
	c, _, err := opts.tokenClient()
	if err != nil {
		return err
	}
	t, err := c.GetToken(context.Background(), id)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, t)
	}
	printToken(stdout, t)
	return nil
}
