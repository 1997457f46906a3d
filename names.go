package tokenmint

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ValidateNameText is the rule every name obeys, whatever else its own rule
// says: tenants, users, projects, applications, tokens. A name is shown in
// lists, audit entries, e-mail subjects and webhook payloads, so it must
// look like what it is. It refuses text that is not UTF-8, control
// characters (Cc: tabs, newlines, C1 codes), format characters (Cf: bidi
// overrides and isolates, zero-width spaces and joiners, the byte order
// mark, soft hyphens), and the line and paragraph separators. Ordinary
// letters of any script pass, so names like "Déploiement" stay valid where
// a name's own rule allows non-ASCII. field names the field in the message.
func ValidateNameText(field, name string) error {
	if !utf8.ValidString(name) {
		return Errorf(EINVALID, "%s must be UTF-8 text", field)
	}
	for _, r := range name {
		if nameSpoofing(r) {
			return Errorf(EINVALID, "%s must not contain invisible or control characters such as %s", field, describeRune(r))
		}
	}
	return nil
}

// nameSpoofing reports whether r changes how a name displays without
// being visible itself.
func nameSpoofing(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
}

// describeRune names a character by its code point, the only form in
// which an invisible character can be shown.
func describeRune(r rune) string { return fmt.Sprintf("U+%04X", r) }
