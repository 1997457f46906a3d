package service

import (
	"context"

	"tokenmint"
)

// Bound networks (docs/bound-networks.md): a token may carry the networks
// it may be used from. The check sits on the hot path right after the
// blocked-IP check, before a use is spent, and reads only the cached
// entry.

// errOutsideNetworks is the refusal of a bound token used from elsewhere.
var errOutsideNetworks = tokenmint.Errorf(tokenmint.EFORBIDDEN, "token is not allowed from this network")

// checkNetwork refuses a token bound to networks that do not hold the
// client IP ip; no IP at all is refused too (fail closed). The refusal is
// audited, at most once per token and IP a minute.
func (s *Service) checkNetwork(ctx context.Context, tok *tokenmint.Token, ip string) error {
	if tok.AllowedCIDRs.Allows(ip) {
		return nil
	}
	s.auditOutsideNetworks(ctx, tok, ip)
	return errOutsideNetworks
}

// auditOutsideNetworks records a request refused because its IP lies
// outside the token's networks, rate limited like a blocked IP's.
func (s *Service) auditOutsideNetworks(ctx context.Context, tok *tokenmint.Token, ip string) {
	detail := "client IP is outside the token's allowed networks"
	if ip == "" {
		detail = "no client IP to check against the token's allowed networks"
	}
	s.auditRefusedIP(ctx, tok, ip, "net\x00", detail)
}

// newTokenNetworks decides the networks of a new token of typ: those asked
// for, else the owner application's default (in.defaultCIDRs), else those
// of the presenting credential, which a token it creates never leaves. A
// type that requires networks refuses a token bound to none.
func (s *Service) newTokenNetworks(ctx context.Context, tenantID string, typ *tokenmint.TokenType, in *CreateTokenInput, bound *tokenmint.CredentialBound) (tokenmint.CIDRList, error) {
	l, err := tokenmint.ParseCIDRList(in.AllowedCIDRs)
	if err != nil {
		return nil, err
	}
	if !l.Bound() {
		l = in.defaultCIDRs
	}
	if !l.Bound() && bound != nil {
		l = bound.AllowedCIDRs
	}
	if typ.RequireAllowedCIDRs && !l.Bound() {
		return nil, tokenmint.Errorf(tokenmint.EINVALID, "type %s requires allowed_cidrs: name the networks its tokens may be used from (such as 10.0.0.0/8)", typ.Name)
	}
	if err := s.withinPresenterNetworks(ctx, tenantID, "token.create", "", l); err != nil {
		return nil, err
	}
	return l, nil
}

// withinPresenterNetworks refuses (403, audited) networks broader than
// those of the presenting token: a bound credential cannot mint or make a
// token usable from where it could not be used itself.
func (s *Service) withinPresenterNetworks(ctx context.Context, tenantID, action, tokenID string, l tokenmint.CIDRList) error {
	bound := tokenmint.PrincipalFromContext(ctx).CredentialBound()
	if bound == nil || l.Within(bound.AllowedCIDRs) {
		return nil
	}
	s.audit(ctx, tenantID, action, "token", tokenID, OutcomeDenied, "allowed networks beyond the presenting credential's")
	return tokenmint.Errorf(tokenmint.EFORBIDDEN, "the credential presented may only be used from %s: a token it creates or changes must be bound within those networks", bound.AllowedCIDRs.String())
}

// changeNetworks applies a PATCH of allowed_cidrs to tok (already parsed
// into l): refused when the type requires networks and l is empty, or
// when l is broader than the presenting credential's networks. It reports
// whether anything changed.
func (s *Service) changeNetworks(ctx context.Context, tok *tokenmint.Token, l tokenmint.CIDRList) (bool, error) {
	if typ, ok := s.types.Lookup(tok.Type); ok && typ.RequireAllowedCIDRs && !l.Bound() {
		return false, tokenmint.Errorf(tokenmint.EINVALID, "type %s requires allowed_cidrs: a token of it cannot be unbound", typ.Name)
	}
	if err := s.withinPresenterNetworks(ctx, tok.TenantID, "token.networks", tok.ID, l); err != nil {
		return false, err
	}
	if l.String() == tok.AllowedCIDRs.String() {
		return false, nil
	}
	tok.AllowedCIDRs = l
	return true, nil
}
