package http

import (
	"net/http"
	"net/textproto"
	"strconv"

	"tokenmint/service"
)

// The RateLimit header fields (IETF httpapi RateLimit header fields
// draft, in its widely deployed three-field form), set on every verify
// answer of a rate-limited token, 200 and 429 alike, so a proxy can pass
// them on to the client.
var (
	rateLimitLimitKey     = textproto.CanonicalMIMEHeaderKey("RateLimit-Limit")
	rateLimitRemainingKey = textproto.CanonicalMIMEHeaderKey("RateLimit-Remaining")
	rateLimitResetKey     = textproto.CanonicalMIMEHeaderKey("RateLimit-Reset")
)

// setRateLimitHeaders writes st, unless the token is not rate limited.
func setRateLimitHeaders(h http.Header, st service.RateState) {
	if st.Limit == 0 {
		return
	}
	h[rateLimitLimitKey] = []string{strconv.Itoa(st.Limit)}
	h[rateLimitRemainingKey] = []string{strconv.Itoa(st.Remaining)}
	h[rateLimitResetKey] = []string{strconv.Itoa(st.Reset)}
}
