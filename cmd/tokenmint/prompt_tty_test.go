package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// On a terminal, token get prompts on stderr and reads the password with
// echo off: a real pseudo-terminal stands in for the user's.
func TestTokenGetPromptsOnATerminal(t *testing.T) {
	url := startServer(t)
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	// Everything the terminal shows the user (echo included) arrives here.
	shown := make(chan string, 1)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, ptm)
		shown <- b.String()
	}()
	// Type the password once the program has turned echo off, as a person
	// answering the prompt would.
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			st, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
			if err == nil && st.Lflag&unix.ECHO == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		ptm.Write([]byte(testAdminPassword + "\n"))
	}()
	var out, errb bytes.Buffer
	code := run([]string{"token", "get", "CIToken", "--url", url, "--user", "admin", "--password"}, tty, &out, &errb)
	tty.Close()
	ptm.Close()
	echoed := <-shown
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "assword") {
		t.Errorf("no password prompt on stderr: %q", errb.String())
	}
	if strings.Contains(echoed, testAdminPassword) || strings.Contains(errb.String(), testAdminPassword) || strings.Contains(out.String(), testAdminPassword) {
		t.Fatal("the password was echoed or printed")
	}
	tok := strings.TrimSpace(out.String())
	if got := verifyStatus(t, url, tok, "results:upload"); got != http.StatusOK {
		t.Fatalf("token from the terminal flow verifies %d", got)
	}
}
