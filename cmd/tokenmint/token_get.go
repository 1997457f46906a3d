package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	tmhttp "tokenmint/http"
)

func init() {
	tokenCommands["get"] = command{"sign in with a password (or --sso), create a token of TYPE and print only the token", runTokenGet}
}

func runTokenGet(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newCmdFlags("token get", "TYPE --url URL --user NAME --password [flags]",
		"Signs in with a username and password, creates a token of TYPE, prints only the token\non stdout and signs out, like 'fortifyclient token -gettoken'. For scripts:\n  TOKEN=$(tokenmint token get CIToken --url URL --user ci --password < password-file)\nPeople who sign in with single sign-on use --sso: it prints the address of the\nweb UI's command-line sign-in page and reads the code shown there.")
	var (
		po         passwordOptions
		exp        expiryFlags
		name, desc string
		project    string
	)
	po.bind(f)
	po.bindSSO(f)
	f.StringVar(&name, "name", "", "token name (default: cli-<hostname>)")
	f.StringVar(&desc, "description", "", "what the token is for")
	f.StringVar(&project, "project", "", "project ID or name, for project-scoped types")
	exp.bind(f, "the token")
	// Fortify's name for --days, so scripts written for
	// 'fortifyclient token -gettoken' keep their flag.
	var daysToLive int
	f.IntVar(&daysToLive, "daysToLive", 0, "same as --days (the flag name of fortifyclient)")
	if err := checkPasswordArgs(f, args, stderr); err != nil {
		return err
	}
	pos, err := f.parse(args, stdout, stderr)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return f.usageError(stderr, "give the token TYPE, e.g. CIToken")
	case len(pos) > 1:
		// Do not echo the arguments: one may be a password typed after --password.
		return f.usageError(stderr, "give one TYPE; %d arguments given (--password takes no value)", len(pos))
	}
	if err := po.checkSSO(f, stderr); err != nil {
		return err
	}
	if f.given("daysToLive") {
		if f.given("days") {
			return f.usageError(stderr, "give --days or -daysToLive, not both")
		}
		// Set records --days as given, so the expiry checks treat both alike.
		if err := f.Set("days", strconv.Itoa(daysToLive)); err != nil {
			return f.usageError(stderr, "%v", err)
		}
	}
	e, err := exp.fields(f)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	if name == "" {
		name = "cli-" + hostname()
	}
	c, logout, err := po.session(stdin, stderr)
	if err != nil {
		return err
	}
	defer logout()
	it, err := c.CreateToken(context.Background(), tmhttp.CreateTokenRequest{
		Type: pos[0], Name: name, Description: desc, Project: project, Expiry: e,
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, it.Secret)
	return err
}
