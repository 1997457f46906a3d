package service

import "context"

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

// costLikeUnknown spends, on the refusal of a known token from the cache
// (revoked, expired, inactive, rotated away), the store read that the
// refusal of an unknown token costs: a lookup of a hash no secret has
// (tokens hold no NUL). Without it a cached refusal answered in less than
// half the time of an unknown token over HTTP (86 µs against 209 µs, see
// BenchmarkVerifyRefusalTiming). Its outcome is ignored.
func (s *Service) costLikeUnknown(ctx context.Context, plain string) {
	_, _, _ = s.store.TokenBySecret(ctx, s.hasher.Hash("\x00"+plain))
}
