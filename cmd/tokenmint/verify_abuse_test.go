package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/secret"
)

// BenchmarkVerifyRefusalTiming measures, over HTTP against a real app on
// SQLite, how long verify takes to refuse a malformed token (bad
// checksum), a wrong secret (valid checksum, no such token) and a revoked
// token, next to a valid one, interleaved so drift hits every kind alike.
// Each request comes from its own client address (behind a trusted
// proxy), so the unknown-token limit does not interfere. Reported as the
// median of each kind:
//
//	go test -run '^$' -bench VerifyRefusalTiming -benchtime 3000x ./cmd/tokenmint/
func BenchmarkVerifyRefusalTiming(b *testing.B) {
	dir := b.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := openApp(context.Background(), &serverConfig{DataDir: dir, AdminPassword: "bench-admin-pw", TrustedProxies: "127.0.0.1/32"}, log, tokenmint.SystemClock{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	defer func() { srv.Close(); a.close(context.Background()) }()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	call := func(method, path, csrf, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	st, m := call("POST", "/api/v1/auth/login", "", `{"username":"admin","password":"bench-admin-pw"}`)
	if st != http.StatusOK {
		b.Fatalf("login: %d", st)
	}
	csrf, _ := m["csrf_token"].(string)
	mint := func() string {
		st, m := call("POST", "/api/v1/tokens", csrf, `{"type":"CIToken","name":"n"}`)
		if st != http.StatusCreated {
			b.Fatalf("create token: %d", st)
		}
		return m["token"].(string)
	}
	valid, revoked := mint(), mint()
	if st, _ := call("POST", "/api/v1/tokens/revoke-leaked", "", `{"token":"`+revoked+`"}`); st != http.StatusAccepted {
		b.Fatalf("revoke: %d", st)
	}
	kinds := []struct {
		name  string
		token func() string
		want  int
	}{
		{"malformed", func() string { t := unknownTok(); return t[:len(t)-1] + "0" }, http.StatusUnauthorized},
		{"wrong_secret", unknownTok, http.StatusUnauthorized},
		{"revoked", func() string { return revoked }, http.StatusUnauthorized},
		{"valid", func() string { return valid }, http.StatusOK},
	}
	vc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	durations := make([][]time.Duration, len(kinds))
	i := 0
	for b.Loop() {
		for k, kind := range kinds {
			i++
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/auth/verify", nil)
			req.Header.Set("Authorization", "Bearer "+kind.token())
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
			start := time.Now()
			resp, err := vc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			durations[k] = append(durations[k], time.Since(start))
			if resp.StatusCode != kind.want && resp.StatusCode != http.StatusForbidden {
				b.Fatalf("%s: %d, want %d", kind.name, resp.StatusCode, kind.want)
			}
		}
	}
	for k, kind := range kinds {
		slices.Sort(durations[k])
		b.ReportMetric(float64(durations[k][len(durations[k])/2].Microseconds()), "µs-median-"+kind.name)
	}
}

// unknownTok is a well-formed token no one holds.
func unknownTok() string {
	return tokenmint.FormatToken(tokenmint.KindUser, secret.Base62(tokenmint.RandomLen))
}
