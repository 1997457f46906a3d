package typesfile

import (
	"strings"
	"testing"

	"tokenmint"
)

// A type's rate_limit reads the same from YAML and TOML, and a limit out
// of range stops the file with the type's line.
func TestTypeRateLimit(t *testing.T) {
	yaml := "types:\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: 1\n    rate_limit: {requests: 10, per_seconds: 60}\n"
	toml := "[[types]]\nname = \"A\"\npermissions = [\"api:read\"]\ndefault_days_to_live = 1\nrate_limit = {requests = 10, per_seconds = 60}\n"
	for name, doc := range map[string]string{"t.yaml": yaml, "t.toml": toml} {
		reg, err := Parse(name, []byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		typ, _ := reg.Lookup("A")
		if typ.RateLimit == nil || *typ.RateLimit != (tokenmint.RateLimit{Requests: 10, PerSeconds: 60}) {
			t.Errorf("%s: rate_limit = %v", name, typ.RateLimit)
		}
	}
	bad := strings.Replace(yaml, "per_seconds: 60", "per_seconds: 0", 1)
	if _, err := Parse("t.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "per_seconds") {
		t.Errorf("per_seconds 0: %v", err)
	}
	unknown := strings.Replace(yaml, "per_seconds: 60", "per_seconds: 60, burst: 5", 1)
	if _, err := Parse("t.yaml", []byte(unknown)); err == nil {
		t.Error("an unknown field of rate_limit was accepted")
	}
}
