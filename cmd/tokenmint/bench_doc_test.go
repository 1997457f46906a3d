package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

// docs/bench-tool.md names every flag of bench's own and every scenario,
// as the code spells them.
func TestBenchDocMatchesTheCode(t *testing.T) {
	b, err := os.ReadFile("../../docs/bench-tool.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	server := map[string]bool{}
	for _, s := range (&serverConfig{}).settings() {
		server[s.name] = true
	}
	var tokens string
	fs := newBenchFlagSet(&benchOptions{}, &serverConfig{}, &tokens, io.Discard)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		if server[f.Name] {
			return
		}
		n++
		if !strings.Contains(doc, "| `--"+f.Name+"` |") {
			t.Errorf("docs/bench-tool.md has no row for --%s", f.Name)
		}
	})
	if n < 10 {
		t.Errorf("only %d flags of bench's own found", n)
	}
	for _, name := range scenarioNames {
		if !strings.Contains(doc, "| `"+name+"` |") {
			t.Errorf("docs/bench-tool.md has no row for the scenario %s", name)
		}
	}
}
