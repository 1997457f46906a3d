package tokenmint_test

import (
	"testing"

	"tokenmint"
)

func TestValidateTokenCursor(t *testing.T) {
	for _, c := range []string{"", "01a2415d-8a0e-7919-9d4c-e42f0cb89e48", "01A2415D-8A0E-7919-9D4C-E42F0CB89E48"} {
		if err := tokenmint.ValidateTokenCursor(c); err != nil {
			t.Errorf("ValidateTokenCursor(%q) = %v", c, err)
		}
	}
	for _, c := range []string{"garbage", "12", "01a2415d-8a0e-7919-9d4c-e42f0cb89e4", "01a2415d_8a0e-7919-9d4c-e42f0cb89e48", "01a2415d-8a0e-7919-9d4c-e42f0cb89e4g", "' OR 1=1 --"} {
		if tokenmint.ErrorCode(tokenmint.ValidateTokenCursor(c)) != tokenmint.EINVALID {
			t.Errorf("ValidateTokenCursor(%q) accepted", c)
		}
	}
}
