package tokenmint_test

import (
	"strings"
	"testing"

	"tokenmint"
)

// Names that would display as something they are not: bidi overrides and
// isolates, zero-width characters, the byte order mark, soft hyphens and
// control characters. Every validator of a name refuses them.
var spoofingNames = map[string]string{
	"right-to-left override": "\u202eevil\u200b",
	"zero-width space":       "ci\u200btoken",
	"zero-width joiner":      "ci\u200dtoken",
	"left-to-right isolate":  "ci\u2066token",
	"byte order mark":        "\ufeffci-token",
	"soft hyphen":            "ci\u00adtoken",
	"tab":                    "ci\ttoken",
	"newline":                "ci\ntoken",
	"C1 control":             "ci\u0085token",
	"line separator":         "ci\u2028token",
}

func TestNamesRefuseFormatAndControlCharacters(t *testing.T) {
	validators := map[string]func(string) error{
		"token":       tokenmint.ValidateTokenName,
		"application": tokenmint.ValidateApplicationName,
		"app token":   tokenmint.ValidateApplicationTokenName,
		"user":        func(s string) error { return tokenmint.ValidateName("username", s) },
		"text":        func(s string) error { return tokenmint.ValidateNameText("name", s) },
	}
	for vname, validate := range validators {
		for what, name := range spoofingNames {
			err := validate(name)
			if tokenmint.ErrorCode(err) != tokenmint.EINVALID {
				t.Errorf("%s name with a %s (%q): %v, want invalid", vname, what, name, err)
			}
		}
	}
	// The message names the character, so a person can find it.
	err := tokenmint.ValidateTokenName("\u202eevil")
	if msg := tokenmint.ErrorMessage(err); !strings.Contains(msg, "U+202E") {
		t.Errorf("message %q does not name the character", msg)
	}
}

func TestNamesKeepOrdinaryLetters(t *testing.T) {
	for _, name := range []string{"CI token", "Déploiement nocturne", "日本語のトークン", "Ελληνικά", "emoji 🚀"} {
		if err := tokenmint.ValidateTokenName(name); err != nil {
			t.Errorf("token name %q: %v", name, err)
		}
	}
}

func TestApplicationTokenName(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"nightly-scan", true},
		{"A1", true},
		{strings.Repeat("a", 32), true},
		{strings.Repeat("a", 33), false},
		{"", false},
		{"has space", false},
		{"unicodé", false},
		{"under_score", false},
	} {
		err := tokenmint.ValidateApplicationTokenName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateApplicationTokenName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
