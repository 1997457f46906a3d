package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"tokenmint"
	"tokenmint/secret"
)

func init() {
	commands["tenant"] = command{"create or list tenants on the server's database (tenant create NAME, tenant list)", runTenant}
}

// runTenant works on the database directly, like init: creating a tenant is
// an operator's act on the installation, above any one tenant's admins.
func runTenant(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		fmt.Fprintln(stderr, "usage: tokenmint tenant create [flags] NAME | tokenmint tenant list [flags]")
		return errUsage
	}
	sub := args[0]
	admin := "admin"
	cfg, rest, err := parseOperatorFlags("tenant "+sub, args[1:], stderr, func(fs *flag.FlagSet) {
		if sub == "create" {
			fs.StringVar(&admin, "admin", "admin", "user name of the tenant's first administrator (password: TOKENMINT_ADMIN_PASSWORD, or generated and printed once)")
		}
	})
	if err != nil {
		return err
	}
	want := map[string]int{"create": 1, "list": 0}[sub]
	if len(rest) != want {
		fmt.Fprintf(stderr, "tenant %s takes %d argument(s)\n", sub, want)
		return errUsage
	}
	ctx := context.Background()
	a, err := openOperatorApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close(context.Background())
	a.printLogin(stdout, cfg.scheme()+"://"+cfg.Listen) // a first run also made the default tenant
	if sub == "list" {
		tenants, err := a.store.ListTenants(ctx)
		if err != nil {
			return err
		}
		for _, t := range tenants {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format("2006-01-02"))
		}
		return nil
	}
	password, generated := cfg.AdminPassword, false
	if password == "" {
		password, generated = secret.Base62(20), true
	}
	t, u, err := a.svc.CreateTenant(ctx, rest[0], admin, password)
	if err != nil {
		if tokenmint.ErrorCode(err) == tokenmint.ECONFLICT {
			return fmt.Errorf("tenant %q already exists", rest[0])
		}
		return err
	}
	fmt.Fprintf(stdout, "Created tenant %q (%s) and administrator %q.\n", t.Name, t.ID, u.Username)
	if generated {
		fmt.Fprintf(stdout, "Generated password (shown only now): %s\n", password)
	}
	fmt.Fprintf(stdout, "Log in with {\"tenant\":%q,\"username\":%q,...} or the OAuth2 password grant with acr_values=Tenant:%s\n", t.Name, u.Username, t.Name)
	return nil
}
