package postgrestest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// binaries are the PostgreSQL programs the harness runs.
type binaries struct {
	initdb string
	pgctl  string
}

// findBinaries looks for initdb and pg_ctl on PATH first, then in the
// versioned directories Debian/Ubuntu (/usr/lib/postgresql/N/bin) and the
// PGDG RPMs (/usr/pgsql-N/bin) use, newest version first. Both programs must
// come from the same directory so their versions match.
func findBinaries() (binaries, error) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if pgctl, err := exec.LookPath("pg_ctl"); err == nil {
			return binaries{initdb: initdb, pgctl: pgctl}, nil
		}
	}
	var dirs []string
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin"} {
		m, _ := filepath.Glob(pattern)
		dirs = append(dirs, m...)
	}
	// Prefer the newest major version: sort by the number in the path.
	sort.SliceStable(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		b := binaries{initdb: filepath.Join(dir, "initdb"), pgctl: filepath.Join(dir, "pg_ctl")}
		if isExecutable(b.initdb) && isExecutable(b.pgctl) {
			return b, nil
		}
	}
	return binaries{}, errors.New("postgrestest: PostgreSQL server binaries (initdb, pg_ctl) not found on PATH " +
		"nor under /usr/lib/postgresql/*/bin or /usr/pgsql-*/bin; install the server " +
		"(Debian/Ubuntu: apt-get install postgresql) — these tests need a real PostgreSQL and are never skipped")
}

func versionOf(dir string) int {
	for _, part := range strings.FieldsFunc(dir, func(r rune) bool { return r < '0' || r > '9' }) {
		if n, err := strconv.Atoi(part); err == nil {
			return n
		}
	}
	return 0
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// runAs is the unprivileged account PostgreSQL runs under when the tests run
// as root; nil when they do not.
type runAs struct {
	name     string
	uid, gid uint32
}

// unprivilegedUser picks the account to run initdb and the server under.
// PostgreSQL refuses to run as root, and CI containers often run tests as
// root, so the harness drops to the "postgres" account the server package
// creates, or to "nobody" when that does not exist.
func unprivilegedUser() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &runAs{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, errors.New("postgrestest: running as root and neither a \"postgres\" nor a \"nobody\" account exists; " +
		"PostgreSQL refuses to run as root (create one with: useradd --system postgres)")
}

// command builds a command that runs as the unprivileged account, if any.
// Go switches the user in the child between fork and exec, which needs no
// su/runuser (and no PAM) and works in minimal containers.
func (r *runAs) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	if r != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: r.uid, Gid: r.gid, Groups: []uint32{}},
		}
		cmd.Env = append(cmd.Env, "HOME="+os.TempDir(), "USER="+r.name, "LOGNAME="+r.name)
	}
	return cmd
}

// chown gives path to the unprivileged account, if any.
func (r *runAs) chown(path string) error {
	if r == nil {
		return nil
	}
	if err := os.Chown(path, int(r.uid), int(r.gid)); err != nil {
		return fmt.Errorf("postgrestest: chown %s to %s: %w", path, r.name, err)
	}
	return nil
}
