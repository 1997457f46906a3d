package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	tmhttp "tokenmint/http"
)

func init() {
	tokenCommands["list"] = command{"list your tokens (administrators: --all or --owner)", runTokenList}
}

func runTokenList(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token list", "[flags]",
		"Lists your tokens, newest first. Administrators may list another user's (--owner)\nor every token of the tenant (--all).")
	var (
		opts   clientOptions
		lo     tmhttp.ListTokensOptions
		asJSON bool
	)
	opts.bind(f, true)
	f.StringVar(&lo.Status, "status", "", "only tokens in this state: active, inactive, expired, revoked or exhausted")
	f.StringVar(&lo.Type, "type", "", "only tokens of this type")
	f.StringVar(&lo.Owner, "owner", "", "list this user's tokens (user ID or username; administrators)")
	f.BoolVar(&lo.All, "all", false, "list every token of the tenant (administrators)")
	f.IntVar(&lo.Limit, "limit", 0, "at most this many tokens (1-500; default 50)")
	f.StringVar(&lo.Cursor, "cursor", "", "continue after this token ID (the cursor a previous page printed)")
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON")
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return f.usageError(stderr, "unexpected argument %q", pos[0])
	}
	if f.given("limit") && (lo.Limit < 1 || lo.Limit > 500) {
		return f.usageError(stderr, "--limit must be 1-500")
	}
	c, _, err := opts.tokenClient()
	if err != nil {
		return err
	}
	list, err := c.ListTokens(context.Background(), lo)
	if err != nil {
		return err
	}
	if asJSON {
		if list.Items == nil {
			list.Items = []tmhttp.Token{}
		}
		return writeJSON(stdout, list)
	}
	if len(list.Items) == 0 {
		fmt.Fprintln(stderr, "No tokens.")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tSTATUS\tEXPIRES\tLAST USED")
	for _, t := range list.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Type, t.Status, formatExpiry(t.ExpiresAt), formatLastUsed(t.TokenUse))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if list.NextCursor != "" {
		fmt.Fprintf(stderr, "More tokens: add --cursor %s\n", list.NextCursor)
	}
	return nil
}
