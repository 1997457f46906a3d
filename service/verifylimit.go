package service

// unknownTokensPerMinute bounds the lookups of unknown tokens per client
// IP on one instance. A client guessing tokens gets 429 (Retry-After)
// once it has presented that many unknown tokens in a minute; until the
// minute ends its tokens that are not in this instance's cache are
// refused without a store read, so a guesser cannot load the database.
// Valid tokens it presented before and that are cached keep working, and
// other clients are not affected. The count lives in memory, per
// instance: it guards each instance's database load, and only the
// not-found path touches it, so the verify path of a valid token writes
// nothing.
const unknownTokensPerMinute = 60

// unknownTokenKey is the limiter key of a client IP ("" when the caller
// gave none: nothing is limited).
func unknownTokenKey(ip string) string {
	if ip == "" {
		return ""
	}
	return throttleKey(ip)
}
