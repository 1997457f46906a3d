package http

import (
	"net/http"
	"net/textproto"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The verify answer is written by hand rather than through encoding/json:
// it is the body of every forward-auth request, and reflection plus the
// encoder's buffers were a tenth of the endpoint's CPU. Its shape is
// verifyResponse's (the OpenAPI document and the tests read it as JSON).

var answerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Header values shared by every answer: net/http only reads them.
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
)

// writeVerifyAnswer writes v as JSON with status 200. v is passed by value
// so that it stays on the caller's stack (a pointer handed to writeAppended
// escaped: one allocation per verification).
func writeVerifyAnswer(w http.ResponseWriter, v verifyResponse) {
	writeAppended(w, v, appendVerifyAnswer)
}

// writeAppended writes, with status 200, the JSON answer that appendAnswer
// appends for v to a pooled buffer.
func writeAppended[T any](w http.ResponseWriter, v T, appendAnswer func([]byte, T) []byte) {
	bp := answerBuffers.Get().(*[]byte)
	b := appendAnswer((*bp)[:0], v)
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = noStore
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	*bp = b
	answerBuffers.Put(bp)
}

func appendVerifyAnswer(b []byte, v verifyResponse) []byte {
	b = append(b, `{"active":`...)
	b = strconv.AppendBool(b, v.Active)
	b = appendField(b, "tenant", v.Tenant)
	b = appendField(b, "subject", v.Subject)
	b = appendField(b, "owner_kind", v.OwnerKind)
	b = appendField(b, "token_id", v.TokenID)
	b = appendField(b, "type", v.Type)
	if v.Project != "" {
		b = appendField(b, "project", v.Project)
	}
	b = append(b, `,"permissions":[`...)
	for i, p := range v.Permissions {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, string(p))
	}
	b = append(b, `],"expires_at":`...)
	if v.ExpiresAt == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = appendTime(b, *v.ExpiresAt, layoutRFC3339Nano)
		b = append(b, '"')
	}
	return append(b, "}\n"...)
}

func appendField(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

// appendJSONString appends s as a JSON string the way encoding/json does
// without HTML escaping: quotes, backslashes and control characters are
// escaped, invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i++
				start = i
				continue
			}
			if r == '\u2028' || r == '\u2029' {
				b = append(b, s[start:i]...)
				b = append(b, `\u202`...)
				b = append(b, hex[r&0xF])
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Canonical header keys, computed once: the verify answer sets its headers
// in the map directly instead of canonicalising them on every request.
var (
	tokenExpirationKey     = textproto.CanonicalMIMEHeaderKey("X-Token-Expiration")
	sonarQubeExpirationKey = textproto.CanonicalMIMEHeaderKey(SonarQubeExpirationHeader)
	authSubjectKey         = textproto.CanonicalMIMEHeaderKey("X-Auth-Subject")
	authTenantKey          = textproto.CanonicalMIMEHeaderKey("X-Auth-Tenant")
)

// setVerifyHeaders sets what setExpirationHeader and the identity headers
// set with two allocations: one backing array for the four values and one
// string holding both expiry formats.
func setVerifyHeaders(h http.Header, exp *time.Time, subject, tenant string) {
	v := make([]string, 4)
	if exp != nil {
		var buf [64]byte
		u := exp.UTC()
		b := appendTime(buf[:0], u, layoutRFC3339)
		n := len(b)
		both := string(appendTime(b, u, layoutSonarQube))
		v[2], v[3] = both[:n], both[n:]
		h[tokenExpirationKey] = v[2:3:3]
		h[sonarQubeExpirationKey] = v[3:4:4]
	}
	v[0], v[1] = subject, tenant
	h[authSubjectKey] = v[0:1:1]
	h[authTenantKey] = v[1:2:2]
}
