package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildServer builds the tokenmint binary into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tokenmint")
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = "/usr/local/go/bin/go"
	}
	cmd := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// procMemory reads a process's peak and current resident memory in bytes
// (VmHWM, VmRSS of /proc/PID/status).
func procMemory(t *testing.T, pid int) (peak, now int64) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmHWM:":
			peak = kb << 10
		case "VmRSS:":
			now = kb << 10
		}
	}
	if peak == 0 || now == 0 {
		t.Fatalf("no VmHWM/VmRSS in /proc/%d/status", pid)
	}
	return peak, now
}

// A burst of 1,000 concurrent logins, each from its own client address
// (behind a trusted proxy) for its own user name, so that no throttle
// stops any of them: only the password-check gate stands between them
// and 1,000 argon2id checks of 46 MiB at once (46 GiB). The real server,
// as a child process, must stay under 1 GiB of resident memory and keep
// answering verifies of a valid token during and after the burst. Before
// the gate, 200 such logins took the server from 118 MB to 9 GB.
func TestLoginBurstKeepsMemoryBoundedAndVerifyAnswering(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	clearServerEnv(t)
	bin := buildServer(t)
	dir := filepath.Join(t.TempDir(), "data")
	env := append(os.Environ(), "TOKENMINT_ADMIN_PASSWORD=burst-admin-pw")
	initCmd := exec.Command(bin, "init", "--data-dir", dir)
	initCmd.Env = env
	if out, err := initCmd.CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	srv := startChild(t, bin, env, "--data-dir", dir, "--trusted-proxies", "127.0.0.1/32")
	base := srv.base
	admin, st := loginTo(t, base, "admin", "burst-admin-pw")
	if st != http.StatusOK {
		t.Fatalf("admin login: %d", st)
	}
	tok, _, st := admin.createToken("CIToken")
	if st != http.StatusCreated {
		t.Fatalf("create token: %d", st)
	}
	if st := verifyOn(base, tok); st != http.StatusOK {
		t.Fatalf("verify before the burst: %d", st)
	}
	before, _ := procMemory(t, srv.cmd.Process.Pid)

	const n = 1000
	statuses := make(chan int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	tr := &http.Transport{MaxIdleConnsPerHost: n}
	// Generous: on a loaded machine the gate's queue drains slowly, and a
	// client giving up is not the server failing.
	client := &http.Client{Transport: tr, Timeout: 180 * time.Second}
	var firstErr sync.Once
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body := fmt.Sprintf(`{"username":"burst-user-%d","password":"wrong-password"}`, i)
			req, _ := http.NewRequest("POST", base+"/api/v1/auth/login", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.1", i/250, i%250+1))
			resp, err := client.Do(req)
			if err != nil {
				firstErr.Do(func() { t.Logf("first client error: %v", err) })
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	// Verifies of the valid token run through the burst.
	done := make(chan struct{})
	verifies := make(chan int, 10_000)
	go func() {
		defer close(verifies)
		for {
			select {
			case <-done:
				return
			default:
			}
			verifies <- verifyOn(base, tok)
		}
	}()
	close(start)
	wg.Wait()
	close(done)
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	vcount := map[int]int{}
	for st := range verifies {
		vcount[st]++
	}
	peak, now := procMemory(t, srv.cmd.Process.Pid)
	t.Logf("%d concurrent logins: statuses %v; verifies during the burst: %v; resident memory before %d MiB, peak %d MiB, after %d MiB",
		n, count, vcount, before>>20, peak>>20, now>>20)
	// A client that gave up (0) is the test machine's load, not an answer;
	// every answer the server gave must be a refusal, never a 5xx.
	if count[http.StatusUnauthorized]+count[http.StatusTooManyRequests]+count[0] != n || count[0] > n/2 {
		t.Errorf("the burst's answers: %v, want only 401 and 429", count)
	}
	if count[http.StatusTooManyRequests] == 0 {
		t.Errorf("no login was refused for lack of a password-check slot: %v", count)
	}
	answered := 0 // verifies the server answered (0: the client gave up)
	for st, c := range vcount {
		if st != 0 {
			answered += c
		}
	}
	if vcount[http.StatusOK] == 0 || vcount[http.StatusOK] != answered {
		t.Errorf("verifies of a valid token during the burst: %v, want only 200", vcount)
	}
	if st := verifyOn(base, tok); st != http.StatusOK {
		t.Errorf("verify after the burst: %d", st)
	}
	if peak >= 1<<30 {
		t.Errorf("peak resident memory %d MiB, want under 1 GiB", peak>>20)
	}
}
