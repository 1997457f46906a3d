package main

import (
	"bufio"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"tokenmint/postgres/postgrestest"
	"tokenmint/sqlite"
)

// child is a tokenmint server running as a child process.
type child struct {
	cmd  *exec.Cmd
	base string
}

// startChild runs bin serve with env and waits until it listens.
func startChild(t *testing.T, bin string, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd}
	t.Cleanup(c.kill)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case a := <-addr:
		c.base = "http://" + a
	case <-time.After(90 * time.Second): // a bound for a loaded machine, not a speed check
		t.Fatal("the server did not start listening")
	}
	return c
}

// kill ends the child with SIGKILL: no shutdown, no flush, no cleanup.
func (c *child) kill() {
	if c.cmd.ProcessState != nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

// ledger is what clients were told, across every round of crashes.
type ledger struct {
	mu        sync.Mutex
	live      map[string]string // token ID → its current secret; creation acknowledged, nothing in flight
	doubt     map[string]bool   // a rotation or revocation was sent and not answered
	revoked   map[string]string // revocation acknowledged → a secret of it
	retired   []string          // secrets replaced by an acknowledged rotation without grace
	single    map[string]string // single-use token ID → secret
	spent     map[string]int    // single-use token ID → verifications answered 200
	attempted map[string]int64  // token ID → verifications sent (answered or not)
	created   int
	rotations int
	// checked marks the revocations, and counts the retired secrets,
	// checked after an earlier crash: rounds check what is new, the last
	// round everything.
	checked        map[string]bool
	retiredChecked int
	// stop ends the round's work once a server was killed: the workers on
	// the survivor stop too, so the round's checks see a quiet database.
	stop atomic.Bool
}

func newLedger() *ledger {
	return &ledger{live: map[string]string{}, doubt: map[string]bool{}, revoked: map[string]string{},
		single: map[string]string{}, spent: map[string]int{}, attempted: map[string]int64{}, checked: map[string]bool{}}
}

// take removes a random live token for one operation.
func (l *ledger) take(r *rand.Rand) (id, plain string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := r.IntN(len(l.live) + 1)
	for id, plain = range l.live {
		if n == 0 {
			delete(l.live, id)
			l.doubt[id] = true
			return id, plain, true
		}
		n--
	}
	return "", "", false
}

func (l *ledger) settle(id, plain string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.doubt, id)
	l.live[id] = plain
}

// work drives creates, rotations, revocations, single-use spends and
// verifications (usage) on the servers until one stops answering.
func (l *ledger) work(s *session, bases []string, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 7))
	base := func() string { return bases[r.IntN(len(bases))] }
	for i := 0; !l.stop.Load(); i++ {
		switch i % 5 {
		case 0:
			plain, id, st := s.createToken("CIToken")
			if st != 201 {
				return
			}
			l.mu.Lock()
			l.live[id], l.created = plain, l.created+1
			l.mu.Unlock()
		case 1:
			id, old, ok := l.take(r)
			if !ok {
				continue
			}
			st, body := s.call("POST", "/api/v1/tokens/"+id+"/rotate", `{"grace_seconds":0}`)
			if st != 200 {
				return // in doubt: either secret may be the one
			}
			var m map[string]any
			json.Unmarshal(body, &m)
			l.mu.Lock()
			l.retired, l.rotations = append(l.retired, old), l.rotations+1
			l.mu.Unlock()
			l.settle(id, m["token"].(string))
		case 2:
			id, plain, ok := l.take(r)
			if !ok {
				continue
			}
			if st, _ := s.call("DELETE", "/api/v1/tokens/"+id, ""); st != 204 {
				return
			}
			l.mu.Lock()
			delete(l.doubt, id)
			l.revoked[id] = plain
			l.mu.Unlock()
		case 3:
			plain, id, st := s.createToken("ScanCentralOneTimeJobToken")
			if st != 201 {
				return
			}
			l.mu.Lock()
			l.single[id] = plain
			l.mu.Unlock()
			// Three verifications at once, on any instance, race for its one use.
			var wg sync.WaitGroup
			for range 3 {
				b := base()
				wg.Go(func() {
					if verifyFor(b, plain, "results:upload") == 200 {
						l.mu.Lock()
						l.spent[id]++
						l.mu.Unlock()
					}
				})
			}
			wg.Wait()
		case 4:
			id, plain, ok := l.take(r)
			if !ok {
				continue
			}
			l.mu.Lock()
			l.attempted[id]++
			l.mu.Unlock()
			if verifyOn(base(), plain) != 200 {
				return
			}
			l.settle(id, plain)
		}
	}
}

// check holds the restarted servers to everything acknowledged.
func (l *ledger) check(t *testing.T, s *session, base string, all bool) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, plain := range l.live {
		if st := verifyOn(base, plain); st != 200 {
			t.Errorf("token %s, created (or rotated) and acknowledged, answers %d after the crash", id, st)
		}
		l.attempted[id]++
		st, body := s.call("GET", "/api/v1/tokens/"+id, "")
		var tok struct {
			Uses int64 `json:"uses"`
		}
		json.Unmarshal(body, &tok)
		if st != 200 || tok.Uses > l.attempted[id] {
			t.Errorf("token %s: %d, %d uses counted of %d verifications sent", id, st, tok.Uses, l.attempted[id])
		}
	}
	for id := range l.doubt {
		if st, _ := s.call("GET", "/api/v1/tokens/"+id, ""); st != 200 {
			t.Errorf("token %s, created and acknowledged, answers %d after the crash", id, st)
		}
	}
	for id, plain := range l.revoked {
		if l.checked[id] && !all {
			continue
		}
		l.checked[id] = true
		if st := verifyOn(base, plain); st != 401 {
			t.Errorf("token %s, revoked and acknowledged, answers %d after the crash", id, st)
		}
	}
	from := l.retiredChecked
	if all {
		from = 0
	}
	for _, plain := range l.retired[from:] {
		if st := verifyOn(base, plain); st != 401 {
			t.Errorf("a secret replaced by an acknowledged rotation answers %d after the crash", st)
		}
	}
	l.retiredChecked = len(l.retired)
	for id, plain := range l.single {
		if verifyFor(base, plain, "results:upload") == 200 {
			l.spent[id]++
		}
		if l.spent[id] > 1 {
			t.Errorf("single-use token %s was accepted %d times", id, l.spent[id])
		}
	}
}

// crashRounds runs rounds of work against the servers, SIGKILLs the one
// restart returns at a random moment, restarts it, and checks the ledger.
func crashRounds(t *testing.T, rounds int, servers func() []string, login func(base string) *session,
	crash func(r *rand.Rand) (base string)) *ledger {
	t.Helper()
	l := newLedger()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for round := range rounds {
		bases := servers()
		l.stop.Store(false)
		var wg sync.WaitGroup
		sessions := map[string]*session{}
		for w := range 4 {
			b := bases[w%len(bases)]
			if sessions[b] == nil {
				sessions[b] = login(b)
			}
			s, seed := sessions[b], r.Uint64()
			wg.Go(func() { l.work(s, bases, seed) })
		}
		base := crash(r)
		l.stop.Store(true)
		wg.Wait()
		l.check(t, login(base), base, round == rounds-1)
		if t.Failed() {
			t.Fatalf("round %d failed", round+1)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	spent := 0
	for _, n := range l.spent {
		spent += n
	}
	t.Logf("%d rounds: %d tokens created, %d rotated, %d revoked, %d single-use tokens (%d accepted), %d live checked, %d in doubt at a crash",
		rounds, l.created, l.rotations, len(l.revoked), len(l.single), spent, len(l.live), len(l.doubt))
	return l
}

func mustLogin(t *testing.T, base, password string) *session {
	t.Helper()
	s, st := loginTo(t, base, "admin", password)
	if st != http.StatusOK {
		t.Fatalf("login: %d", st)
	}
	return s
}

// The server, killed with SIGKILL at random moments under a load of
// creates, rotations, revocations, single-use spends and verifications,
// loses nothing it acknowledged, revives no revocation, spends no
// single-use token twice and counts no use it was not asked for. The
// binary is built once (without -race) for both databases.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	clearServerEnv(t)
	bin := buildServer(t)
	t.Run("SQLite", func(t *testing.T) { crashSafetySQLite(t, bin) })
	t.Run("PostgreSQLTwoInstances", func(t *testing.T) { crashSafetyPostgreSQL(t, bin) })
}

// crashSafetySQLite kills the one server; the file must also pass PRAGMA
// integrity_check after every kill.
func crashSafetySQLite(t *testing.T, bin string) {
	dir := filepath.Join(t.TempDir(), "data")
	env := append(os.Environ(), "TOKENMINT_ADMIN_PASSWORD=crash-admin-pw", "TOKENMINT_USAGE_FLUSH=100ms")
	initCmd := exec.Command(bin, "init", "--data-dir", dir)
	initCmd.Env = env
	if out, err := initCmd.CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	srv := startChild(t, bin, env, "--data-dir", dir)
	crashRounds(t, 6,
		func() []string { return []string{srv.base} },
		func(base string) *session { return mustLogin(t, base, "crash-admin-pw") },
		func(r *rand.Rand) string {
			time.Sleep(time.Duration(150+r.IntN(450)) * time.Millisecond)
			srv.kill()
			findings, err := sqlite.IntegrityCheck(context.Background(), filepath.Join(dir, "tokenmint.db"))
			if err != nil || len(findings) > 0 {
				t.Errorf("integrity_check after SIGKILL: %v %v", findings, err)
			}
			srv = startChild(t, bin, env, "--data-dir", dir)
			return srv.base
		})
}

// crashSafetyPostgreSQL runs two instances on one PostgreSQL database and
// kills one of them while both serve the load, then restarts it. The same
// guarantees hold, checked on the survivor and, in later rounds, on both.
func crashSafetyPostgreSQL(t *testing.T, bin string) {
	url := postgrestest.Start(t).NewDatabase(t)
	env := append(os.Environ(), "TOKENMINT_ADMIN_PASSWORD=crash-admin-pw", "TOKENMINT_USAGE_FLUSH=100ms",
		"TOKENMINT_DATABASE="+url, "TOKENMINT_PEPPER="+clusterPepper, "TOKENMINT_MASTER_KEY="+clusterMasterKey)
	victim := startChild(t, bin, env, "--data-dir", t.TempDir())
	survivor := startChild(t, bin, env, "--data-dir", t.TempDir())
	crashRounds(t, 5,
		func() []string { return []string{victim.base, survivor.base} },
		func(base string) *session { return mustLogin(t, base, "crash-admin-pw") },
		func(r *rand.Rand) string {
			time.Sleep(time.Duration(150+r.IntN(450)) * time.Millisecond)
			victim.kill()
			// The survivor keeps serving; the ledger is checked on it
			// before the victim is back, and on both in the next rounds.
			time.Sleep(time.Duration(r.IntN(100)) * time.Millisecond)
			victim = startChild(t, bin, env, "--data-dir", t.TempDir())
			return survivor.base
		})
}
