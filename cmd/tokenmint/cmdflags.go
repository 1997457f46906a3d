package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"tokenmint"
)

// errHelp means a command printed its help on request; the command then
// succeeds.
var errHelp = errors.New("help shown")

// helpOK turns errHelp into success and keeps every other error.
func helpOK(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// cmdFlags is a client command's flag set with its usage text.
type cmdFlags struct {
	*flag.FlagSet
	name  string // "token create"
	line  string // arguments after the name, e.g. "ID [--days N]"
	about string
}

func newCmdFlags(name, line, about string) *cmdFlags {
	fs := flag.NewFlagSet("tokenmint "+name, flag.ContinueOnError)
	// Parse reports bad flags itself; the usage is printed by parse, to
	// stdout for --help and to stderr for mistakes.
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, name: name, line: line, about: about}
}

func (f *cmdFlags) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: tokenmint %s %s\n\n%s\n", f.name, f.line, f.about)
	n := 0
	f.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nFlags:")
		f.SetOutput(w)
		f.PrintDefaults()
	}
}

// parse parses args and returns the positional arguments. Flags may come
// before or after them; "--" ends the flags. --help prints the usage to
// stdout and returns errHelp; a bad flag prints the problem and the usage
// to stderr and returns errUsage.
func (f *cmdFlags) parse(args []string, stdout, stderr io.Writer) ([]string, error) {
	var pos []string
	for {
		// The flag package's own messages are dropped; the error is printed
		// below with the command's name.
		f.SetOutput(io.Discard)
		err := f.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			f.printUsage(stdout)
			return nil, errHelp
		}
		if err != nil {
			fmt.Fprintf(stderr, "tokenmint %s: %v\n", f.name, err)
			f.printShortUsage(stderr)
			return nil, errUsage
		}
		rest := f.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError prints a message and the usage to stderr and returns errUsage,
// which makes the process exit with status 2.
func (f *cmdFlags) usageError(stderr io.Writer, format string, a ...any) error {
	fmt.Fprintf(stderr, "tokenmint %s: %s\n", f.name, fmt.Sprintf(format, a...))
	f.printShortUsage(stderr)
	return errUsage
}

// printShortUsage is the usage line and where to find the rest.
func (f *cmdFlags) printShortUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: tokenmint %s %s\nRun 'tokenmint %s --help' for the flags.\n", f.name, f.line, f.name)
}

// given reports whether the flag called name was set on the command line.
func (f *cmdFlags) given(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) {
		if fl.Name == name {
			set = true
		}
	})
	return set
}

// rejectInlineValue refuses "--password=VALUE" and the like before the flag
// package sees it: its error message would echo the value, and a password
// must never appear in output.
func rejectInlineValue(args []string, names ...string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		for _, n := range names {
			if strings.HasPrefix(a, "-"+n+"=") || strings.HasPrefix(a, "--"+n+"=") {
				return fmt.Errorf("--%s takes no value: the password is read from the terminal or from stdin, never from the command line", n)
			}
		}
	}
	return nil
}

// expiryFlags are the ways a command may ask for an expiry.
type expiryFlags struct {
	days     int
	expires  string
	noExpiry bool
}

func (e *expiryFlags) bind(f *cmdFlags, what string) {
	f.IntVar(&e.days, "days", 0, "days until "+what+" expires")
	f.StringVar(&e.expires, "expires", "", "expiry date: RFC 3339 (2026-12-31T18:00:00Z) or YYYY-MM-DD (midnight, local time)")
	f.BoolVar(&e.noExpiry, "no-expiry", false, "never expire (if the type and the tenant's policy allow it)")
}

// count is how many of the expiry flags were given.
func (e *expiryFlags) count(f *cmdFlags) int {
	n := 0
	for _, name := range []string{"days", "expires", "no-expiry"} {
		if f.given(name) {
			n++
		}
	}
	return n
}

// fields checks the flags and returns the request fields.
func (e *expiryFlags) fields(f *cmdFlags) (expiry, error) {
	var out expiry
	if e.count(f) > 1 {
		return out, errors.New("give only one of --days, --expires and --no-expiry")
	}
	if f.given("days") {
		if e.days < 1 {
			return out, errors.New("--days must be at least 1")
		}
		d := e.days
		out.DaysToLive = &d
	}
	if f.given("expires") {
		t, err := parseDate(e.expires)
		if err != nil {
			return out, err
		}
		out.ExpiresAt = &t
	}
	out.NoExpiry = e.noExpiry
	return out, nil
}

// parseDate reads an RFC 3339 time or a YYYY-MM-DD date, which means the
// start of that day in local time.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--expires %q: give an RFC 3339 time (2026-12-31T18:00:00Z) or a date (2026-12-31)", s)
}

// rateLimitFlag reads --rate-limit N/S: nil when not given.
func rateLimitFlag(v string) (*tokenmint.RateLimit, error) {
	if v == "" {
		return nil, nil
	}
	l, err := tokenmint.ParseRateLimit(v)
	if err != nil {
		return nil, fmt.Errorf("--rate-limit: %s", tokenmint.ErrorMessage(err))
	}
	return &l, nil
}
