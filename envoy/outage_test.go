package envoy_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"tokenmint"
)

// With the database down a good token is 503 UNAVAILABLE, never 401: a
// CI system told its token is bad throws it away. The refusal is a
// CheckResponse, not a gRPC error, so an Envoy with failure_mode_allow
// still refuses. Once the database is back the same token passes.
func TestCheckStoreOutageIsUnavailable(t *testing.T) {
	e := newEnv(t, envOptions{})
	plain, _, _ := e.createToken("CIToken", "")
	c := check{headers: bearer(plain), extensions: map[string]string{"tokenmint.permission": "api:read"}}
	e.store.down.Store(true)
	wantDenied(t, e.check(c), codes.Unavailable, 503, tokenmint.EUNAVAILABLE)
	if got := e.checksCounted("unavailable"); got != 1 {
		t.Errorf("unavailable checks counted %v, want 1", got)
	}
	e.store.down.Store(false)
	wantAllowed(t, e.check(c))
}

// A client whose deadline passes while the database hangs gets
// DEADLINE_EXCEEDED, and the server stops waiting too: the store call
// sees the check's context end.
func TestCheckRespectsTheClientDeadline(t *testing.T) {
	e := newEnv(t, envOptions{})
	plain, _, _ := e.createToken("CIToken", "")
	e.store.hang.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := e.client.Check(ctx, check{headers: bearer(plain)}.request())
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("Check past its deadline: %v, want DeadlineExceeded", err)
	}
	for what, ch := range map[string]chan struct{}{"started": e.store.hung, "ended by the deadline": e.store.released} {
		select {
		case <-ch:
		case <-time.After(20 * time.Second):
			t.Fatalf("the hanging lookup was never %s", what)
		}
	}
	e.store.hang.Store(false)
	wantAllowed(t, e.check(check{headers: bearer(plain)}))
}

// A single-use token checked by many requests at once is allowed exactly
// once; every other check is 401, and so is any later one.
func TestCheckSingleUseTokenAllowedOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	plain, _, _ := e.createToken("ScanCentralOneTimeJobToken", "")
	c := check{headers: bearer(plain), extensions: map[string]string{"tokenmint.permission": "scans:control"}}
	const n = 16
	codesSeen := make([]codes.Code, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := e.client.Check(context.Background(), c.request())
			if err != nil {
				t.Errorf("Check: %v", err)
				return
			}
			codesSeen[i] = codes.Code(res.GetStatus().GetCode())
		}()
	}
	close(start)
	wg.Wait()
	allowed := 0
	for _, code := range codesSeen {
		switch code {
		case codes.OK:
			allowed++
		case codes.Unauthenticated:
		default:
			t.Errorf("a concurrent check ended %v, want OK or Unauthenticated", code)
		}
	}
	if allowed != 1 {
		t.Fatalf("%d of %d concurrent checks allowed a single-use token, want exactly 1", allowed, n)
	}
	wantDenied(t, e.check(c), codes.Unauthenticated, 401, tokenmint.EUNAUTHORIZED)
}

// Shutdown stops taking connections at once but lets a check under way
// finish until its own context ends; then the check is cut off and
// Shutdown returns.
func TestShutdownWaitsForChecksUnderWay(t *testing.T) {
	e := newEnv(t, envOptions{})
	plain, _, _ := e.createToken("CIToken", "")
	e.store.hang.Store(true)
	checked := make(chan error, 1)
	go func() {
		_, err := e.client.Check(context.Background(), check{headers: bearer(plain)}.request())
		checked <- err
	}()
	<-e.store.hung
	shCtx, stop := context.WithCancel(context.Background())
	shut := make(chan struct{})
	go func() { e.srv.Shutdown(shCtx); close(shut) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", e.addr, time.Second)
		if err != nil {
			break // the listener is closed
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts connections after Shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-shut:
		t.Fatal("Shutdown returned while a check was under way")
	case err := <-checked:
		t.Fatalf("the check under way ended before Shutdown's deadline: %v", err)
	default:
	}
	stop()
	<-e.store.released
	if err := <-checked; status.Code(err) == codes.OK {
		t.Error("the check cut off by Shutdown succeeded")
	}
	<-shut
	e.store.hang.Store(false)
}
