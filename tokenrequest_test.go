package tokenmint_test

import (
	"strings"
	"testing"

	"tokenmint"
)

func TestTypeApprovalOption(t *testing.T) {
	base := tokenmint.TokenType{Name: "Deploy", Permissions: []tokenmint.Permission{"api:write"}, DefaultDaysToLive: 30, OwnerKind: tokenmint.OwnerUser}
	for _, tc := range []struct {
		approval, ownerKind string
		internal            bool
		want                string // "" valid, else a word of the error
	}{
		{"", tokenmint.OwnerUser, false, ""},
		{"none", tokenmint.OwnerUser, false, ""},
		{"required", tokenmint.OwnerUser, false, ""},
		{"required", tokenmint.OwnerApplication, false, "owner_kind user"},
		{"required", tokenmint.OwnerUser, true, "internal"},
		{"yes", tokenmint.OwnerUser, false, `"required" or "none"`},
	} {
		typ := base
		typ.Approval, typ.OwnerKind, typ.Internal = tc.approval, tc.ownerKind, tc.internal
		err := typ.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("approval %q (%s, internal %v): %v", tc.approval, tc.ownerKind, tc.internal, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("approval %q (%s, internal %v): error %v, want one about %s", tc.approval, tc.ownerKind, tc.internal, err, tc.want)
		}
		if err == nil && typ.RequiresApproval() != (tc.approval == "required") {
			t.Errorf("approval %q: RequiresApproval = %v", tc.approval, typ.RequiresApproval())
		}
	}
}

func TestValidateJustification(t *testing.T) {
	for s, ok := range map[string]bool{
		"release 4.2":                  true,
		"line one\n\tline two":         true,
		strings.Repeat("é", 2000):      true,
		strings.Repeat("é", 2001):      false,
		"":                             false,
		" \n\t ":                       false,
		"\u200b":                       false, // nothing visible
		"bell\a":                       false,
		"split\u2028line":              false,
		string([]byte{0xff, 'a', 'b'}): false,
	} {
		if err := tokenmint.ValidateJustification(s); (err == nil) != ok {
			t.Errorf("ValidateJustification(%q) = %v, want ok %v", s, err, ok)
		}
	}
}
