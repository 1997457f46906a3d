package sdk_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint/sdk"
)

// fakeVerify stands in for /api/v1/auth/verify: "good" tokens pass,
// "down" answers 502, the rest 401; it counts calls.
func fakeVerify(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") {
		case "good":
			json.NewEncoder(w).Encode(map[string]any{"active": true, "subject": "u1", "tenant": "default",
				"permissions": []string{"api:read"}, "type": "CIToken"})
		case "down":
			w.WriteHeader(http.StatusBadGateway)
		default:
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"code":"unauthorized","message":"unknown token"}}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestRemoteVerifyCache(t *testing.T) {
	srv, calls := fakeVerify(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	v := sdk.New(sdk.Config{ServerURL: srv.URL, Now: clock})
	ctx := context.Background()
	for range 3 {
		id, err := v.Verify(ctx, "good", "api:read", "")
		if err != nil || id.Subject != "u1" {
			t.Fatalf("Verify = %+v, %v", id, err)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("%d server calls for 3 verifications within the TTL, want 1", calls.Load())
	}
	now = now.Add(sdk.DefaultCacheTTL)
	v.Verify(ctx, "good", "api:read", "")
	if calls.Load() != 2 {
		t.Errorf("after the TTL: %d calls, want 2", calls.Load())
	}
	// Refusals are cached too; an unreachable server is not.
	for range 2 {
		if _, err := v.Verify(ctx, "bad", "", ""); err == nil || err.(*sdk.Error).Status != 401 || err.(*sdk.Error).Code != "invalid_token" {
			t.Errorf("bad token: %v", err)
		}
	}
	if calls.Load() != 3 {
		t.Errorf("refusal not cached: %d calls", calls.Load())
	}
	for range 2 {
		if _, err := v.Verify(ctx, "down", "", ""); err == nil || err.(*sdk.Error).Status != 503 {
			t.Errorf("server failing: %v", err)
		}
	}
	if calls.Load() != 5 {
		t.Errorf("a server failure was cached: %d calls", calls.Load())
	}
	// Middleware: 401 challenge with the error; identity in the context.
	h := v.Require("api:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(sdk.IdentityFromContext(r.Context()).Subject))
	}))
	for tok, want := range map[string]int{"good": 200, "bad": 401, "down": 503} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", tok, rec.Code, want)
		}
		if want == 401 && !strings.Contains(rec.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("401 challenge = %q", rec.Header().Get("WWW-Authenticate"))
		}
		if want == 200 && rec.Body.String() != "u1" {
			t.Errorf("identity not in context: %q", rec.Body.String())
		}
	}
}
