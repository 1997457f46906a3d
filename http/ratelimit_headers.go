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
	// One backing array for the three values: one allocation, not three.
	v := [...]string{strconv.Itoa(st.Limit), strconv.Itoa(st.Remaining), strconv.Itoa(st.Reset)}
	vals := v[:]
	h[rateLimitLimitKey] = vals[0:1:1]
	h[rateLimitRemainingKey] = vals[1:2:2]
	h[rateLimitResetKey] = vals[2:3:3]
}
