package envoy

import (
	"context"
	"net/netip"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc/status"

	"tokenmint"
	"tokenmint/service"
)

// Check answers one of Envoy's checks. A refusal is a CheckResponse with a
// denied HTTP answer, never a gRPC error, so an Envoy configured with
// failure_mode_allow does not let a refused or unverifiable request
// through: a database outage is 503 UNAVAILABLE to the client. Only a
// check whose caller gave up (deadline, cancellation) ends with the gRPC
// status of its context.
func (s *Server) Check(ctx context.Context, req *authv3.CheckRequest) (*authv3.CheckResponse, error) {
	vr, err := s.verifyRequest(req)
	var res *service.VerifyResult
	var tenant string
	if err == nil {
		res, err = s.svc.Verify(ctx, vr)
	}
	if err == nil {
		tenant, err = s.svc.TenantName(ctx, res.Token.TenantID)
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			s.count("canceled")
			s.log.Debug("ext_authz check abandoned by the caller", "err", cerr)
			return nil, status.FromContextError(cerr).Err()
		}
		d := denialOf(err)
		s.count(d.outcome)
		s.logDenial(d, vr.IP, err)
		return d.response(), nil
	}
	s.count("ok")
	s.log.Debug("ext_authz allowed", "token_id", res.Token.ID, "tenant", tenant, "client_ip", vr.IP)
	return allowed(res, tenant), nil
}

// verifyRequest reads what Verify is asked: the token from the
// Authorization header (the forms GET /api/v1/auth/verify accepts), the
// permissions, project and tenant from the route's context extensions or
// the named headers, and the client address.
func (s *Server) verifyRequest(req *authv3.CheckRequest) (service.VerifyRequest, error) {
	var vr service.VerifyRequest
	ip, err := s.clientIP(req)
	if err != nil {
		return vr, tokenmint.Errorf(tokenmint.EINVALID, "%s", err.Error())
	}
	vr.IP = ip
	var auth string
	if lines := headerLines(req, "Authorization"); len(lines) > 0 {
		auth = lines[len(lines)-1]
	}
	raw, ok, err := tokenmint.TokenFromAuthorization(auth)
	if err != nil {
		return vr, err
	}
	if !ok {
		return vr, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "no token presented")
	}
	vr.Token = raw
	if v, ok := lookup(req, s.attrs.PermissionKey, s.attrs.PermissionHeader); ok {
		perms, err := tokenmint.ParsePermissionList(v)
		if err != nil {
			return vr, err
		}
		if len(perms) > 0 {
			vr.Permission, vr.AlsoRequire = perms[0], perms[1:]
		}
	}
	vr.Project, _ = lookup(req, s.attrs.ProjectKey, s.attrs.ProjectHeader)
	vr.Tenant, _ = lookup(req, s.attrs.TenantKey, s.attrs.TenantHeader)
	return vr, nil
}

// clientIP is Envoy's downstream peer (the check's source address), or,
// when that peer is a trusted proxy, the client it names in the
// configured header: the rule the HTTP server applies to its own peer
// (tokenmint.ForwardedClientIP). No source address: no IP.
func (s *Server) clientIP(req *authv3.CheckRequest) (string, error) {
	src := req.GetAttributes().GetSource().GetAddress().GetSocketAddress().GetAddress()
	peer, err := netip.ParseAddr(src)
	if err != nil {
		return "", nil
	}
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer.String(), nil
	}
	a, err := tokenmint.ForwardedClientIP(peer, s.trusted, s.ipHeader, headerLines(req, s.ipHeader))
	if err != nil {
		return "", err
	}
	return a.String(), nil
}

// logDenial logs a refusal at the level its cause deserves; the token is
// never logged.
func (s *Server) logDenial(d denial, ip string, err error) {
	switch {
	case d.httpStatus >= 500 && d.httpStatus != 503:
		s.log.Error("ext_authz check failed", "client_ip", ip, "err", err)
	case d.httpStatus == 503:
		s.log.Warn("ext_authz dependency unavailable", "client_ip", ip, "err", err)
	default:
		s.log.Debug("ext_authz refused", "client_ip", ip, "code", d.code, "status", d.httpStatus)
	}
}
