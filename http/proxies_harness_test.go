package http_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tokenmint"
	tmhttp "tokenmint/http"
	"tokenmint/secret"
	"tokenmint/service"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// The recipes' placeholder addresses (docs/recipes/*), which the proxy
// tests replace with free loopback ports.
const (
	recipeTokenmint = "127.0.0.1:8080"
	recipeUpstream  = "127.0.0.1:9000"
	recipeProxy     = "127.0.0.1:8000"
)

// proxyBinary finds a proxy's executable. A missing proxy fails the test
// (CI installs nginx and caddy, .ci/run), unless the developer opted out
// with TOKENMINT_SKIP_PROXIES=1.
func proxyBinary(t *testing.T, name string) string {
	t.Helper()
	if os.Getenv("TOKENMINT_SKIP_PROXIES") == "1" {
		t.Skipf("TOKENMINT_SKIP_PROXIES=1: not running %s", name)
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	t.Fatalf("%s is not installed (Debian: apt-get install %s); set TOKENMINT_SKIP_PROXIES=1 to skip the proxy tests locally", name, name)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// startProxiedTokenmint is the tokenmint of the http tests (real SQLite,
// real service, real handler behind httptest) believing X-Forwarded-For
// from trusted only, over a store the test can take down.
func startProxiedTokenmint(t *testing.T, trusted []netip.Prefix) (*env, *downStore) {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "tokenmint.db")
	db, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: db}
	down := &downStore{Store: store}
	clock := tokenmint.NewFakeClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Config{
		Store: down, Types: typesfile.Defaults(), Clock: clock,
		Hasher: secret.NewHasher(bytes.Repeat([]byte{7}, 32)), Logger: log,
		PasswordParams: &secret.TestPasswordParams,
	})
	if _, err := svc.Bootstrap(context.Background(), adminPassword); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(tmhttp.NewServer(tmhttp.Config{Service: svc, Logger: log, TrustedProxies: trusted}))
	e := &env{t: t, srv: srv, svc: svc, store: store, db: db, clock: clock, dbPath: dbPath}
	t.Cleanup(func() {
		srv.Close()
		svc.Close(context.Background())
		db.Close()
	})
	e.admin = e.login("admin", adminPassword)
	return e, down
}

// upstream is the API behind the proxy: it records the headers of every
// request it receives and answers 200.
type upstream struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []http.Header
}

func startUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.seen = append(u.seen, r.Header.Clone())
		u.mu.Unlock()
		fmt.Fprintf(w, "upstream saw %s\n", r.URL.Path)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// last is the headers of the latest request that reached the upstream.
func (u *upstream) last() (http.Header, int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.seen) == 0 {
		return nil, 0
	}
	return u.seen[len(u.seen)-1], len(u.seen)
}

func hostPort(rawURL string) string { return strings.TrimPrefix(rawURL, "http://") }

// freePort returns a loopback address no one listens on at the moment.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// recipe reads a recipe file with its placeholder addresses replaced; a
// placeholder missing from the file fails the test, so a recipe cannot
// drift from what the test substitutes.
func recipe(t *testing.T, name string, addrs map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "recipes", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for from, to := range addrs {
		if !strings.Contains(s, from) {
			t.Fatalf("docs/recipes/%s does not use the placeholder %s", name, from)
		}
		s = strings.ReplaceAll(s, from, to)
	}
	return s
}

// proxyDir is a working directory for a proxy process, readable and
// writable by the user it runs as.
func proxyDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tokenmint-proxy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// unprivileged runs cmd as nobody when the tests run as root (as CI
// does), and hands it dir: a proxy started by root would otherwise keep
// root in its master process.
func unprivileged(t *testing.T, cmd *exec.Cmd, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("running as root and there is no user nobody to run the proxy as: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	err = filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
}

// runProxy starts cmd in the foreground of the test, waits until addr
// accepts connections, and stops it (SIGTERM, then SIGKILL) at the end of
// the test. Its output is shown when it fails to start.
func runProxy(t *testing.T, cmd *exec.Cmd, addr string) {
	t.Helper()
	var out lockedOutput
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("%s exited before listening on %s: %v\n%s", cmd.Path, addr, waitErr, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s:\n%s", cmd.Path, addr, out.String())
		}
	}
}

type lockedOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedOutput) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// clientFrom is an HTTP client whose connections come from the loopback
// address ip, so a proxy's X-Forwarded-For can be told from its own
// address (127.0.0.1).
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// through sends a GET through the proxy with the given headers.
func through(t *testing.T, hc *http.Client, proxy, path string, h map[string]string) response {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+proxy+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	return roundTrip(t, hc, req)
}

// usageIPs lists the client IPs tokenmint recorded for a token.
func (e *env) usageIPs(id string) []string {
	e.t.Helper()
	if err := e.svc.Usage().Flush(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	r := e.admin.do("GET", "/api/v1/tokens/"+id+"/usage", nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("usage: %d %s", r.status, r.body)
	}
	var ips []string
	for _, it := range r.json(e.t)["items"].([]any) {
		ips = append(ips, it.(map[string]any)["ip"].(string))
	}
	slices.Sort(ips)
	return ips
}
