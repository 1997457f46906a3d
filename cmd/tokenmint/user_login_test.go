package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// Guessers past the per-user ceiling keep even the owner out; the
// operator's `tokenmint user set-password`, run on the server's database
// while it serves, sets a new password and clears the user's throttle.
func TestUserSetPasswordLetsALockedOutAdminBackIn(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", "first-admin-pw")
	if code := run([]string{"init", "--data-dir", dir}, nil, &out, &errb); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errb.String())
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The server's clock stands still, so the one-minute windows cannot
	// roll over however slowly a loaded machine runs the 100 real argon2
	// checks below.
	clock := tokenmint.NewFakeClock(time.Now())
	a, err := openApp(context.Background(), &serverConfig{DataDir: dir}, log, clock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	t.Cleanup(func() { srv.Close(); a.close(context.Background()) })
	login := func(pw string) int {
		resp, err := http.Post(srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// A spray from many addresses, each within its own limit, reaches the
	// per-user ceiling (10 × 10 a minute).
	for ip := 1; ip <= 10; ip++ {
		ctx := service.ContextWithClientIP(context.Background(), "203.0.113."+strconv.Itoa(ip))
		for range tokenmint.DefaultLoginFailuresPerMinute {
			if _, err := a.svc.CheckPassword(ctx, "", "admin", "guess"); tokenmint.ErrorCode(err) != tokenmint.EUNAUTHORIZED {
				t.Fatalf("guess from %d: %v", ip, err)
			}
		}
	}
	if st := login("first-admin-pw"); st != http.StatusTooManyRequests {
		t.Fatalf("the owner past the per-user ceiling: %d, want 429", st)
	}

	errb.Reset()
	if code := run([]string{"user", "set-password", "--data-dir", dir, "nobody"}, strings.NewReader("some-new-password\n"), &out, &errb); code == 0 {
		t.Errorf("set-password of an unknown user succeeded")
	}
	t.Setenv("TOKENMINT_NEW_PASSWORD", "operator-set-pw")
	out.Reset()
	errb.Reset()
	if code := run([]string{"user", "set-password", "--data-dir", dir, "admin"}, nil, &out, &errb); code != 0 {
		t.Fatalf("user set-password: exit %d: %s", code, errb.String())
	}
	if strings.Contains(out.String()+errb.String(), "operator-set-pw") {
		t.Error("the password was printed")
	}
	if st := login("operator-set-pw"); st != http.StatusOK {
		t.Fatalf("the owner after set-password: %d, want 200", st)
	}
	if st := login("first-admin-pw"); st != http.StatusUnauthorized {
		t.Errorf("the old password: %d, want 401", st)
	}
	// Piped on stdin when the variable is not set.
	t.Setenv("TOKENMINT_NEW_PASSWORD", "")
	if code := run([]string{"user", "set-password", "--data-dir", dir, "admin"}, strings.NewReader("piped-new-pw\n"), &out, &errb); code != 0 {
		t.Fatalf("user set-password from stdin: exit %d: %s", code, errb.String())
	}
	if st := login("piped-new-pw"); st != http.StatusOK {
		t.Errorf("the piped password: %d, want 200", st)
	}
}
