package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tokenmint"
)

// resolveWith parses args, then resolves against env (a fake environment).
func resolveWith(t *testing.T, args []string, env map[string]string) (*serverConfig, error) {
	t.Helper()
	cfg := &serverConfig{}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.bindFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return cfg, cfg.resolve(fs, func(k string) string { return env[k] })
}

func writeYAML(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokenmint.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestServerConfigPrecedenceFlagEnvFile(t *testing.T) {
	file := writeYAML(t, strings.Join([]string{
		"listen: 10.0.0.1:1000",
		"data-dir: /from/file",
		"log-level: warn",
		"types-file: /file/types.yaml",
		"secure-cookies: true",
	}, "\n"))
	env := map[string]string{
		"TOKENMINT_LISTEN":         "10.0.0.2:2000",
		"TOKENMINT_DATA_DIR":       "/from/env",
		"TOKENMINT_ADMIN_PASSWORD": "from-env-only",
	}
	cfg, err := resolveWith(t, []string{"--config", file, "--listen", "10.0.0.3:3000"}, env)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"listen (flag over env and file)", cfg.Listen, "10.0.0.3:3000"},
		{"data-dir (env over file)", cfg.DataDir, "/from/env"},
		{"log-level (file over default)", cfg.LogLevel, "warn"},
		{"types-file (file)", cfg.TypesFile, "/file/types.yaml"},
		{"log-format (default)", cfg.LogFormat, "text"},
		{"database (default)", cfg.Database, ""},
		{"admin password (env)", cfg.AdminPassword, "from-env-only"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !cfg.SecureCookies {
		t.Error("secure-cookies: true in the file was not applied")
	}

	// Without the file, flags and env fall back to the built-in defaults.
	cfg, err = resolveWith(t, nil, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "./data" || cfg.Listen != "127.0.0.1:8080" || cfg.LogLevel != "info" || cfg.SecureCookies {
		t.Errorf("defaults: data-dir %q listen %q log-level %q secure %v", cfg.DataDir, cfg.Listen, cfg.LogLevel, cfg.SecureCookies)
	}
}

func TestServerConfigFileFromEnvAndFlagOverridesIt(t *testing.T) {
	envFile := writeYAML(t, "listen: 10.0.0.4:4000\n")
	flagFile := writeYAML(t, "listen: 10.0.0.5:5000\n")
	env := map[string]string{"TOKENMINT_CONFIG": envFile}
	cfg, err := resolveWith(t, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "10.0.0.4:4000" {
		t.Errorf("TOKENMINT_CONFIG: listen = %q", cfg.Listen)
	}
	cfg, err = resolveWith(t, []string{"--config", flagFile}, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "10.0.0.5:5000" || cfg.ConfigFile != flagFile {
		t.Errorf("--config over TOKENMINT_CONFIG: listen = %q, file %q", cfg.Listen, cfg.ConfigFile)
	}
}

func TestServerConfigFileErrors(t *testing.T) {
	for name, body := range map[string]string{
		"unknown key":    "listen: 1.2.3.4:5\nlisen: typo\n",
		"bad boolean":    "secure-cookies: maybe\n",
		"invalid YAML":   "listen: [unclosed\n",
		"secret in file": "admin-password: x\n",
	} {
		if _, err := resolveWith(t, []string{"--config", writeYAML(t, body)}, map[string]string{}); err == nil {
			t.Errorf("%s: resolve accepted the file", name)
		}
	}
	if _, err := resolveWith(t, []string{"--config", filepath.Join(t.TempDir(), "missing.yaml")}, map[string]string{}); err == nil {
		t.Error("a missing config file was accepted")
	}
}

// --cache-ttl bounds how long a cached token state is trusted; a bad value
// stops start-up with a message naming the setting.
func TestCacheTTLSetting(t *testing.T) {
	cfg, err := resolveWith(t, nil, map[string]string{"TOKENMINT_CACHE_TTL": "5s"})
	if err != nil || cfg.CacheTTL != "5s" {
		t.Fatalf("from the environment: %q, %v", cfg.CacheTTL, err)
	}
	if cfg, _ := resolveWith(t, nil, nil); cfg.CacheTTL != "30s" {
		t.Errorf("default %q, want 30s", cfg.CacheTTL)
	}
	bad := &serverConfig{DataDir: t.TempDir(), CacheTTL: "-1s"}
	if _, err := openApp(context.Background(), bad, slog.New(slog.NewTextHandler(io.Discard, nil)), tokenmint.SystemClock{}); err == nil || !strings.Contains(err.Error(), "cache-ttl") {
		t.Errorf("cache-ttl -1s: %v, want an error naming cache-ttl", err)
	}
}

// The client IP header, TLS files and secure cookies come from flags,
// environment or the config file like every other setting; a name that is
// not a header, or a certificate without its key, is refused.
func TestServerConfigClientIPHeaderAndTLS(t *testing.T) {
	cfg, err := resolveWith(t, nil, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if h, err := cfg.clientIPHeader(); err != nil || h != "X-Forwarded-For" {
		t.Errorf("default client-ip-header %q, %v; want X-Forwarded-For", h, err)
	}
	if cfg.scheme() != "http" {
		t.Errorf("default scheme %q", cfg.scheme())
	}

	file := writeYAML(t, "client-ip-header: forwarded\ntls-cert: /file/cert.pem\ntls-key: /file/key.pem\n")
	cfg, err = resolveWith(t, []string{"--config", file}, map[string]string{"TOKENMINT_TLS_KEY": "/env/key.pem"})
	if err != nil {
		t.Fatal(err)
	}
	if h, err := cfg.clientIPHeader(); err != nil || h != "Forwarded" {
		t.Errorf("client-ip-header from the file: %q, %v", h, err)
	}
	if c, k, err := cfg.tlsFiles(); err != nil || c != "/file/cert.pem" || k != "/env/key.pem" {
		t.Errorf("tls files: %q %q %v", c, k, err)
	}
	if cfg.scheme() != "https" || !cfg.secureCookies() {
		t.Errorf("with TLS: scheme %q, secure cookies %v", cfg.scheme(), cfg.secureCookies())
	}

	cfg, err = resolveWith(t, []string{"--client-ip-header", "X-Real-IP"}, map[string]string{"TOKENMINT_CLIENT_IP_HEADER": "Forwarded"})
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := cfg.clientIPHeader(); h != "X-Real-Ip" {
		t.Errorf("client-ip-header flag over env: %q", h)
	}

	cfg, _ = resolveWith(t, []string{"--client-ip-header", "X Real IP", "--tls-cert", "c.pem"}, map[string]string{})
	if _, err := cfg.clientIPHeader(); err == nil {
		t.Error("a client-ip-header with spaces was accepted")
	}
	if _, _, err := cfg.tlsFiles(); err == nil {
		t.Error("tls-cert without tls-key was accepted")
	}
}
