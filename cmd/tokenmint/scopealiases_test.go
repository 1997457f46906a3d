package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"tokenmint"
)

// The deployment's scope aliases come from --scope-aliases, its
// environment variable or the config file, and replace the built-in set.
func TestScopeAliasesFromTheConfigFile(t *testing.T) {
	isolateClient(t)
	file := writeYAML(t, `scope-aliases: "ci_api=results:upload api:read; everything=*"`)
	cfg, err := resolveWith(t, []string{"--config", file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.AdminPassword, cfg.Listen = t.TempDir(), testAdminPassword, "127.0.0.1:0"
	a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), tokenmint.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	t.Cleanup(func() {
		srv.Close()
		a.close(context.Background())
	})
	grant := func(scope string) (int, map[string]any) {
		resp, err := http.PostForm(srv.URL+"/identity/connect/token", url.Values{"grant_type": {"password"},
			"username": {"admin"}, "password": {testAdminPassword}, "scope": {scope}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if code, m := grant("ci_api"); code != http.StatusOK || m["scope"] != "api:read results:upload" {
		t.Errorf("scope ci_api: %d %v, want api:read results:upload", code, m)
	}
	if code, m := grant("everything"); code != http.StatusOK || !strings.Contains(m["scope"].(string), "users:manage") {
		t.Errorf("scope everything: %d %v", code, m)
	}
	// The configured set replaces the built-in one.
	if code, m := grant("sca_api"); code != http.StatusBadRequest || m["error"] != "invalid_scope" {
		t.Errorf("built-in sca_api with a configured set: %d %v, want invalid_scope", code, m)
	}
}

func TestScopeAliasesRefusedWhenMalformed(t *testing.T) {
	for _, v := range []string{"sca_api", "results:read=api:read", "x=", "x=not-a-permission", "x=api:read; x=api:write"} {
		cfg, err := resolveWith(t, nil, map[string]string{"TOKENMINT_SCOPE_ALIASES": v})
		if err != nil {
			t.Fatal(err)
		}
		cfg.DataDir, cfg.AdminPassword = t.TempDir(), testAdminPassword
		a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), tokenmint.SystemClock{})
		if err == nil {
			a.close(context.Background())
			t.Errorf("scope aliases %q were accepted", v)
		} else if !strings.Contains(err.Error(), "scope-aliases") {
			t.Errorf("scope aliases %q: error %q does not name the setting", v, err)
		}
	}
}
