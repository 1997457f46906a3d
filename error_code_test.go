package tokenmint_test

import (
	"errors"
	"fmt"
	"testing"

	"tokenmint"
)

func TestErrorCodeAndMessageFindTheErrorInTheChain(t *testing.T) {
	bare := tokenmint.Errorf(tokenmint.ENOTFOUND, "no such token")
	for _, c := range []struct {
		err           error
		code, message string
	}{
		{nil, "", ""},
		{bare, tokenmint.ENOTFOUND, "no such token"},
		{fmt.Errorf("reading: %w", bare), tokenmint.ENOTFOUND, "no such token"},
		{errors.Join(errors.New("other"), fmt.Errorf("x: %w", bare)), tokenmint.ENOTFOUND, "no such token"},
		{errors.New("disk on fire at /var/lib/secret"), tokenmint.EINTERNAL, "internal error"},
	} {
		if got := tokenmint.ErrorCode(c.err); got != c.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", c.err, got, c.code)
		}
		if got := tokenmint.ErrorMessage(c.err); got != c.message {
			t.Errorf("ErrorMessage(%v) = %q, want %q", c.err, got, c.message)
		}
	}
}
