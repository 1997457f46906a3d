package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	tmhttp "tokenmint/http"
)

func init() {
	commands["token"] = command{"create, list, show, extend, revoke and rotate tokens; get one with a password", runToken}
}

// tokenCommands is filled by the init functions of the token_*.go files.
var tokenCommands = map[string]command{}

func runToken(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "tokenmint token: give a subcommand")
		fmt.Fprintln(stderr)
		tokenUsage(stderr)
		return errUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		tokenUsage(stdout)
		return nil
	}
	sub, ok := tokenCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "tokenmint token: unknown subcommand %q\n\n", args[0])
		tokenUsage(stderr)
		return errUsage
	}
	return helpOK(sub.run(args[1:], stdin, stdout, stderr))
}

func tokenUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: tokenmint token <subcommand> [flags]\n\nSubcommands:")
	names := make([]string, 0, len(tokenCommands))
	for n := range tokenCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, tokenCommands[n].summary)
	}
	fmt.Fprintln(w, "\nThe server is --url, else $TOKENMINT_URL, else the saved login ('tokenmint login'),")
	fmt.Fprintln(w, "else "+defaultServerURL+". The token is --token, else $TOKENMINT_TOKEN, else the saved login.")
	fmt.Fprintln(w, "\nRun 'tokenmint token <subcommand> --help' for its flags.")
}

// oneID checks that exactly one positional argument, a token ID, was given.
func oneID(f *cmdFlags, pos []string, stderr io.Writer) (string, error) {
	switch {
	case len(pos) == 0:
		return "", f.usageError(stderr, "give the token ID")
	case len(pos) > 1:
		return "", f.usageError(stderr, "give one token ID, not %d arguments", len(pos))
	case strings.TrimSpace(pos[0]) == "":
		return "", f.usageError(stderr, "the token ID is empty")
	}
	return pos[0], nil
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printIssued shows a new or rotated token: the secret, its encoded form
// and the metadata, with the reminder that this is the only time.
func printIssued(stdout, stderr io.Writer, it *tmhttp.IssuedToken) {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Token:\t%s\n", it.Secret)
	fmt.Fprintf(tw, "Encoded:\t%s\n", it.Encoded)
	fmt.Fprintf(tw, "ID:\t%s\n", it.ID)
	fmt.Fprintf(tw, "Name:\t%s\n", it.Name)
	fmt.Fprintf(tw, "Type:\t%s\n", it.Type)
	fmt.Fprintf(tw, "Expires:\t%s\n", formatExpiry(it.ExpiresAt))
	if len(it.AllowedCIDRs) > 0 {
		fmt.Fprintf(tw, "Allowed networks:\t%s\n", strings.Join(it.AllowedCIDRs, ", "))
	}
	tw.Flush()
	fmt.Fprintln(stderr, "Store the token now: it is shown only this once and cannot be retrieved later.")
}

// printToken shows a token's metadata, one field a line.
func printToken(w io.Writer, t *tmhttp.Token) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	row("ID", t.ID)
	row("Name", t.Name)
	row("Type", t.Type)
	row("Status", t.Status)
	if t.Description != nil && *t.Description != "" {
		row("Description", *t.Description)
	}
	row("Owner", t.OwnerKind+" "+t.OwnerID)
	if t.ProjectID != "" {
		row("Project", t.ProjectID)
	}
	row("Prefix", t.Prefix+"...")
	row("Created", formatTime(t.CreatedAt))
	row("Expires", formatExpiry(t.ExpiresAt))
	row("Last used", formatLastUsed(t.TokenUse))
	uses := "hidden"
	if t.TokenUse != nil {
		uses = fmt.Sprint(t.Uses)
	}
	if t.MaxUses > 0 {
		uses += fmt.Sprintf(" of %d", t.MaxUses)
	}
	row("Uses", uses)
	networks := "anywhere"
	if len(t.AllowedCIDRs) > 0 {
		networks = strings.Join(t.AllowedCIDRs, ", ")
	}
	row("Allowed networks", networks)
	if t.EffectiveRateLimit != nil {
		row("Rate limit", fmt.Sprintf("%d requests per %d s (%s)", t.EffectiveRateLimit.Requests, t.EffectiveRateLimit.PerSeconds, rateSourceText(t.EffectiveRateLimit.Source)))
	}
	if t.OwnerRateLimit != nil {
		row("Owner rate limit", fmt.Sprintf("%d requests per %d s, shared by the owner's tokens", t.OwnerRateLimit.Requests, t.OwnerRateLimit.PerSeconds))
	}
	if t.RevokedAt != nil {
		row("Revoked", formatTime(*t.RevokedAt))
	}
	tw.Flush()
}

func formatTime(t time.Time) string { return t.Local().Format("2006-01-02 15:04 MST") }

func formatExpiry(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return formatTime(*t)
}

// formatLastUsed shows a token's last use: "hidden" when the caller may
// not see it (an administrator looking at another user's token).
func formatLastUsed(u *tmhttp.TokenUse) string {
	switch {
	case u == nil:
		return "hidden"
	case u.LastUsedAt == nil:
		return "never"
	}
	return formatTime(*u.LastUsedAt)
}

// hostname names the machine in the names of tokens the CLI creates.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown-host"
	}
	if i := strings.IndexByte(h, '.'); i > 0 {
		h = h[:i]
	}
	return h
}

// rateSourceText says where a token's rate limit comes from.
func rateSourceText(source string) string {
	if source == "type" {
		return "its type's default"
	}
	return "its own"
}
