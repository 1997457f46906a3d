package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"tokenmint/envoy"
)

// docs/operations.md names the network settings as the code spells them,
// with their defaults, and the timeouts and header cap the server uses.
func TestHardeningOperationsDocMatchesTheCode(t *testing.T) {
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	byName := map[string]setting{}
	for _, s := range (&serverConfig{}).settings() {
		byName[s.name] = s
	}
	for _, name := range []string{"tls-cert", "tls-key", "trusted-proxies", "client-ip-header",
		"ext-authz-listen", "ext-authz-permission-header", "ext-authz-project-header", "ext-authz-tenant-header"} {
		s, ok := byName[name]
		if !ok {
			t.Errorf("the doc's setting --%s does not exist", name)
			continue
		}
		def := s.def
		if def == "" {
			def = "none"
		}
		row := fmt.Sprintf("| `--%s` | `%s` | %s |", s.name, s.env, strings.ReplaceAll("`"+def+"`", "`none`", "none"))
		if !strings.Contains(doc, row) {
			t.Errorf("docs/operations.md lacks the row %q", row)
		}
	}
	outcomes := "`" + strings.Join(envoy.CheckOutcomes[:len(envoy.CheckOutcomes)-1], "`, `") + "` and `" + envoy.CheckOutcomes[len(envoy.CheckOutcomes)-1] + "`"
	for _, s := range []string{"--secure-cookies", "TOKENMINT_SECURE_COOKIES", "`tokenmint_ext_authz_checks_total{outcome}`", outcomes} {
		if !strings.Contains(strings.Join(strings.Fields(doc), " "), s) { // across line breaks
			t.Errorf("docs/operations.md does not mention %s", s)
		}
	}
	for what, v := range map[string]string{
		"header timeout": defaultTimeouts.ReadHeader.String(), "read timeout": defaultTimeouts.Read.String(),
		"write timeout": defaultTimeouts.Write.String(), "idle timeout": defaultTimeouts.Idle.String(),
		"header cap": fmt.Sprintf("%d KiB", maxHeaderBytes>>10),
	} {
		if !strings.Contains(doc, "| "+v+" |") {
			t.Errorf("docs/operations.md does not give the %s, %s", what, v)
		}
	}
}
