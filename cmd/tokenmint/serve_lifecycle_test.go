package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/smtp/smtptest"
	"tokenmint/sqlite"
)

// lockedBuffer is stderr shared with the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond every 20 ms until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// `tokenmint serve` runs the lifecycle jobs and sends mail through the
// configured SMTP server, and on SIGTERM stops them and flushes usage.
func TestServeRunsJobsAndFlushesUsageOnShutdown(t *testing.T) {
	mail := smtptest.Start(t, smtptest.Options{})
	dataDir := t.TempDir()
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", "serve-admin-password")
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- runServe([]string{
			"--data-dir", dataDir, "--listen", "127.0.0.1:0", "--usage-flush", "1h", "--job-interval", "100ms",
			"--smtp-host", mail.Host, "--smtp-port", strconv.Itoa(mail.Port), "--smtp-from", "tm@example.com", "--smtp-starttls", "none",
		}, nil, &bytes.Buffer{}, &stderr)
	}()
	addrRE := regexp.MustCompile(`tokenmint listening"? addr=(\S+)`)
	var base string
	waitFor(t, 10*time.Second, func() bool {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
			return true
		}
		return false
	}, "the server to listen")

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	call := func(method, path, body, csrf string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, m)
		}
		return m
	}
	csrf := call("POST", "/api/v1/auth/login", `{"username":"admin","password":"serve-admin-password"}`, "")["csrf_token"].(string)
	call("PATCH", "/api/v1/users/admin", `{"email":"admin@example.com"}`, csrf)
	tok := call("POST", "/api/v1/tokens", `{"type":"CIToken","name":"soon","days_to_live":2}`, csrf)
	plain, id := tok["token"].(string), tok["id"].(string)

	// The token expires within the 7-day notice window: the next job run
	// mails the owner.
	waitFor(t, 5*time.Second, func() bool { return len(mail.Messages()) == 1 }, "the expiry notice")
	if m := mail.Messages()[0]; m.To[0] != "admin@example.com" || !strings.Contains(m.Subject, `"soon" expires on`) {
		t.Errorf("mail = %+v", m)
	}

	for i := 0; i < 25; i++ {
		if code := verifyOn(base, plain); code != 200 {
			t.Fatalf("verify: %d", code)
		}
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}

	// Usage was buffered for an hour-long flush interval: only the
	// shutdown flush can have written it.
	db, err := sqlite.Open(filepath.Join(dataDir, "tokenmint.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tn, _ := db.TenantByName(context.Background(), "default")
	usage, err := db.TokenUsage(context.Background(), tn.ID, id, tokenmint.Page{})
	if err != nil || len(usage) != 1 || usage[0].Count != 25 {
		t.Fatalf("usage after shutdown = %+v, %v; want 25 uses from one IP", usage, err)
	}
	if len(mail.Messages()) != 1 {
		t.Errorf("%d mails, want exactly one", len(mail.Messages()))
	}
}
