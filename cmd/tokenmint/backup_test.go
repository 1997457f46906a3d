package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"tokenmint"
	"tokenmint/postgres/postgrestest"
)

// acknowledged is what the writers were told before a backup began.
type acknowledged struct {
	mu      sync.Mutex
	live    []string // created, never revoked
	revoked []string // revocation acknowledged
}

// writeDuring runs writers that create tokens and revoke every other one
// on s, calls backup once they have written a while, and keeps them
// writing while it runs. It returns what was acknowledged before backup
// was called: a response read after the call began is left out, since the
// snapshot may or may not hold it.
func writeDuring(t *testing.T, s *session, backup func()) *acknowledged {
	t.Helper()
	var (
		ack      acknowledged
		started  atomic.Bool
		stop     atomic.Bool
		created  atomic.Int64
		during   atomic.Int64
		until    atomic.Int64 // once set, writers stop when during reaches it
		wg       sync.WaitGroup
		warmedUp = make(chan struct{})
		once     sync.Once
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				plain, id, st := s.createToken("CIToken")
				if st != 201 {
					t.Errorf("create: %d", st)
					return
				}
				before := !started.Load()
				if !before {
					if n, u := during.Add(1), until.Load(); u > 0 && n >= u {
						stop.Store(true)
					}
				}
				if created.Add(1) == 40 {
					once.Do(func() { close(warmedUp) })
				}
				if (w+i)%2 == 0 {
					if before {
						ack.mu.Lock()
						ack.live = append(ack.live, plain)
						ack.mu.Unlock()
					}
					continue
				}
				if st, body := s.call("DELETE", "/api/v1/tokens/"+id, ""); st != 204 {
					t.Errorf("revoke: %d %s", st, body)
					return
				}
				if !started.Load() {
					ack.mu.Lock()
					ack.revoked = append(ack.revoked, plain)
					ack.mu.Unlock()
				}
			}
		})
	}
	<-warmedUp
	started.Store(true)
	backup()
	// The writers went on during the backup; they write a little more so
	// the last of it overlaps for sure, then stop.
	until.Store(during.Load() + 8)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d tokens created, %d of them answered after the backup began; checking %d live and %d revoked",
		created.Load(), during.Load(), len(ack.live), len(ack.revoked))
	return &ack
}

// check verifies on base that every acknowledged token verifies and every
// acknowledged revocation holds.
func (a *acknowledged) check(t *testing.T, base string) {
	t.Helper()
	if len(a.live) == 0 || len(a.revoked) == 0 {
		t.Fatalf("nothing to check: %d live, %d revoked", len(a.live), len(a.revoked))
	}
	for _, tok := range a.live {
		if st := verifyOn(base, tok); st != 200 {
			t.Errorf("a token created before the backup answers %d after the restore", st)
		}
	}
	for _, tok := range a.revoked {
		if st := verifyOn(base, tok); st != 401 {
			t.Errorf("a token revoked before the backup answers %d after the restore", st)
		}
	}
}

// cliRun runs a tokenmint command in process.
func cliRun(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(args, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("tokenmint %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	return out.String()
}

// A SQLite installation backed up while it serves writes restores into a
// new data directory whose server accepts every token acknowledged before
// the backup and refuses every revocation acknowledged before it.
func TestBackupAndRestoreSQLiteWhileServing(t *testing.T) {
	dir, archive, restored := t.TempDir(), filepath.Join(t.TempDir(), "backup.tgz"), filepath.Join(t.TempDir(), "restored")
	in := openInstance(t, "", tokenmint.SystemClock{}, func(c *serverConfig) {
		// The keys live in the data directory, as on a single server.
		c.DataDir, c.Pepper, c.MasterKey = dir, "", ""
	})
	in.runBackground(t)
	ack := writeDuring(t, in.login(t), func() {
		cliRun(t, "backup", "--data-dir", dir, "--out", archive)
	})
	st, err := os.Stat(archive)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %v, want 0600", st.Mode().Perm())
	}
	cliRun(t, "restore", "--data-dir", restored, archive)
	for _, name := range []string{"tokenmint.db", "pepper", "master.key"} {
		st, err := os.Stat(filepath.Join(restored, name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("restored %s: %v %v", name, st, err)
		}
	}
	copyOf := openInstance(t, "", tokenmint.SystemClock{}, func(c *serverConfig) {
		c.DataDir, c.Pepper, c.MasterKey = restored, "", ""
	})
	ack.check(t, copyOf.srv.URL)
	// A restore never overwrites an installation.
	var out, errOut bytes.Buffer
	if code := run([]string{"restore", "--data-dir", dir, archive}, strings.NewReader(""), &out, &errOut); code == 0 {
		t.Error("restore into a data directory in use succeeded")
	}
}

// The PostgreSQL way: pg_dump of the live database plus the key material,
// restored into a new empty database, serves every token acknowledged
// before the backup.
func TestBackupAndRestorePostgreSQLWhileServing(t *testing.T) {
	srv := postgrestest.Start(t)
	url, newURL := srv.NewDatabase(t), srv.NewDatabase(t)
	archive, restored := filepath.Join(t.TempDir(), "backup.tgz"), filepath.Join(t.TempDir(), "restored")
	in := startInstance(t, url)
	// The operator runs the backup with the installation's environment.
	t.Setenv("TOKENMINT_PEPPER", clusterPepper)
	t.Setenv("TOKENMINT_MASTER_KEY", clusterMasterKey)
	ack := writeDuring(t, in.login(t), func() {
		cliRun(t, "backup", "--database", url, "--out", archive, "--pg-dump", pgTool(t, "pg_dump"))
	})
	cliRun(t, "restore", "--data-dir", restored, "--database", newURL, "--pg-restore", pgTool(t, "pg_restore"), archive)
	pepper, err := os.ReadFile(filepath.Join(restored, "pepper"))
	if err != nil {
		t.Fatal(err)
	}
	masterKey, err := os.ReadFile(filepath.Join(restored, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	copyOf := startInstanceWith(t, newURL, func(c *serverConfig) {
		c.Pepper, c.MasterKey = strings.TrimSpace(string(pepper)), strings.TrimSpace(string(masterKey))
	})
	ack.check(t, copyOf.srv.URL)
}

// pgTool finds a PostgreSQL client program: on PATH, else next to the
// server binaries Debian installs under /usr/lib/postgresql/N/bin.
func pgTool(t *testing.T, name string) string {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	return name
}
