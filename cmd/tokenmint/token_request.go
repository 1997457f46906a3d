package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	tmhttp "tokenmint/http"
)

func init() {
	tokenCommands["request"] = command{"ask for a token of a type that needs approval", runTokenRequest}
}

func runTokenRequest(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token request", "TYPE --name NAME --justification TEXT [flags]",
		"Asks for a token of a type that needs an administrator's approval and prints the\nrequest's ID. Once approved, 'tokenmint token collect ID' creates the token and\nprints it, once. Requests expire when not decided, or not collected, within 7 days.")
	var (
		opts          clientOptions
		exp           expiryFlags
		name, why     string
		desc, project string
		rateLimit     string
		asJSON        bool
		cidrs         cidrFlag
	)
	opts.bind(f, true)
	f.StringVar(&name, "name", "", "token name (required)")
	f.StringVar(&why, "justification", "", "why you need the token, for the deciding administrators (required)")
	f.StringVar(&desc, "description", "", "what the token is for")
	f.StringVar(&project, "project", "", "project ID or name, for project-scoped types")
	f.Var(&cidrs, "allowed-cidr", "a network (CIDR or address) the token will be bound to; repeat for more (docs/bound-networks.md)")
	exp.bind(f, "the token (counted from its collection)")
	f.StringVar(&rateLimit, "rate-limit", "", "the token's own rate limit, REQUESTS/SECONDS (e.g. 100/60); default: its type's, if any")
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON")
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return f.usageError(stderr, "give the token type")
	case name == "" || why == "":
		return f.usageError(stderr, "--name and --justification are required")
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
	req, err := c.RequestToken(context.Background(), tmhttp.NewTokenRequest{
		CreateTokenRequest: tmhttp.CreateTokenRequest{Type: pos[0], Name: name, Description: desc, Project: project, Expiry: e,
			AllowedCIDRs: cidrs, RateLimit: limit},
		Justification: why,
	})
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, req)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Request:\t%s\n", req.ID)
	fmt.Fprintf(tw, "Type:\t%s\n", req.Type)
	fmt.Fprintf(tw, "Name:\t%s\n", req.Name)
	if len(req.AllowedCIDRs) > 0 {
		fmt.Fprintf(tw, "Networks:\t%s\n", strings.Join(req.AllowedCIDRs, ", "))
	}
	if req.RateLimit != nil {
		fmt.Fprintf(tw, "Rate limit:\t%s\n", req.RateLimit)
	}
	fmt.Fprintf(tw, "Status:\t%s\n", req.Status)
	fmt.Fprintf(tw, "Expires:\t%s\n", formatExpiry(&req.ExpiresAt))
	tw.Flush()
	fmt.Fprintf(stderr, "An administrator must approve the request; then run 'tokenmint token collect %s'.\n", req.ID)
	return nil
}
