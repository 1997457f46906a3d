package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"tokenmint"
	tmhttp "tokenmint/http"
)

func init() {
	tokenCommands["create"] = command{"create a token (shown once)", runTokenCreate}
}

func runTokenCreate(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token create", "--type TYPE --name NAME [flags]",
		"Creates a token owned by you and prints it, its encoded form and its ID.\nThe token is shown only this once. 'tokenmint token types' lists the types you may create.")
	var (
		opts          clientOptions
		exp           expiryFlags
		typ, name     string
		desc, project string
		rateLimit     string
		asJSON, quiet bool
		cidrs         cidrFlag
	)
	opts.bind(f, true)
	f.StringVar(&typ, "type", "", "token type (required), e.g. CIToken or UserToken")
	f.StringVar(&name, "name", "", "token name (required)")
	f.StringVar(&desc, "description", "", "what the token is for")
	f.StringVar(&project, "project", "", "project ID or name, for project-scoped types")
	f.Var(&cidrs, "allowed-cidr", "a network (CIDR or address) the token may be used from; repeat for more (docs/bound-networks.md)")
	exp.bind(f, "the token")
	f.StringVar(&rateLimit, "rate-limit", "", "the token's own rate limit, REQUESTS/SECONDS (e.g. 100/60); default: its type's, if any")
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON")
	f.BoolVar(&quiet, "quiet", false, "print only the token")
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return f.usageError(stderr, "unexpected argument %q", pos[0])
	}
	if typ == "" || name == "" {
		return f.usageError(stderr, "--type and --name are required")
	}
	if asJSON && quiet {
		return f.usageError(stderr, "give only one of --json and --quiet")
	}
	e, err := exp.fields(f)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	limit, err := rateLimitFlag(rateLimit)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	c, _, err := opts.tokenClient()
	if err != nil {
		return err
	}
	it, err := c.CreateToken(context.Background(), tmhttp.CreateTokenRequest{
		Type: typ, Name: name, Description: desc, Project: project, Expiry: e,
		AllowedCIDRs: cidrs, RateLimit: limit,
	})
	if err != nil {
		return err
	}
	return printNewToken(stdout, stderr, it, asJSON, quiet)
}

// cidrFlag collects repeated --allowed-cidr values; one value may also
// hold several, separated by commas.
type cidrFlag []string

func (c *cidrFlag) String() string { return strings.Join(*c, ",") }

func (c *cidrFlag) Set(v string) error {
	*c = append(*c, tokenmint.SplitCIDRText(v)...)
	return nil
}

// printNewToken prints a token just issued in the form asked for.
func printNewToken(stdout, stderr io.Writer, it *tmhttp.IssuedToken, asJSON, quiet bool) error {
	switch {
	case asJSON:
		return writeJSON(stdout, it)
	case quiet:
		_, err := fmt.Fprintln(stdout, it.Secret)
		return err
	}
	printIssued(stdout, stderr, it)
	return nil
}
