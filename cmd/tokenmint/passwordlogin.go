package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"runtime"

	"golang.org/x/term"

	tmhttp "tokenmint/http"
)

// passwordOptions are the flags of the commands that sign in with a
// username and password: login and token get.
type passwordOptions struct {
	clientOptions
	user, tenant string
	ask          bool
	// sso signs in with a code from the web UI instead of a password.
	sso bool
}

// bindSSO adds --sso, for the commands that may sign in through the web UI.
func (p *passwordOptions) bindSSO(f *cmdFlags) {
	f.BoolVar(&p.sso, "sso", false, "sign in through the web UI (single sign-on): print its address and read the code it shows, instead of a password")
}

// checkSSO checks --user against --sso: one of them, not both.
func (p *passwordOptions) checkSSO(f *cmdFlags, stderr io.Writer) error {
	switch {
	case p.user == "" && !p.sso:
		return f.usageError(stderr, "--user is required (or --sso to sign in through the web UI)")
	case p.sso && (p.user != "" || p.ask):
		return f.usageError(stderr, "--sso signs in through the web UI: give no --user or --password")
	}
	return nil
}

func (p *passwordOptions) bind(f *cmdFlags) {
	p.clientOptions.bind(f, false)
	f.StringVar(&p.user, "user", "", "username (required)")
	f.StringVar(&p.tenant, "tenant", "", "tenant (default: the default tenant)")
	const help = "ask for the password: on the terminal without echo, or one line from stdin when it is not a terminal (the password is never taken from the command line)"
	f.BoolVar(&p.ask, "password", false, help)
	f.BoolVar(&p.ask, "password-stdin", false, "same as --password")
}

// passwordFlags are the flags that must never carry an inline value.
var passwordFlags = []string{"password", "password-stdin"}

// session asks for the password, signs in and returns a client that holds
// the session, and a function that ends it.
func (p *passwordOptions) session(stdin io.Reader, stderr io.Writer) (*tmhttp.Client, func(), error) {
	setup, err := p.resolve()
	if err != nil {
		return nil, nil, err
	}
	c, err := setup.client(false)
	if err != nil {
		return nil, nil, err
	}
	// A token from the environment or a saved login must not override the
	// session: this client authenticates with the password (or the code)
	// only.
	c.SetToken("")
	if p.sso {
		if err := p.codeSession(c, stdin, stderr); err != nil {
			return nil, nil, err
		}
	} else {
		pw, err := readPassword(stdin, stderr, fmt.Sprintf("Password for %s at %s: ", p.user, c.BaseURL()))
		if err != nil {
			return nil, nil, err
		}
		if _, err := c.Login(context.Background(), p.user, pw, p.tenant); err != nil {
			return nil, nil, err
		}
	}
	logout := func() {
		if err := c.Logout(context.Background()); err != nil {
			fmt.Fprintf(stderr, "warning: signing out: %v\n", err)
		}
	}
	return c, logout, nil
}

// checkPasswordArgs rejects an inline password value before parsing, without
// echoing it: a password typed on the command line must not be printed.
func checkPasswordArgs(f *cmdFlags, args []string, stderr io.Writer) error {
	if err := rejectInlineValue(args, passwordFlags...); err != nil {
		return f.usageError(stderr, "%v", err)
	}
	return nil
}

// codeSession signs c in with a code the user copies from the web UI,
// where they signed in with single sign-on (or any other way): the CLI
// prints the address and reads the code, hidden like a password.
func (p *passwordOptions) codeSession(c *tmhttp.Client, stdin io.Reader, stderr io.Writer) error {
	page := c.BaseURL() + "/ui/cli-code"
	if p.tenant != "" {
		page = c.BaseURL() + "/ui/login?" + url.Values{"tenant": {p.tenant}, "next": {"/ui/cli-code"}}.Encode()
	}
	fmt.Fprintf(stderr, "Open %s in a browser, sign in, and press \"Show a code for the command line\".\n", page)
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		openBrowser(page) // a person at a terminal: save them the copying
	}
	code, err := readPassword(stdin, stderr, "Code: ")
	if err != nil {
		return err
	}
	if err := c.UseCLICode(code); err != nil {
		return err
	}
	// Check the code now, so a wrong or expired one says so plainly.
	me, err := c.Me(context.Background())
	if err != nil {
		return fmt.Errorf("the code was not accepted (it works once, for 5 minutes): %w", err)
	}
	p.user = me.User.Username // for the saved login
	return nil
}

// openBrowser asks the desktop to open address, best effort: where there
// is no desktop (a server, a container) the printed address is the way.
func openBrowser(address string) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", address)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", address)
	default:
		cmd = exec.Command("xdg-open", address)
	}
	if cmd.Start() == nil {
		go cmd.Wait() // reap it; its outcome does not matter
	}
}
