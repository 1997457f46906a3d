package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
)

func init() {
	tokenCommands["types"] = command{"list the token types you may create", runTokenTypes}
}

func runTokenTypes(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token types", "[flags]", "Lists the token types you may create, with their lifetimes and descriptions.")
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
	if len(pos) > 0 {
		return f.usageError(stderr, "unexpected argument %q", pos[0])
	}
	c, _, err := opts.tokenClient()
	if err != nil {
		return err
	}
	types, err := c.TokenTypes(context.Background())
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, types)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDEFAULT DAYS\tMAX DAYS\tNO EXPIRY\tDESCRIPTION")
	for _, t := range types {
		maxDays := "-"
		if t.MaxDaysToLive > 0 {
			maxDays = fmt.Sprint(t.MaxDaysToLive)
		}
		def := "never expires"
		if t.DefaultDaysToLive > 0 {
			def = fmt.Sprint(t.DefaultDaysToLive)
		}
		noExp := "no"
		if t.AllowNoExpiry {
			noExp = "yes"
		}
		desc := t.Description
		if t.Obsolete {
			desc = "obsolete, use " + t.ReplacedBy + ". " + desc
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, def, maxDays, noExp, desc)
	}
	return tw.Flush()
}
