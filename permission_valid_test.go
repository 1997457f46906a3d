package tokenmint

import (
	"regexp"
	"testing"
)

// Valid is the hand-written form of this expression: both must agree on
// every input.
var permissionShape = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}:[a-z][a-z0-9_-]{0,31}$`)

func FuzzPermissionValid(f *testing.F) {
	for _, s := range []string{"", ":", "a:b", "results:upload", "A:b", "a:b:c", "a-:_b", "0a:b", "a:",
		"abcdefghijklmnopqrstuvwxyz012345:b", "abcdefghijklmnopqrstuvwxyz0123456:b", "a:b\n", "é:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Permission(s).Valid(), permissionShape.MatchString(s); got != want {
			t.Fatalf("Valid(%q) = %v, the expression says %v", s, got, want)
		}
	})
}
