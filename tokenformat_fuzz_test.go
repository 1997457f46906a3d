package tokenmint_test

import (
	"encoding/base64"
	"testing"

	"tokenmint"
)

// validToken builds a well-formed token from fuzzer bytes: the kind is one
// of the four, the random part is 30 base62 characters derived from random.
func validToken(kind byte, random []byte) string {
	kinds := []byte{tokenmint.KindUser, tokenmint.KindApplication, tokenmint.KindRefresh, tokenmint.KindClientSecret}
	r := make([]byte, tokenmint.RandomLen)
	for i := range r {
		var b byte
		if i < len(random) {
			b = random[i]
		}
		r[i] = tokenmint.Base62Alphabet[int(b)%len(tokenmint.Base62Alphabet)]
	}
	return tokenmint.FormatToken(kinds[int(kind)%len(kinds)], string(r))
}

// FuzzTokenEncoding feeds arbitrary text to ParseToken: whatever it
// accepts must be a well-formed token that round-trips through its plain
// and encoded forms and whose checksum FormatToken reproduces.
func FuzzTokenEncoding(f *testing.F) {
	for _, s := range []string{
		validToken(0, []byte("seed")), tokenmint.EncodeToken(validToken(1, []byte("app"))),
		" " + validToken(2, nil) + "\n", "dG11X2FiYw==", "", "tm", "tmu_", "Bearer tmu_x",
		base64.URLEncoding.EncodeToString([]byte(validToken(3, []byte("url")))),
		base64.StdEncoding.EncodeToString([]byte(tokenmint.EncodeToken(validToken(0, nil)))),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		plain, kind, err := tokenmint.ParseToken(s)
		if err != nil {
			if tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
				t.Fatalf("ParseToken(%q) error %v, want unauthorized", s, err)
			}
			return
		}
		if len(plain) != tokenmint.TokenLen || plain[2] != kind {
			t.Fatalf("ParseToken(%q) = %q, %c", s, plain, kind)
		}
		if again := tokenmint.FormatToken(kind, plain[4:4+tokenmint.RandomLen]); again != plain {
			t.Fatalf("ParseToken(%q) accepted %q, but its checksum is that of %q", s, plain, again)
		}
		for _, form := range []string{plain, tokenmint.EncodeToken(plain)} {
			p, k, err := tokenmint.ParseToken(form)
			if err != nil || p != plain || k != kind {
				t.Fatalf("%q does not round-trip: ParseToken(%q) = %q, %c, %v", plain, form, p, k, err)
			}
		}
	})
}

// FuzzTokenMutation changes one character of a valid token, in its plain
// or encoded form (substitution, insertion or deletion): the result must
// never parse as a different valid token. The CRC-32 checksum detects
// every error confined to 32 consecutive bits, which covers any one
// character of either form.
func FuzzTokenMutation(f *testing.F) {
	f.Add(byte(0), []byte("random"), false, uint8(0), uint8(10), byte('b'))
	f.Add(byte(1), []byte("x"), true, uint8(1), uint8(3), byte('\n'))
	f.Add(byte(2), []byte{}, true, uint8(2), uint8(55), byte(0))
	f.Add(byte(3), []byte("zz"), false, uint8(0), uint8(39), byte('A'))
	f.Add(byte(0), []byte("q"), false, uint8(0), uint8(2), byte('a'))
	f.Fuzz(func(t *testing.T, kind byte, random []byte, encoded bool, op, pos uint8, c byte) {
		tok := validToken(kind, random)
		form := tok
		if encoded {
			form = tokenmint.EncodeToken(tok)
		}
		b := []byte(form)
		i := int(pos) % (len(b) + 1)
		switch op % 3 {
		case 0: // substitute
			if i == len(b) {
				i--
			}
			b[i] = c
		case 1: // insert
			b = append(b[:i], append([]byte{c}, b[i:]...)...)
		case 2: // delete
			if i == len(b) {
				i--
			}
			b = append(b[:i], b[i+1:]...)
		}
		plain, _, err := tokenmint.ParseToken(string(b))
		if err == nil && plain != tok {
			t.Fatalf("mutating %q into %q parses as a different token %q", form, b, plain)
		}
	})
}
