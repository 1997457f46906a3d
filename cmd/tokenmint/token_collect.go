package main

import (
	"context"
	"io"
)

func init() {
	tokenCommands["collect"] = command{"create and print the token of your approved request (once)", runTokenCollect}
}

func runTokenCollect(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token collect", "REQUEST-ID [flags]",
		"Creates the token of your approved token request and prints it, its encoded form\nand its ID. Only the requester can collect it, and only once: the token is shown\nonly this time.")
	var (
		opts          clientOptions
		asJSON, quiet bool
	)
	opts.bind(f, true)
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON")
	f.BoolVar(&quiet, "quiet", false, "print only the token")
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	id, err := oneID(f, pos, stderr)
	if err != nil {
		return err
	}
	if asJSON && quiet {
		return f.usageError(stderr, "give only one of --json and --quiet")
	}
	c, _, err := opts.tokenClient()
	if err != nil {
		return err
	}
	it, err := c.CollectTokenRequest(context.Background(), id)
	if err != nil {
		return err
	}
	return printNewToken(stdout, stderr, it, asJSON, quiet)
}
