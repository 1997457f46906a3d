package tokenmint

import (
	"context"
	"strings"
	"time"
)

// TokenQuota is the limit a token creation must respect: the new token's
// owner may hold at most Max live tokens at Now, the new one included. A
// live token is one that is neither revoked, expired nor used up (an
// inactive one counts: it can be reactivated); deleted tokens are gone.
type TokenQuota struct {
	Max int
	Now time.Time
}

// tokenQuotaKey is the context key under which WithTokenQuota keeps the
// quota of a token creation.
type tokenQuotaKey struct{}

// WithTokenQuota returns a context that asks Store.CreateToken to count
// the owner's live tokens and refuse the new one, with TokenQuotaError,
// when q.Max of them exist already — in the creation's own transaction,
// serialized per owner, so concurrent creations cannot overshoot. Max 0
// asks for no check. Like WithAnnouncement, it rides in the context so
// the Store interface stays as it is; pass it to the one CreateToken.
func WithTokenQuota(ctx context.Context, q TokenQuota) context.Context {
	return context.WithValue(ctx, tokenQuotaKey{}, q)
}

// TokenQuotaFrom returns the quota WithTokenQuota attached to ctx, and
// whether there is one to check (Max > 0).
func TokenQuotaFrom(ctx context.Context) (TokenQuota, bool) {
	q, _ := ctx.Value(tokenQuotaKey{}).(TokenQuota)
	return q, q.Max > 0
}

// TokenQuotaError is the refusal of a token beyond the owner's quota: a
// conflict (409), since waiting does not help until a token goes.
func TokenQuotaError(max int) error {
	return Errorf(ECONFLICT, "the owner has %d live tokens, the tenant's limit (max_tokens_per_owner); revoke or delete one before creating another", max)
}

// IsTokenQuotaError reports whether err is a TokenQuotaError.
func IsTokenQuotaError(err error) bool {
	return ErrorCode(err) == ECONFLICT && strings.Contains(ErrorMessage(err), "(max_tokens_per_owner)")
}
