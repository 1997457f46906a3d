package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"regexp"

	"tokenmint/envoy"
)

// extAuthzConfig configures the Envoy external authorization listener.
type extAuthzConfig struct {
	ExtAuthzListen           string
	ExtAuthzPermissionHeader string
	ExtAuthzProjectHeader    string
	ExtAuthzTenantHeader     string
}

func (c *extAuthzConfig) extAuthzSettings() []setting {
	return []setting{
		{"ext-authz-listen", "TOKENMINT_EXT_AUTHZ_LISTEN", "address of the Envoy external authorization (ext_authz gRPC) listener; empty: off", "", &c.ExtAuthzListen},
		{"ext-authz-permission-header", "TOKENMINT_EXT_AUTHZ_PERMISSION_HEADER", "request header naming the permission an ext_authz check needs when the route sets no tokenmint.permission context extension (empty: none)", "", &c.ExtAuthzPermissionHeader},
		{"ext-authz-project-header", "TOKENMINT_EXT_AUTHZ_PROJECT_HEADER", "request header naming the project of an ext_authz check when the route sets no tokenmint.project context extension (empty: none)", "", &c.ExtAuthzProjectHeader},
		{"ext-authz-tenant-header", "TOKENMINT_EXT_AUTHZ_TENANT_HEADER", "request header naming the tenant of an ext_authz check when the route sets no tokenmint.tenant context extension (empty: none)", "", &c.ExtAuthzTenantHeader},
	}
}

// headerNameRE is an HTTP field name (RFC 9110 §5.1).
var headerNameRE = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")

// extAuthzAttributes checks the header settings.
func (c *extAuthzConfig) extAuthzAttributes() (envoy.Attributes, error) {
	for name, v := range map[string]string{
		"ext-authz-permission-header": c.ExtAuthzPermissionHeader,
		"ext-authz-project-header":    c.ExtAuthzProjectHeader,
		"ext-authz-tenant-header":     c.ExtAuthzTenantHeader,
	} {
		if v != "" && !headerNameRE.MatchString(v) {
			return envoy.Attributes{}, fmt.Errorf("%s %q is not a header name", name, v)
		}
	}
	return envoy.Attributes{
		PermissionHeader: c.ExtAuthzPermissionHeader,
		ProjectHeader:    c.ExtAuthzProjectHeader,
		TenantHeader:     c.ExtAuthzTenantHeader,
	}, nil
}

// extAuthz is the running authorization listener (nil fields: off).
type extAuthz struct {
	srv *envoy.Server
	ln  net.Listener
}

// listenExtAuthz opens the ext_authz listener when one is configured.
// Its checks share the HTTP server's service, trusted proxies, client
// address header and /metrics registry.
func listenExtAuthz(cfg *serverConfig, a *app, log *slog.Logger) (*extAuthz, error) {
	if cfg.ExtAuthzListen == "" {
		return &extAuthz{}, nil
	}
	attrs, err := cfg.extAuthzAttributes()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.ExtAuthzListen)
	if err != nil {
		return nil, fmt.Errorf("ext-authz-listen: %w", err)
	}
	srv := envoy.NewServer(envoy.Config{
		Service: a.svc, Logger: log, TrustedProxies: a.proxies, ClientIPHeader: a.ipHeader,
		Attributes: attrs, Registerer: a.metrics.Registerer(),
	})
	log.Info("ext_authz listening", "addr", ln.Addr().String(), "api", "envoy.service.auth.v3.Authorization")
	return &extAuthz{srv: srv, ln: ln}, nil
}

// serve answers checks until shutdown; errc gets the error of a listener
// that fails.
func (x *extAuthz) serve(errc chan<- error) {
	if x.srv == nil {
		return
	}
	go func() {
		if err := x.srv.Serve(x.ln); err != nil {
			errc <- fmt.Errorf("ext_authz: %w", err)
		}
	}()
}

// shutdown lets the checks under way finish (gRPC GracefulStop) until
// ctx ends.
func (x *extAuthz) shutdown(ctx context.Context) {
	if x.srv != nil {
		x.srv.Shutdown(ctx)
	}
}
