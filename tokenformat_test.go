package tokenmint_test

import (
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/secret"
)

func TestTokenFormatRoundTrip(t *testing.T) {
	for _, kind := range []byte{tokenmint.KindUser, tokenmint.KindApplication, tokenmint.KindRefresh, tokenmint.KindClientSecret} {
		tok := secret.NewToken(kind)
		if len(tok) != tokenmint.TokenLen || !strings.HasPrefix(tok, "tm"+string(kind)+"_") {
			t.Fatalf("token %q has the wrong shape", tok)
		}
		for _, form := range []string{tok, tokenmint.EncodeToken(tok)} {
			plain, k, err := tokenmint.ParseToken(form)
			if err != nil || plain != tok || k != kind {
				t.Fatalf("ParseToken(%q) = %q, %c, %v", form, plain, k, err)
			}
		}
	}
}

func TestParseTokenRejectsMistypes(t *testing.T) {
	tok := secret.NewToken(tokenmint.KindUser)
	flip := func(i int) string {
		b := []byte(tok)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	bad := []string{
		"", "tmu_", tok[:len(tok)-1], tok + "x", flip(10), flip(len(tok) - 1),
		"tmx_" + tok[4:], strings.Replace(tok, "_", "-", 1), "Bearer " + tok,
		tokenmint.EncodeToken(flip(12)),
	}
	for _, s := range bad {
		if _, _, err := tokenmint.ParseToken(s); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
			t.Errorf("ParseToken(%q) error = %v, want unauthorized", s, err)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add(secret.NewToken(tokenmint.KindUser))
	f.Add("dG11X2FiYw==")
	f.Fuzz(func(t *testing.T, s string) {
		plain, _, err := tokenmint.ParseToken(s)
		if err == nil && len(plain) != tokenmint.TokenLen {
			t.Fatalf("accepted %q as %q", s, plain)
		}
	})
}
