package tokenmint_test

import (
	"strings"
	"testing"

	"tokenmint"
)

// FuzzValidateTokenCursor checks that a cursor is accepted exactly when it
// is empty or a UUID's text, and that a refusal is an invalid-input error
// (a 400), never anything else.
func FuzzValidateTokenCursor(f *testing.F) {
	for _, s := range []string{
		"", "0b7c2a52-3d1e-4f6a-9c2b-8d1e0f3a4b5c", "0B7C2A52-3D1E-4F6A-9C2B-8D1E0F3A4B5C",
		"0b7c2a52-3d1e-4f6a-9c2b-8d1e0f3a4b5", "0b7c2a52-3d1e-4f6a-9c2b-8d1e0f3a4b5cc",
		"0b7c2a523d1e4f6a9c2b8d1e0f3a4b5c", "{0b7c2a52-3d1e-4f6a-9c2b-8d1e0f3a4b5c}",
		"0b7c2a52-3d1e-4f6a-9c2b-8d1e0f3a4b5g", "' OR 1=1 --", "\x00", "MjAyNi0wMS0wNQ==",
		"0b7c2a52_3d1e_4f6a_9c2b_8d1e0f3a4b5c", "０b7c2a52-3d1e-4f6a-9c2b-8d1e0f3a4b5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := tokenmint.ValidateTokenCursor(s)
		if err != nil && tokenmint.ErrorCode(err) != tokenmint.EINVALID {
			t.Fatalf("ValidateTokenCursor(%q) = %v, want an invalid-input error", s, err)
		}
		if want := s == "" || looksLikeUUID(s); (err == nil) != want {
			t.Fatalf("ValidateTokenCursor(%q) = %v, want accepted=%v", s, err, want)
		}
	})
}

// looksLikeUUID is the test's own reading of a UUID's text: five groups of
// 8, 4, 4, 4 and 12 hexadecimal digits.
func looksLikeUUID(s string) bool {
	groups := strings.Split(s, "-")
	if len(groups) != 5 {
		return false
	}
	for i, n := range []int{8, 4, 4, 4, 12} {
		if len(groups[i]) != n || strings.Trim(groups[i], "0123456789abcdefABCDEF") != "" {
			return false
		}
	}
	return true
}
