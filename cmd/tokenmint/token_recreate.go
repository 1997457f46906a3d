package main

import (
	"context"
	"fmt"
	"io"

	tmhttp "tokenmint/http"
)

func init() {
	tokenCommands["recreate"] = command{"create a token like an existing one, e.g. an expired or revoked one (shown once)", runTokenRecreate}
}

func runTokenRecreate(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token recreate", "ID [--name NAME] [--description TEXT] [--days N] [flags]",
		"Creates a new token like the token ID (any state: expired and revoked ones too): the same\ntype, name, description, project and lifetime, within today's limits, and prints it\nlike 'token create' (shown once). What today's rules changed is printed first.\nThe old token is not changed.")
	var (
		opts          clientOptions
		exp           expiryFlags
		name, desc    string
		asJSON, quiet bool
	)
	opts.bind(f, true)
	f.StringVar(&name, "name", "", "name of the new token (default: the old token's)")
	f.StringVar(&desc, "description", "", "description of the new token (default: the old token's)")
	exp.bind(f, "the new token")
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
	e, err := exp.fields(f)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	req := tmhttp.RecreateTokenRequest{Expiry: e}
	// Only flags given replace the copied values: an empty --description
	// clears the old one.
	if f.given("name") {
		req.Name = &name
	}
	if f.given("description") {
		req.Description = &desc
	}
	c, _, err := opts.tokenClient()
	if err != nil {
		return err
	}
	rt, err := c.RecreateToken(context.Background(), id, req)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, rt)
	}
	for _, a := range rt.Adjustments {
		fmt.Fprintln(stderr, "Adjusted: "+a)
	}
	return printNewToken(stdout, stderr, &rt.IssuedToken, false, quiet)
}
