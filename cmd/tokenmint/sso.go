package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

func init() {
	commands["sso"] = command{"single sign-on of a tenant, on the server's database (sso set|show|delete [--tenant T])", runSSO}
}

// mappingFlags collects --map GROUP=ROLE and --map GROUP=PROJECT:ROLE.
type mappingFlags []tokenmint.SSOMapping

func (m *mappingFlags) String() string { return "" }

// Set reads one mapping (tokenmint.ParseSSOMapping).
func (m *mappingFlags) Set(v string) error {
	mp, err := tokenmint.ParseSSOMapping(v)
	if err != nil {
		return err
	}
	*m = append(*m, mp)
	return nil
}

// runSSO sets, shows or removes a tenant's OpenID Connect provider as the
// installation's operator, like tenant and user: it works on the database
// and needs no session. The client secret comes from
// TOKENMINT_SSO_CLIENT_SECRET or --client-secret-file, never a flag value
// (which other users of the machine could read in the process list).
func runSSO(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	usage := "usage: tokenmint sso set --issuer-url URL --client-id ID --map GROUP=ROLE [--map GROUP=PROJECT:ROLE ...] [flags] | tokenmint sso show [--tenant T] | tokenmint sso delete [--tenant T]"
	if len(args) == 0 || (args[0] != "set" && args[0] != "show" && args[0] != "delete") {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	sub := args[0]
	tenant := tokenmint.DefaultTenant
	var in service.SSOInput
	var maps mappingFlags
	var scopes, secretFile string
	cfg, rest, err := parseOperatorFlags("sso "+sub, args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&tenant, "tenant", tokenmint.DefaultTenant, "the tenant")
		if sub != "set" {
			return
		}
		fs.StringVar(&in.Name, "name", "", `shown on the sign-in button, "Sign in with NAME" (default: the issuer's host)`)
		fs.StringVar(&in.IssuerURL, "issuer-url", "", "the provider's issuer URL (its discovery document is ISSUER/.well-known/openid-configuration)")
		fs.StringVar(&in.ClientID, "client-id", "", "tokenmint's client ID at the provider")
		fs.StringVar(&secretFile, "client-secret-file", "", "file holding the client secret (else TOKENMINT_SSO_CLIENT_SECRET; neither: keep the stored one)")
		fs.StringVar(&scopes, "scopes", "", "scopes to request, comma-separated (default openid,profile,email,groups)")
		fs.StringVar(&in.GroupsClaim, "groups-claim", "", "the claim listing the user's groups (default groups)")
		fs.Var(&maps, "map", "GROUP=ROLE grants ROLE tenant-wide, GROUP=PROJECT:ROLE on a project (repeat)")
		fs.StringVar(&in.LocalPasswords, "local-passwords", tokenmint.LocalPasswordsEnabled, "enabled, or disabled: only --break-glass may sign in with a password")
		fs.StringVar(&in.BreakGlassUser, "break-glass", "", "the administrator who keeps a local password when local passwords are disabled")
	})
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	if sub == "set" {
		in.Mappings = maps
		if scopes != "" {
			for _, s := range strings.Split(scopes, ",") {
				if s = strings.TrimSpace(s); s != "" {
					in.Scopes = append(in.Scopes, s)
				}
			}
		}
		secret := os.Getenv("TOKENMINT_SSO_CLIENT_SECRET")
		if secretFile != "" {
			b, err := os.ReadFile(secretFile)
			if err != nil {
				return fmt.Errorf("client secret: %w", err)
			}
			secret = strings.TrimSpace(string(b))
		}
		if secret != "" {
			in.ClientSecret = &secret
		}
	}
	ctx := context.Background()
	a, err := openOperatorApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close(context.Background())
	switch sub {
	case "set":
		p, err := a.svc.OperatorPutSSOProvider(ctx, tenant, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Single sign-on of tenant %q: %s at %s, %d mapping(s), local passwords %s.\n", tenant, p.Name, p.IssuerURL, len(p.Mappings), p.LocalPasswords())
		fmt.Fprintln(stdout, "Register this redirect URI at the provider: <tokenmint URL>/ui/sso/callback")
		return nil
	case "show":
		p, err := a.svc.OperatorSSOProvider(ctx, tenant)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{
			"name": p.Name, "issuer_url": p.IssuerURL, "client_id": p.ClientID, "client_secret_set": len(p.SealedClientSecret) > 0,
			"scopes": p.Scopes, "groups_claim": p.GroupsClaim, "mappings": p.Mappings,
			"local_passwords": p.LocalPasswords(), "break_glass_user": p.BreakGlassUser,
		})
	default:
		if err := a.svc.OperatorDeleteSSOProvider(ctx, tenant); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Removed single sign-on of tenant %q; local passwords work again.\n", tenant)
		return nil
	}
}
