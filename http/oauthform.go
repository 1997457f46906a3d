package http

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"tokenmint/service"
)

// formBuffers hold OAuth form bodies while they are parsed.
var formBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// readOAuthFormBody reads a form-encoded body of at most limit bytes into
// one map, refusing a parameter given twice (RFC 6749 §3.2) as it goes.
// It decodes as url.ParseQuery does and refuses what Request.ParseForm
// refuses (a semicolon in a key, a bad escape), without the two maps and
// the merge ParseForm builds for every token, introspection and
// revocation request: the values are substrings of one string made of the
// body.
func readOAuthFormBody(w http.ResponseWriter, r *http.Request, limit int64) (url.Values, error) {
	bp := formBuffers.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			formBuffers.Put(bp)
		}
	}()
	// MaxBytesReader, not a count of our own: past the limit it tells the
	// server to close the connection after the answer, the way that lets
	// the client still read the 400 rather than a reset.
	buf, err := readAllInto((*bp)[:0], http.MaxBytesReader(w, r.Body, limit))
	*bp = buf
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return nil, &service.OAuthError{Code: "invalid_request", Description: "form body exceeds 64 KiB"}
		}
		return nil, &service.OAuthError{Code: "invalid_request", Description: "malformed form body"}
	}
	body := string(buf)
	// Sized for the parameters an OAuth request has, not by counting '&':
	// a 64 KiB body of separators reserved a map of 65 536 entries, 6.6 MB
	// per request (TestOAuthFormBodyOfSeparatorsAllocatesLittle).
	form := make(url.Values, 8)
	for body != "" {
		var pair string
		pair, body, _ = strings.Cut(body, "&")
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return nil, &service.OAuthError{Code: "invalid_request", Description: "malformed form body"}
		}
		key, value, _ := strings.Cut(pair, "=")
		key, err1 := unescapeQuery(key)
		value, err2 := unescapeQuery(value)
		if err1 != nil || err2 != nil {
			return nil, &service.OAuthError{Code: "invalid_request", Description: "malformed form body"}
		}
		if _, twice := form[key]; twice {
			return nil, &service.OAuthError{Code: "invalid_request", Description: "parameter " + key + " is given more than once"}
		}
		form[key] = []string{value}
	}
	return form, nil
}

// readAllInto is io.ReadAll appending to buf, so a pooled buffer serves.
func readAllInto(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
