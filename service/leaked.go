package service

import (
	"context"

	"tokenmint"
)

// leakReportsPerMinute bounds anonymous leak reports per client IP.
const leakReportsPerMinute = 10

// RevokeLeaked lets anyone who finds a token kill it, without signing in:
// the token is revoked, its owner is e-mailed and token.leaked is emitted.
// The answer is the same whether the token existed, was already revoked or
// was never a token, so the endpoint cannot be used to test guesses; only
// the rate limit per client IP (ETOOMANY) differs.
func (s *Service) RevokeLeaked(ctx context.Context, raw string) error {
	// Every report counts, found or not, in the store: the instances share
	// the limit.
	ip := throttleKey(ClientIPFromContext(ctx))
	if _, err := s.reserveAttempt(ctx, limitKey{attemptKey("leak ip", ip), leakReportsPerMinute}); err != nil {
		return err
	}
	plain, _, err := tokenmint.ParseToken(raw)
	if err != nil {
		return nil // not a token: nothing to revoke, same answer
	}
	tok, validUntil, err := s.store.TokenBySecret(ctx, s.hasher.Hash(plain))
	if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	now := s.Now()
	if tok.StoredStatus == tokenmint.StatusRevoked || secretRetired(validUntil, now) {
		// A secret replaced by rotation whose grace period has ended opens
		// nothing: reporting it must not kill the token's current secret.
		return nil
	}
	if revoked, err := s.revokeStored(ctx, tok, now); err != nil || !revoked {
		return err
	}
	s.changed(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID})
	s.audit(ctx, tok.TenantID, "token.revoke_leaked", "token", tok.ID, OutcomeSuccess, "reported leaked")
	s.emit(ctx, tokenmint.EventTokenLeaked, tok, "reported leaked")
	return nil
}
