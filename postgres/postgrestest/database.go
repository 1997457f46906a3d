package postgrestest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// dbName returns a new database name that says what it is for.
func (s *Server) dbName(purpose string) string {
	name := fmt.Sprintf("t%d_%s", s.dbSeq.Add(1), unsafeName.ReplaceAllString(strings.ToLower(purpose), "_"))
	if len(name) > 63 { // PostgreSQL's identifier limit
		name = name[:63]
	}
	return name
}

// NewDatabase creates an empty database for tb, dropped when tb ends, and
// returns its URL.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := s.dbName(tb.Name())
	if err := s.createDatabase(name, "template1"); err != nil {
		tb.Fatalf("postgrestest: creating database %s: %v", name, err)
	}
	tb.Cleanup(func() { s.dropLater(name) })
	return s.URL(name)
}

// NewDatabaseFrom returns the URL of a database for tb that is a copy of a
// template made by Template, dropped when tb ends. Copying a migrated
// template is much faster than migrating an empty database in every test,
// and the copy is usually made ahead, while the previous test runs.
func (s *Server) NewDatabaseFrom(tb testing.TB, template string) string {
	tb.Helper()
	v, ok := s.templates.Load(template)
	if !ok {
		tb.Fatalf("postgrestest: %s is not a template made by Template", template)
	}
	var name string
	select {
	case name = <-v.(*tmpl).spares:
	case <-s.done:
		tb.Fatal("postgrestest: server stopped")
	}
	if name == "" {
		// The copy made ahead failed; make one now to report why.
		name = s.dbName(tb.Name())
		if err := s.createDatabase(name, template); err != nil {
			tb.Fatalf("postgrestest: creating database %s from %s: %v", name, template, err)
		}
	}
	tb.Cleanup(func() { s.dropLater(name) })
	return s.URL(name)
}

// spares is how many copies of a template are kept ready.
const spares = 2

// tmpl is a template database prepared once per server.
type tmpl struct {
	once   sync.Once
	err    error
	spares chan string // ready copies; "" when making one failed
}

// Template returns the name of a template database prepared once per
// server: the first call creates database name, runs setup on its URL (for
// example applying migrations), closes it to connections so it can be
// copied, and starts keeping copies ready for NewDatabaseFrom. Later calls
// with the same name return at once. setup must close every connection it
// opened.
func (s *Server) Template(tb testing.TB, name string, setup func(url string) error) string {
	tb.Helper()
	v, _ := s.templates.LoadOrStore(name, &tmpl{spares: make(chan string, spares)})
	t := v.(*tmpl)
	t.once.Do(func() {
		if t.err = s.makeTemplate(name, setup); t.err == nil {
			s.background(func() { s.makeSpares(name, t.spares) })
		}
	})
	if t.err != nil {
		tb.Fatal(t.err)
	}
	return name
}

func (s *Server) makeTemplate(name string, setup func(url string) error) error {
	if err := s.createDatabase(name, "template1"); err != nil {
		return fmt.Errorf("postgrestest: creating template %s: %w", name, err)
	}
	if err := setup(s.URL(name)); err != nil {
		return fmt.Errorf("postgrestest: preparing template %s: %w", name, err)
	}
	// CREATE DATABASE refuses to copy a database others are connected to;
	// closing it to connections keeps it that way, and the backends of
	// setup's connections may take a moment to exit.
	ident := pgx.Identifier{name}.Sanitize()
	if err := s.exec("ALTER DATABASE " + ident + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("postgrestest: closing template %s: %w", name, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := s.adminPool().QueryRow(context.Background(),
			"SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name).Scan(&n)
		if err != nil {
			return fmt.Errorf("postgrestest: template %s: %w", name, err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgrestest: template %s: setup left %d connections open", name, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// makeSpares keeps copies of a template ready until the server stops.
func (s *Server) makeSpares(template string, ready chan<- string) {
	for {
		name := s.dbName(template + "_copy")
		if err := s.createDatabase(name, template); err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			fmt.Fprintf(os.Stderr, "postgrestest: copying %s: %v\n", template, err)
			name = ""
		}
		select {
		case ready <- name:
		case <-s.done:
			return
		}
	}
}

func (s *Server) createDatabase(name, template string) error {
	return s.exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize()))
}

// dropLater drops a test's database in the background: the next test need
// not wait for it. A failed drop only costs disk space until Stop removes
// the whole server, so it is reported but fails no test.
func (s *Server) dropLater(name string) {
	s.background(func() {
		// FORCE ends connections a test left open.
		if err := s.exec("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "postgrestest: dropping database %s: %v\n", name, err)
		}
	})
}

// background runs f in a goroutine that Stop waits for, unless the server
// is stopping already.
func (s *Server) background(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f()
	}()
}

// adminPool returns the pool on the maintenance database, opening it on
// first use.
func (s *Server) adminPool() *pgxpool.Pool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.admin == nil {
		cfg, err := pgxpool.ParseConfig(s.URL("postgres"))
		if err != nil {
			panic(err) // the URL is ours
		}
		cfg.MaxConns = 4
		s.admin, err = pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			panic(err) // NewWithConfig only fails on a bad config
		}
	}
	return s.admin
}

// exec runs one statement in the maintenance database. A connection the
// server closed (by Restart, say) is noticed by the pool on the next try,
// so a failure that is not the server's answer is tried once more.
func (s *Server) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := s.adminPool().Exec(ctx, sql)
	var pe *pgconn.PgError
	if err != nil && !errors.As(err, &pe) {
		_, err = s.adminPool().Exec(ctx, sql)
	}
	return err
}
