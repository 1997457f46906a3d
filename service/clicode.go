package service

import (
	"context"
	"time"

	"tokenmint"
	"tokenmint/secret"
)

// CLICodeTTL is how long a command-line code works: long enough to paste
// it, short enough that one left on a screen is soon worthless.
const CLICodeTTL = 5 * time.Minute

// CLICode opens a short session for the command line on behalf of the
// signed-in user of a browser session: people who sign in with single
// sign-on have no password to give `tokenmint token get`, so the browser
// hands the CLI a session instead. Only a browser session may ask (a
// token may not turn itself into a session); the CLI ends the session
// when it is done, and it ends by itself after CLICodeTTL.
func (s *Service) CLICode(ctx context.Context) (*LoginResult, error) {
	p := tokenmint.PrincipalFromContext(ctx)
	if p == nil || p.User == nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "authentication required")
	}
	if p.Credential != nil || p.Token != nil {
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only a signed-in browser session may create a command-line code")
	}
	now := s.Now()
	cookie := secret.Opaque(32)
	sess := &tokenmint.Session{
		Hash: s.hasher.Hash(cookie), TenantID: p.User.TenantID, UserID: p.User.ID,
		CSRFToken: secret.Opaque(24), CreatedAt: now, ExpiresAt: now.Add(CLICodeTTL),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	s.audit(ctx, p.TenantID, "session.cli_code", "user", p.User.ID, OutcomeSuccess, "a session of 5 minutes for the command line")
	return &LoginResult{Cookie: cookie, Session: sess, User: p.User}, nil
}
