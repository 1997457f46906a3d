package service

import (
	"context"
	"net/netip"

	"tokenmint"
)

// TokenUsage returns a token's usage per client IP (first and last use,
// count, whether the IP is blocked), as last flushed from the usage
// buffers. Only the owner may see it (administrators too for an
// application's token); administrators may not see another user's
// (Fortify's rule), even though they may block IPs. It returns one page,
// ordered by IP (as text), and the cursor of the next page: the last IP
// of this one ("" on the last page).
func (s *Service) TokenUsage(ctx context.Context, id string, in PageInput) ([]tokenmint.IPUsage, string, error) {
	p, err := s.ownTokensAccess(ctx, false)
	if err != nil {
		return nil, "", err
	}
	pg, err := in.page(validUsageCursor)
	if err != nil {
		return nil, "", err
	}
	tok, _, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return nil, "", err
	}
	if !SeesPrivate(p, tok) {
		return nil, "", tokenmint.Errorf(tokenmint.EFORBIDDEN, "only the owner may see a token's usage")
	}
	usage, err := s.store.TokenUsage(ctx, tok.TenantID, tok.ID, pg)
	if err != nil {
		return nil, "", err
	}
	usage, next := keyPage(usage, pg, func(u tokenmint.IPUsage) string { return u.IP })
	prefixes, err := s.blockPrefixes(ctx, tok.TenantID, tok.ID)
	if err != nil {
		return nil, "", err
	}
	for i := range usage {
		usage[i].Blocked = tokenmint.BlockedBy(prefixes, usage[i].IP)
	}
	return usage, next, nil
}

// validUsageCursor checks the cursor of a page of usage: empty, or the IP
// address that ended the previous page.
func validUsageCursor(cursor string) error {
	if cursor == "" {
		return nil
	}
	if _, err := netip.ParseAddr(cursor); err != nil {
		return tokenmint.Errorf(tokenmint.EINVALID, "cursor must be the next_cursor of a previous page")
	}
	return nil
}

// BlockedIPs lists the IPs and ranges a token is refused to; owner or
// administrator.
func (s *Service) BlockedIPs(ctx context.Context, id string) ([]tokenmint.IPBlock, error) {
	p, err := s.ownTokensAccess(ctx, false)
	if err != nil {
		return nil, err
	}
	tok, _, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.store.BlockedIPs(ctx, tok.TenantID, tok.ID)
}

// BlockIP refuses the token to an IPv4 or IPv6 address or CIDR range, on
// every instance within a second; owner or administrator. Blocking what is
// blocked already is no error.
func (s *Service) BlockIP(ctx context.Context, id, ip string) (*tokenmint.IPBlock, error) {
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return nil, err
	}
	prefix, _, err := tokenmint.ParseIPBlock(ip)
	if err != nil {
		return nil, err
	}
	tok, _, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return nil, err
	}
	b := &tokenmint.IPBlock{TenantID: tok.TenantID, TokenID: tok.ID, Prefix: prefix, CreatedAt: s.Now()}
	if err := s.store.BlockIP(s.announcing(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID}), b); err != nil {
		return nil, err
	}
	s.changed(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID})
	s.audit(ctx, tok.TenantID, "token.block_ip", "token", tok.ID, OutcomeSuccess, "ip "+prefix)
	return b, nil
}

// UnblockIP lifts a block; the IP or range must be given as it was
// blocked (in any notation of the same range). Owner or administrator.
func (s *Service) UnblockIP(ctx context.Context, id, ip string) error {
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return err
	}
	prefix, _, err := tokenmint.ParseIPBlock(ip)
	if err != nil {
		return err
	}
	tok, _, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return err
	}
	if err := s.store.UnblockIP(s.announcing(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID}), tok.TenantID, tok.ID, prefix); err != nil {
		return err
	}
	s.changed(ctx, Change{Kind: ChangeToken, TenantID: tok.TenantID, ID: tok.ID})
	s.audit(ctx, tok.TenantID, "token.unblock_ip", "token", tok.ID, OutcomeSuccess, "ip "+prefix)
	return nil
}

// IPBlocked reports whether a token is blocked for ip, for callers outside
// the verify path (OAuth introspection). It reads the store.
func (s *Service) IPBlocked(ctx context.Context, tenantID, tokenID string, ip netip.Addr) (bool, error) {
	prefixes, err := s.blockPrefixes(ctx, tenantID, tokenID)
	if err != nil || !ip.IsValid() {
		return false, err
	}
	ip = ip.Unmap()
	for _, p := range prefixes {
		if p.Contains(ip) {
			return true, nil
		}
	}
	return false, nil
}

// blockPrefixes reads a token's blocks as prefixes.
func (s *Service) blockPrefixes(ctx context.Context, tenantID, tokenID string) ([]netip.Prefix, error) {
	blocks, err := s.store.BlockedIPs(ctx, tenantID, tokenID)
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, b := range blocks {
		if _, p, err := tokenmint.ParseIPBlock(b.Prefix); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// auditBlocked records a request refused because its IP is blocked, at
// most once per token and IP a minute.
func (s *Service) auditBlocked(ctx context.Context, tok *tokenmint.Token, ip string) {
	s.auditRefusedIP(ctx, tok, ip, "", "client IP is blocked")
}

// auditRefusedIP records a verification refused for its client IP (a
// block, a network the token is not bound to), at most once a minute per
// token, IP and kind of refusal (kind: a key prefix, "" for blocks), so a
// flood from one IP writes one entry a minute.
func (s *Service) auditRefusedIP(ctx context.Context, tok *tokenmint.Token, ip, kind, detail string) {
	key := kind + tok.ID + "\x00" + ip
	if limited, _ := s.lc.blockedLim.Blocked(key); limited {
		return
	}
	s.lc.blockedLim.Fail(key)
	e := &tokenmint.AuditEntry{
		TenantID: tok.TenantID, Time: s.Now(), ActorKind: "token", ActorID: tok.ID,
		Action: "token.verify", ObjectKind: "token", ObjectID: tok.ID, ClientIP: ip,
		Outcome: OutcomeDenied, Detail: detail,
	}
	if err := s.audits.Do(ctx, e); err != nil {
		s.log.Error("audit append failed", "action", e.Action, "err", err)
	}
}
