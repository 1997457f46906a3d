package main

import (
	"context"
	"fmt"
	"io"

	tmhttp "tokenmint/http"
)

func init() {
	tokenCommands["activate"] = command{"reactivate an inactive token", func(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
		return runTokenSetActive(true, args, stdout, stderr)
	}}
	tokenCommands["deactivate"] = command{"block a token until it is reactivated", func(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
		return runTokenSetActive(false, args, stdout, stderr)
	}}
}

func runTokenSetActive(active bool, args []string, stdout, stderr io.Writer) error {
	name, about := "token activate", "Reactivates a token that was deactivated by hand or for inactivity."
	if !active {
		name, about = "token deactivate", "Deactivates a token: it is refused until it is activated again."
	}
	f := newCmdFlags(name, "ID [flags]", about)
	var (
		opts   clientOptions
		asJSON bool
	)
	opts.bind(f, true)
	f.BoolVar(&asJSON, "json", false, "print the updated token as JSON")
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
	t, err := c.UpdateToken(context.Background(), id, tmhttp.UpdateTokenRequest{Active: &active})
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, t)
	}
	fmt.Fprintf(stdout, "Token %s is %s.\n", t.ID, t.Status)
	return nil
}
