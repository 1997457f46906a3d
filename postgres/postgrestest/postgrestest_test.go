package postgrestest_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"tokenmint/postgres/postgrestest"
)

func TestMain(m *testing.M) { postgrestest.Main(m) }

func TestSharedServerQuery(t *testing.T) {
	srv := postgrestest.Start(t)
	if again := postgrestest.Start(t); again != srv {
		t.Fatal("Start returned a second server; want one per test binary")
	}
	url := srv.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT 1 + 1").Scan(&n); err != nil || n != 2 {
		t.Fatalf("SELECT 1 + 1 = %d, %v", n, err)
	}
	var fsync string
	if err := conn.QueryRow(ctx, "SHOW fsync").Scan(&fsync); err != nil || fsync != "off" {
		t.Fatalf("fsync = %q, %v; want off", fsync, err)
	}
	if _, err := os.Stat(filepath.Join(srv.SocketDir, ".s.PGSQL."+strconv.Itoa(srv.Port))); err != nil {
		t.Errorf("unix socket missing: %v", err)
	}
}

func TestDatabasesAreSeparate(t *testing.T) {
	srv := postgrestest.Start(t)
	ctx := context.Background()
	a, b := srv.NewDatabase(t), srv.NewDatabase(t)
	if a == b {
		t.Fatalf("NewDatabase returned %s twice", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, "CREATE TABLE only_in_a (x int)"); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	if _, err := cb.Exec(ctx, "SELECT * FROM only_in_a"); err == nil {
		t.Fatal("table of one test database is visible in another")
	}
}

func TestRestartPoolReconnects(t *testing.T) {
	srv := postgrestest.New(t) // its own server: restarting it disturbs no other test
	url := srv.NewDatabase(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "CREATE TABLE survives (x int); INSERT INTO survives VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	port := srv.Port

	srv.Down(t)
	if err := pool.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded while the server was down")
	}
	srv.Up(t)
	if srv.Port != port {
		t.Fatalf("port changed from %d to %d across a restart", port, srv.Port)
	}

	srv.Restart(t)
	// The pool's idle connections died with the old server; it must notice
	// and dial again rather than fail forever.
	var x int
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = pool.QueryRow(ctx, "SELECT x FROM survives").Scan(&x)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || x != 42 {
		t.Fatalf("after restart: x = %d, %v", x, err)
	}
}

func TestStopIsIdempotent(t *testing.T) {
	srv := postgrestest.New(t)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, srv.URL("postgres")); err == nil {
		conn.Close(ctx)
		t.Fatal("server still answers after Stop")
	}
}

// templateRuns numbers the runs of TestTemplate in this process.
var templateRuns atomic.Int32

func TestTemplate(t *testing.T) {
	srv := postgrestest.Start(t)
	ctx := context.Background()
	setups := 0
	setup := func(url string) error {
		setups++
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "CREATE TABLE seeded (x int); INSERT INTO seeded VALUES (7)")
		return err
	}
	// The shared server keeps templates for the whole process: a name of
	// this run's own keeps the test true under -count=N.
	name := "seeded_template_" + strconv.Itoa(int(templateRuns.Add(1)))
	tmpl := srv.Template(t, name, setup)
	if again := srv.Template(t, name, setup); again != tmpl || setups != 1 {
		t.Fatalf("second Template call: %q, setup ran %d times; want once", again, setups)
	}
	for range 2 {
		conn, err := pgx.Connect(ctx, srv.NewDatabaseFrom(t, tmpl))
		if err != nil {
			t.Fatal(err)
		}
		var x int
		err = conn.QueryRow(ctx, "SELECT x FROM seeded").Scan(&x)
		conn.Close(ctx)
		if err != nil || x != 7 {
			t.Fatalf("copy of template: x = %d, %v", x, err)
		}
	}
}
