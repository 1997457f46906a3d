package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// maxPasswordLen bounds a password read from a pipe.
const maxPasswordLen = 4096

// readPassword asks for a password. On a terminal it prompts on stderr and
// reads without echo; otherwise it reads one line from stdin, so scripts
// can pipe the password in. The password is never written anywhere.
func readPassword(stdin io.Reader, stderr io.Writer, prompt string) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		if len(b) == 0 {
			return "", errors.New("no password given")
		}
		return string(b), nil
	}
	line, err := readLine(stdin, maxPasswordLen)
	if err != nil {
		return "", err
	}
	if line == "" {
		return "", errors.New("no password given: type it at the prompt or pipe it on stdin")
	}
	return line, nil
}

// readLine reads up to the first newline, byte by byte so that nothing
// after it is consumed, and drops the line ending.
func readLine(r io.Reader, limit int) (string, error) {
	var sb strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			if sb.Len() >= limit {
				return "", fmt.Errorf("password longer than %d bytes", limit)
			}
			sb.WriteByte(buf[0])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading the password from stdin: %w", err)
		}
	}
	return strings.TrimSuffix(sb.String(), "\r"), nil
}
