package envoy_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"tokenmint"
	"tokenmint/envoy"
	"tokenmint/secret"
	"tokenmint/service"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// faultyStore is the real SQLite store with two faults a test can turn
// on for token lookups: an outage (EUNAVAILABLE, as the stores report an
// unreachable database) and a hang that lasts until the caller's context
// ends, as a stalled database connection does.
type faultyStore struct {
	tokenmint.Store
	down atomic.Bool
	hang atomic.Bool
	// hung receives once per hanging lookup when it starts waiting, and
	// released when the lookup saw its context end.
	hung, released chan struct{}
}

func (f *faultyStore) TokenBySecret(ctx context.Context, h []byte) (*tokenmint.Token, *time.Time, error) {
	if f.down.Load() {
		return nil, nil, tokenmint.Errorf(tokenmint.EUNAVAILABLE, "database unavailable")
	}
	if f.hang.Load() {
		f.hung <- struct{}{}
		<-ctx.Done()
		f.released <- struct{}{}
		return nil, nil, ctx.Err()
	}
	return f.Store.TokenBySecret(ctx, h)
}

// env is a running authorization service: the real service on a real
// SQLite file, served by envoy.Server on a loopback port, and a gRPC
// client built from go-control-plane's types.
type env struct {
	t      *testing.T
	svc    *service.Service
	store  *faultyStore
	admin  context.Context // the admin's principal
	client authv3.AuthorizationClient
	reg    *prometheus.Registry
	logs   *syncBuffer
	srv    *envoy.Server
	addr   string
}

type envOptions struct {
	trusted []netip.Prefix
	attrs   envoy.Attributes
}

func newEnv(t *testing.T, opts envOptions) *env {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "tokenmint.db"))
	if err != nil {
		t.Fatal(err)
	}
	store := &faultyStore{Store: db, hung: make(chan struct{}, 1), released: make(chan struct{}, 1)}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := service.New(service.Config{
		Store: store, Types: typesfile.Defaults(),
		Clock:  tokenmint.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)),
		Hasher: secret.NewHasher(bytes.Repeat([]byte{3}, 32)), Logger: log,
		PasswordParams: &secret.TestPasswordParams,
	})
	ctx := context.Background()
	if _, err := svc.Bootstrap(ctx, "admin-password-1"); err != nil {
		t.Fatal(err)
	}
	login, err := svc.Login(ctx, tokenmint.DefaultTenant, "admin", "admin-password-1")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := svc.SessionPrincipal(ctx, login.Cookie)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv := envoy.NewServer(envoy.Config{Service: svc, Logger: log, TrustedProxies: opts.trusted, Attributes: opts.attrs, Registerer: reg})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		shCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		srv.Shutdown(shCtx)
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve after Shutdown: %v", err)
		}
		svc.Close(context.Background())
		db.Close()
	})
	return &env{t: t, svc: svc, store: store, admin: tokenmint.NewContextWithPrincipal(ctx, p),
		client: authv3.NewAuthorizationClient(conn), reg: reg, logs: logs, srv: srv, addr: ln.Addr().String()}
}

// createToken creates a token of typ for the admin and returns its secret
// and ID.
func (e *env) createToken(typ, project string) (plain, encoded, id string) {
	e.t.Helper()
	it, err := e.svc.CreateToken(e.admin, service.CreateTokenInput{Type: typ, Name: "t-" + typ, Project: project})
	if err != nil {
		e.t.Fatalf("create %s token: %v", typ, err)
	}
	return it.Plain, it.Encoded, it.Token.ID
}

// check is what Envoy sends: the request's headers (lowercased, as Envoy
// passes them), the route's context extensions and the downstream peer.
type check struct {
	headers    map[string]string
	extensions map[string]string
	source     string // downstream IP; "" for 198.51.100.20
}

func (c check) request() *authv3.CheckRequest {
	src := c.source
	if src == "" {
		src = "198.51.100.20"
	}
	return &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Source: &authv3.AttributeContext_Peer{Address: &corev3.Address{Address: &corev3.Address_SocketAddress{
			SocketAddress: &corev3.SocketAddress{Address: src, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: 51234}},
		}}},
		Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
			Method: "GET", Path: "/orders/7", Host: "api.example.test", Headers: c.headers,
		}},
		ContextExtensions: c.extensions,
	}}
}

func (e *env) check(c check) *authv3.CheckResponse {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := e.client.Check(ctx, c.request())
	if err != nil {
		e.t.Fatalf("Check: %v", err)
	}
	return res
}

func bearer(tok string) map[string]string { return map[string]string{"authorization": "Bearer " + tok} }

// headers flattens a list of header options to name → value; it fails
// the test on a header that would be appended rather than replace the
// client's own.
func headers(t *testing.T, opts []*corev3.HeaderValueOption) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, o := range opts {
		if o.GetAppendAction() != corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD {
			t.Errorf("header %s is added with %v, want OVERWRITE_IF_EXISTS_OR_ADD", o.GetHeader().GetKey(), o.GetAppendAction())
		}
		out[o.GetHeader().GetKey()] = o.GetHeader().GetValue()
	}
	return out
}

// checksCounted reads tokenmint_ext_authz_checks_total{outcome}.
func (e *env) checksCounted(outcome string) float64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "tokenmint_ext_authz_checks_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	e.t.Fatalf("no tokenmint_ext_authz_checks_total{outcome=%q}", outcome)
	return 0
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)
