package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"tokenmint"
)

func init() {
	commands["user"] = command{"operator actions on users, on the server's database (user set-password [--tenant T] USER)", runUser}
}

// runUser works on the database directly, like tenant: it is the
// operator's way back in for a user locked out by guessers (admin
// included), never throttled. The password comes from
// TOKENMINT_NEW_PASSWORD, or a prompt (or one line on stdin).
func runUser(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "set-password" {
		fmt.Fprintln(stderr, "usage: tokenmint user set-password [--tenant NAME] [flags] USER")
		return errUsage
	}
	tenant := tokenmint.DefaultTenant
	cfg, rest, err := parseOperatorFlags("user set-password", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&tenant, "tenant", tokenmint.DefaultTenant, "the user's tenant")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "user set-password takes one argument: the user name")
		return errUsage
	}
	username := rest[0]
	password := os.Getenv("TOKENMINT_NEW_PASSWORD")
	if password == "" {
		var err error
		if password, err = readPassword(stdin, stderr, fmt.Sprintf("New password for %s in tenant %s: ", username, tenant)); err != nil {
			return err
		}
	}
	ctx := context.Background()
	a, err := openOperatorApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close(context.Background())
	u, err := a.svc.OperatorSetPassword(ctx, tenant, username, password)
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return fmt.Errorf("no user %q in tenant %q", username, tenant)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Set the password of %q in tenant %q; its sessions ended and its login throttle was cleared.\n", u.Username, tenant)
	return nil
}
