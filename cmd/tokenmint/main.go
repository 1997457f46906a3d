// Command tokenmint is the token server, its administration commands and its
// command-line client, in one binary. main only dispatches; each command
// lives in its own file.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// command runs a subcommand with its arguments (after the command name).
type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// commands is filled by the init functions of the command files.
var commands = map[string]command{}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "tokenmint: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(args[1:], stdin, stdout, stderr); err != nil {
		switch {
		case errors.Is(err, errHelp):
			return 0
		case err == errUsage:
			return 2
		}
		fmt.Fprintln(stderr, "tokenmint:", err)
		return 1
	}
	return 0
}

// errUsage means the command already printed its usage after bad input.
var errUsage = fmt.Errorf("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "tokenmint issues, verifies and governs API tokens.")
	fmt.Fprintln(w, "\nUsage: tokenmint <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'tokenmint <command> --help' for a command's flags.")
}
