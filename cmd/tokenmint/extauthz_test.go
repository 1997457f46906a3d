package main

import (
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
)

var extAuthzRE = regexp.MustCompile(`ext_authz listening"? addr=(\S+)`)

// `tokenmint serve --ext-authz-listen` answers Envoy's checks on a second
// listener with the same service as the HTTP endpoint, counts them on the
// same /metrics, and stops with the server on SIGTERM.
func TestServeExtAuthzListener(t *testing.T) {
	clearServerEnv(t)
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", "ext-authz-admin-pw")
	t.Setenv("TOKENMINT_EXT_AUTHZ_LISTEN", "127.0.0.1:0") // the environment names it, as a deployment might
	srv := startServe(t, "--data-dir", filepath.Join(t.TempDir(), "data"), "--ext-authz-permission-header", "X-Required-Permission")
	m := extAuthzRE.FindStringSubmatch(srv.stderr.String())
	if m == nil {
		t.Fatalf("no ext_authz listener logged:\n%s", srv.stderr.String())
	}
	admin, st := loginTo(t, srv.base, "admin", "ext-authz-admin-pw")
	if st != http.StatusOK {
		t.Fatalf("login: %d", st)
	}
	tok, id, st := admin.createToken("CIToken")
	if st != http.StatusCreated {
		t.Fatalf("create CIToken: %d", st)
	}

	conn, err := grpc.NewClient(m[1], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := authv3.NewAuthorizationClient(conn)
	checkWith := func(perm string) *authv3.CheckResponse {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := client.Check(ctx, &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
			Source: &authv3.AttributeContext_Peer{Address: &corev3.Address{Address: &corev3.Address_SocketAddress{
				SocketAddress: &corev3.SocketAddress{Address: "127.0.0.1"}}}},
			Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
				Headers: map[string]string{"authorization": "Bearer " + tok, "x-required-permission": perm}}},
		}})
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		return res
	}
	res := checkWith("api:read")
	if codes.Code(res.GetStatus().GetCode()) != codes.OK {
		t.Fatalf("check: %v", res.GetStatus())
	}
	var tokenID string
	for _, h := range res.GetOkResponse().GetHeaders() {
		if h.GetHeader().GetKey() == "X-Auth-Token-Id" {
			tokenID = h.GetHeader().GetValue()
		}
	}
	if tokenID != id {
		t.Errorf("X-Auth-Token-Id %q, want %q", tokenID, id)
	}
	if res := checkWith("users:manage"); res.GetDeniedResponse().GetStatus().GetCode() != 403 {
		t.Errorf("check for a permission the token lacks (named by the configured header): %v", res)
	}

	resp, err := http.Get(srv.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{`tokenmint_ext_authz_checks_total{outcome="ok"} 1`, `tokenmint_ext_authz_checks_total{outcome="forbidden"} 1`} {
		if !strings.Contains(string(body), line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}

	srv.stop(t)
	if c, err := net.DialTimeout("tcp", m[1], 2*time.Second); err == nil {
		c.Close()
		t.Errorf("the ext_authz listener %s still accepts connections after SIGTERM", m[1])
	}
}

// A header setting that is not a header name stops the start.
func TestServeRefusesABadExtAuthzHeader(t *testing.T) {
	clearServerEnv(t)
	code, _, errs := runServer("serve", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0",
		"--ext-authz-listen", "127.0.0.1:0", "--ext-authz-project-header", "X Project")
	if code == 0 || !strings.Contains(errs, `ext-authz-project-header "X Project" is not a header name`) {
		t.Errorf("serve with a bad header name: exit %d\n%s", code, errs)
	}
}

// The ext_authz settings come from the config file too, the environment
// over the file and a flag over both.
func TestExtAuthzSettingsPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tokenmint.yaml")
	if err := os.WriteFile(file, []byte("ext-authz-listen: 127.0.0.1:9191\next-authz-permission-header: X-From-File\next-authz-tenant-header: X-Tenant\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TOKENMINT_CONFIG": file, "TOKENMINT_EXT_AUTHZ_PERMISSION_HEADER": "X-From-Env"}
	cfg := &serverConfig{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.bindFlags(fs)
	if err := fs.Parse([]string{"--ext-authz-tenant-header", "X-From-Flag"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.resolve(fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	got := [3]string{cfg.ExtAuthzListen, cfg.ExtAuthzPermissionHeader, cfg.ExtAuthzTenantHeader}
	if want := [3]string{"127.0.0.1:9191", "X-From-Env", "X-From-Flag"}; got != want {
		t.Errorf("listen, permission header, tenant header = %q, want %q", got, want)
	}
}
