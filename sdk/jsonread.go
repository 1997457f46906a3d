package sdk

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// jsonReader reads the two small JSON objects of a JWT, its header and
// its claims, without reflection: encoding/json cost about a tenth of an
// Ed25519 verification per token, this a fraction of that. It is strict where go-jose, which the SDK used
// before, is strict: object keys match exactly (encoding/json folds case),
// a key twice in one object refuses the whole object, and anything that
// is not JSON is refused. It is stricter than both in three ways: invalid
// UTF-8 in a string and null where a string is expected are refused
// rather than replaced or ignored, and an object may hold at most
// maxJSONMembers members and nest maxJSONDepth deep, which keeps its work
// linear in the input however the input is built. FuzzParseJWT checks it
// against go-jose's decoder.
type jsonReader struct {
	b     []byte
	i     int
	depth int
}

const (
	maxJSONDepth   = 16
	maxJSONMembers = 64
)

func (r *jsonReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// consume skips whitespace and then c, reporting whether c was there.
func (r *jsonReader) consume(c byte) bool {
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (r *jsonReader) end() bool {
	r.ws()
	return r.i == len(r.b)
}

// rawString reads a string and returns what lies between its quotes,
// undecoded, and whether it holds an escape.
func (r *jsonReader) rawString() (raw []byte, escaped, ok bool) {
	r.ws()
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false, false
	}
	start := r.i + 1
	for i := start; i < len(r.b); i++ {
		switch c := r.b[i]; {
		case c == '"':
			r.i = i + 1
			raw = r.b[start:i]
			return raw, escaped, utf8.Valid(raw)
		case c < 0x20:
			return nil, false, false
		case c == '\\':
			escaped = true
			i++
			if i >= len(r.b) {
				return nil, false, false
			}
			switch r.b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(r.b) {
					return nil, false, false
				}
				for _, h := range r.b[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return nil, false, false
					}
				}
				i += 4
			default:
				return nil, false, false
			}
		}
	}
	return nil, false, false
}

// unescape decodes the string whose contents rawString just returned.
// Escapes are rare in tokens, so encoding/json decodes them (surrogate
// pairs and all) rather than a second implementation here.
func (r *jsonReader) unescape(raw []byte) (string, bool) {
	var s string
	quoted := r.b[r.i-len(raw)-2 : r.i]
	return s, json.Unmarshal(quoted, &s) == nil
}

// str reads a string value.
func (r *jsonReader) str() (string, bool) {
	raw, escaped, ok := r.rawString()
	if !ok {
		return "", false
	}
	if escaped {
		return r.unescape(raw)
	}
	return string(raw), true
}

// strInto reads a string value into dst.
func (r *jsonReader) strInto(dst *string) bool {
	s, ok := r.str()
	*dst = s
	return ok
}

// key reads an object key, decoded. Without escapes it is a slice of the
// input, so reading keys allocates nothing.
func (r *jsonReader) key() ([]byte, bool) {
	raw, escaped, ok := r.rawString()
	if !ok || !escaped {
		return raw, ok
	}
	s, ok := r.unescape(raw)
	return []byte(s), ok
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number reads a number (RFC 8259 §6) and returns its text.
func (r *jsonReader) number() ([]byte, bool) {
	r.ws()
	b, i := r.b, r.i
	digits := func() bool {
		from := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		return i > from
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	start := r.i
	r.i = i
	return b[start:i], true
}

// literal reads true, false or null, whichever lit is.
func (r *jsonReader) literal(lit string) bool {
	r.ws()
	if !bytes.HasPrefix(r.b[r.i:], []byte(lit)) {
		return false
	}
	r.i += len(lit)
	return true
}

// peek skips whitespace and returns the next byte, 0 at the end.
func (r *jsonReader) peek() byte {
	r.ws()
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

// skip reads any value and throws it away, checking it all the same.
func (r *jsonReader) skip() bool {
	switch r.peek() {
	case '"':
		_, _, ok := r.rawString()
		return ok
	case '{':
		return r.object(func([]byte) bool { return r.skip() })
	case '[':
		return r.array(r.skip)
	case 't':
		return r.literal("true")
	case 'f':
		return r.literal("false")
	case 'n':
		return r.literal("null")
	default:
		_, ok := r.number()
		return ok
	}
}

// object reads an object, calling member for each key with the reader at
// the member's value, which member must read.
func (r *jsonReader) object(member func(key []byte) bool) bool {
	if !r.consume('{') {
		return false
	}
	if r.depth++; r.depth > maxJSONDepth {
		return false
	}
	if r.consume('}') {
		r.depth--
		return true
	}
	var seen [maxJSONMembers][]byte
	n := 0
	for {
		key, ok := r.key()
		if !ok || n == maxJSONMembers {
			return false
		}
		for _, k := range seen[:n] {
			if bytes.Equal(k, key) {
				return false
			}
		}
		seen[n], n = key, n+1
		if !r.consume(':') || !member(key) {
			return false
		}
		if r.consume(',') {
			continue
		}
		if r.consume('}') {
			r.depth--
			return true
		}
		return false
	}
}

// array reads an array, calling elem with the reader at each element.
func (r *jsonReader) array(elem func() bool) bool {
	if !r.consume('[') {
		return false
	}
	if r.depth++; r.depth > maxJSONDepth {
		return false
	}
	if r.consume(']') {
		r.depth--
		return true
	}
	for {
		if !elem() {
			return false
		}
		if r.consume(',') {
			continue
		}
		if r.consume(']') {
			r.depth--
			return true
		}
		return false
	}
}
