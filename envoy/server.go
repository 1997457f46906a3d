// Package envoy serves Envoy's external authorization API
// (envoy.service.auth.v3.Authorization, the gRPC ext_authz service) on a
// listener of its own. Each Check answers with the decision
// GET /api/v1/auth/verify gives for the same token, permission, project,
// tenant and client address: both call service.Verify, so usage is
// recorded and a use of a limited-use token is spent in the same way.
// The package holds no rules of its own.
package envoy

import (
	"context"
	"log/slog"
	"net"
	"net/netip"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"tokenmint"
	"tokenmint/service"
)

// Config configures the authorization service.
type Config struct {
	Service *service.Service
	Logger  *slog.Logger
	// TrustedProxies are the addresses whose client header is believed
	// when Envoy's downstream peer (the check's source address) is one of
	// them: the same list as the HTTP server's --trusted-proxies.
	TrustedProxies []netip.Prefix
	// ClientIPHeader is the header those proxies name the client in, in
	// canonical form (X-Forwarded-For for "").
	ClientIPHeader string
	// Attributes say where a check finds its permission, project and
	// tenant.
	Attributes Attributes
	// Registerer takes the checks counter (nil: not registered).
	Registerer prometheus.Registerer
}

// Server is the gRPC server answering Envoy's checks.
type Server struct {
	authv3.UnimplementedAuthorizationServer

	svc      *service.Service
	log      *slog.Logger
	trusted  func(netip.Addr) bool
	ipHeader string
	attrs    Attributes
	checks   *prometheus.CounterVec
	grpc     *grpc.Server
}

// NewServer builds the service and the gRPC server that carries it, with
// the standard gRPC health service (so an Envoy cluster can health-check
// it).
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ClientIPHeader == "" {
		cfg.ClientIPHeader = tokenmint.HeaderXForwardedFor
	}
	s := &Server{
		svc: cfg.Service, log: cfg.Logger, trusted: tokenmint.InPrefixes(cfg.TrustedProxies),
		ipHeader: cfg.ClientIPHeader, attrs: cfg.Attributes.withDefaults(),
		checks: newChecksCounter(cfg.Registerer),
		grpc:   grpc.NewServer(),
	}
	authv3.RegisterAuthorizationServer(s.grpc, s)
	hs := health.NewServer()
	hs.SetServingStatus(authv3.Authorization_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s.grpc, hs)
	return s
}

// Serve answers checks on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.grpc.Serve(ln) }

// Shutdown stops taking connections and waits for the checks under way
// to finish (grpc's GracefulStop); when ctx ends first, the rest are cut
// off.
func (s *Server) Shutdown(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.grpc.Stop()
		<-done
	}
}
