// Package postgrestest starts a real PostgreSQL server for tests: initdb and
// pg_ctl in a temporary directory, listening on a free port of 127.0.0.1
// and on a unix socket inside that directory, trust authentication, fsync
// off. Tests that need PostgreSQL are never skipped: when the server
// binaries are missing the test fails and says what to install.
//
// One server is shared by all tests of a test binary (Start); each test gets
// its own database (NewDatabase), which is dropped when the test ends. A
// database that every test needs in the same state, such as a migrated
// schema, is prepared once as a template (Template) and copied for each
// test (NewDatabaseFrom); copies are made ahead in the background, so a
// test rarely waits for one. A package's TestMain calls Main so the shared
// server stops when the tests finish.
//
// When the tests run as root, as they often do in CI containers,
// PostgreSQL refuses to start; the harness then runs initdb, pg_ctl and
// the server as the "postgres" account (or "nobody"), switching user in
// the child process, and gives it the temporary directory. Should the test binary die without stopping it (a panic on
// timeout, a kill), a watchdog process stops the server and removes its
// directory as soon as the binary is gone.
package postgrestest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Superuser is the database superuser initdb creates; it needs no password.
const Superuser = "postgres"

// Server is a running PostgreSQL server owned by the tests.
type Server struct {
	// Host and Port are the TCP address the server listens on.
	Host string
	Port int
	// SocketDir holds the server's unix socket.
	SocketDir string

	dir     string // everything lives under here
	dataDir string
	logFile string
	bins    binaries
	as      *runAs

	mu      sync.Mutex
	stopped bool
	// watchdogIn is the write end of the watchdog's stdin: when it closes,
	// because Stop closed it or because the test binary died, the watchdog
	// stops the server and removes dir.
	watchdogIn *os.File
	watchdog   *exec.Cmd

	dbSeq     atomic.Int64
	templates sync.Map // name → *template
	// done is closed by Stop; background work (dropping databases,
	// preparing spare copies of templates) counts in bg.
	done chan struct{}
	bg   sync.WaitGroup
	// admin is a small pool on the maintenance database, for creating and
	// dropping databases without paying for a new connection each time.
	admin *pgxpool.Pool
}

var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Start returns the server shared by every test of this test binary,
// starting it on first use. It fails tb when PostgreSQL cannot be started.
func Start(tb testing.TB) *Server {
	tb.Helper()
	shared.once.Do(func() { shared.srv, shared.err = start() })
	if shared.err != nil {
		tb.Fatal(shared.err)
	}
	return shared.srv
}

// New starts a server of tb's own, stopped when tb ends. Tests that stop or
// restart the server use one so they do not disturb tests sharing Start's.
func New(tb testing.TB) *Server {
	tb.Helper()
	s, err := start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// Main runs the tests and stops the shared server afterwards. Call it from
// TestMain:
//
//	func TestMain(m *testing.M) { postgrestest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// start creates, configures and starts a new server.
func start() (*Server, error) {
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	as, err := unprivilegedUser()
	if err != nil {
		return nil, err
	}
	dir, err := makeDir(as)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Host:      "127.0.0.1",
		SocketDir: filepath.Join(dir, "sock"),
		dir:       dir,
		dataDir:   filepath.Join(dir, "data"),
		logFile:   filepath.Join(dir, "postgres.log"),
		bins:      bins,
		as:        as,
		done:      make(chan struct{}),
	}
	if err := s.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.startWatchdog(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Another process may take the free port between our probe and the
	// server's bind; try a few ports before giving up.
	for attempt := 0; ; attempt++ {
		if s.Port, err = freePort(); err == nil {
			if err = s.pgctlStart(); err == nil {
				return s, nil
			}
		}
		if attempt == 2 {
			s.Stop()
			return nil, err
		}
	}
}

// makeDir creates the server's directory where the unprivileged account can
// reach it, and gives it to that account.
func makeDir(as *runAs) (string, error) {
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return "", fmt.Errorf("postgrestest: %w", err)
	}
	if as != nil && !reachable(filepath.Dir(dir)) {
		// TMPDIR is private to root; /tmp is open to everyone.
		os.RemoveAll(dir)
		if dir, err = os.MkdirTemp("/tmp", "pgtest-"); err != nil {
			return "", fmt.Errorf("postgrestest: %w", err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sock"), 0o700); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("postgrestest: %w", err)
	}
	for _, p := range []string{dir, filepath.Join(dir, "sock")} {
		if err := as.chown(p); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// reachable reports whether every directory from dir up to / may be
// traversed by other users.
func reachable(dir string) bool {
	for {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// freePort asks the kernel for a TCP port of 127.0.0.1 nobody listens on.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("postgrestest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// init runs initdb and writes the test settings into postgresql.conf.
func (s *Server) init() error {
	out, err := s.run(s.bins.initdb,
		"-D", s.dataDir, "-U", Superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	if err != nil {
		return fmt.Errorf("postgrestest: initdb failed: %v\n%s", err, out)
	}
	// Durability is worthless for throwaway test data; turning it off makes
	// CREATE DATABASE and commits several times faster.
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
unix_socket_directories = '%s'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
`, s.SocketDir)
	f, err := os.OpenFile(filepath.Join(s.dataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("postgrestest: %w", err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("postgrestest: writing postgresql.conf: %w", err)
	}
	return nil
}

// startWatchdog starts a process, detached from the test binary's session,
// that waits for its stdin to close and then stops the server and removes
// its directory. The test binary holds the only write end of that stdin, so
// it closes however the binary ends.
func (s *Server) startWatchdog() error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("postgrestest: %w", err)
	}
	defer r.Close()
	cmd := s.as.command("/bin/sh", "-c",
		`cat >/dev/null; "$0" stop -D "$1" -m immediate -w >/dev/null 2>&1; rm -rf "$2"`,
		s.bins.pgctl, s.dataDir, s.dir)
	cmd.Stdin = r
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// Its own session, so a Ctrl-C to the test run does not kill the
	// watchdog before it has cleaned up.
	cmd.SysProcAttr.Setsid = true
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("postgrestest: starting watchdog: %w", err)
	}
	s.watchdog, s.watchdogIn = cmd, w
	return nil
}

// run runs a PostgreSQL program as the server's account and returns its
// combined output.
func (s *Server) run(name string, args ...string) ([]byte, error) {
	cmd := s.as.command(name, args...)
	// pg_ctl leaves the server running in the background; should it ever
	// hold on to our output pipe, do not wait for it forever.
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

func (s *Server) pgctlStart() error {
	out, err := s.run(s.bins.pgctl, "start", "-D", s.dataDir, "-l", s.logFile,
		"-w", "-t", "60", "-o", "-p "+strconv.Itoa(s.Port))
	if err != nil {
		return fmt.Errorf("postgrestest: pg_ctl start failed: %v\n%s\nserver log:\n%s", err, out, s.logTail())
	}
	return nil
}

func (s *Server) pgctlStop(mode string) error {
	out, err := s.run(s.bins.pgctl, "stop", "-D", s.dataDir, "-m", mode, "-w", "-t", "60")
	if err != nil {
		return fmt.Errorf("postgrestest: pg_ctl stop failed: %v\n%s", err, out)
	}
	return nil
}

// logTail returns the end of the server log, for failure messages.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logFile)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// URL returns the postgres:// URL of a database of the server.
func (s *Server) URL(database string) string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable",
		Superuser, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), database)
}

// Down stops the server (pg_ctl stop -m fast) but keeps its data, so Up can
// start it again on the same port: an outage as clients see it.
func (s *Server) Down(tb testing.TB) {
	tb.Helper()
	if err := s.pgctlStop("fast"); err != nil {
		tb.Fatal(err)
	}
}

// Up starts a server stopped by Down again, on the same port.
func (s *Server) Up(tb testing.TB) {
	tb.Helper()
	if err := s.pgctlStart(); err != nil {
		tb.Fatal(err)
	}
}

// Restart stops the server and starts it again on the same port; open
// connections break and clients must reconnect.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.Down(tb)
	s.Up(tb)
}

// Stop shuts the server down and removes its directory. It is safe to call
// more than once.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	close(s.done)
	s.mu.Unlock()
	// Let background work finish; none starts after stopped is set.
	s.bg.Wait()
	s.mu.Lock()
	if s.admin != nil {
		s.admin.Close()
	}
	var err error
	if _, statErr := os.Stat(filepath.Join(s.dataDir, "postmaster.pid")); statErr == nil {
		err = s.pgctlStop("fast")
	}
	if s.watchdogIn != nil {
		s.watchdogIn.Close()
		s.watchdog.Wait()
	}
	os.RemoveAll(s.dir)
	return err
}
