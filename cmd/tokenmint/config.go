package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	tmhttp "tokenmint/http"
)

// serverConfig is the server's configuration. Each field is set by a flag,
// a TOKENMINT_* environment variable or the config file, in that order of
// precedence.
type serverConfig struct {
	ConfigFile     string
	DataDir        string
	Listen         string
	Database       string
	TypesFile      string
	LogLevel       string
	LogFormat      string
	TrustedProxies string
	ClientIPHeader string
	SecureCookies  bool
	TLSCert        string
	TLSKey         string
	AdminPassword  string
	Pepper         string
	UsageFlush     string
	CacheTTL       string
	GCHeadroom     string // MiB
	lifecycleConfig
	Issuer      string
	JWTAlg      string
	KeyRotation string
	MasterKey   string
	// ScopeAliases replaces the built-in vendor scope aliases (empty: keep them).
	ScopeAliases string
	extAuthzConfig
}

// setting describes one configuration key for flags, env and file alike.
type setting struct {
	name, env, usage, def string
	target                any // *string or *bool
}

func (c *serverConfig) settings() []setting {
	return append([]setting{
		{"data-dir", "TOKENMINT_DATA_DIR", "directory for the SQLite database and the pepper", "./data", &c.DataDir},
		{"listen", "TOKENMINT_LISTEN", "address to listen on", "127.0.0.1:8080", &c.Listen},
		{"database", "TOKENMINT_DATABASE", "database: empty for SQLite in the data directory, or postgres://...", "", &c.Database},
		{"types-file", "TOKENMINT_TYPES_FILE", "token types file, YAML (.yaml, .yml) or TOML (.toml) (default: built-in types)", "", &c.TypesFile},
		{"log-level", "TOKENMINT_LOG_LEVEL", "debug, info, warn or error", "info", &c.LogLevel},
		{"log-format", "TOKENMINT_LOG_FORMAT", "text or json", "text", &c.LogFormat},
		{"trusted-proxies", "TOKENMINT_TRUSTED_PROXIES", "comma-separated CIDRs whose X-Forwarded-For is believed", "", &c.TrustedProxies},
		{"client-ip-header", "TOKENMINT_CLIENT_IP_HEADER", "header the trusted proxies name the client in: X-Forwarded-For, Forwarded, X-Real-IP or another single-address header", tmhttp.DefaultClientIPHeader, &c.ClientIPHeader},
		{"secure-cookies", "TOKENMINT_SECURE_COOKIES", "mark session cookies Secure even over plain HTTP (behind a TLS-terminating proxy whose issuer is not https); on by itself with --tls-cert or an https issuer", "false", &c.SecureCookies},
		{"tls-cert", "TOKENMINT_TLS_CERT", "PEM certificate (chain) file: serve HTTPS (with --tls-key)", "", &c.TLSCert},
		{"tls-key", "TOKENMINT_TLS_KEY", "PEM private key file of --tls-cert", "", &c.TLSKey},
		{"usage-flush", "TOKENMINT_USAGE_FLUSH", "how often buffered token usage is written", "2s", &c.UsageFlush},
		{"cache-ttl", "TOKENMINT_CACHE_TTL", "PostgreSQL: longest time a cached token state is trusted without a re-read once the change feed heartbeat stops (SQLite: until changed)", "30s", &c.CacheTTL},
		{"gc-headroom", "TOKENMINT_GC_HEADROOM", "MiB the heap grows between two garbage collections, at least (and at most four times that; 0: Go's GOGC pacing alone)", "64", &c.GCHeadroom},
		{"issuer", "TOKENMINT_ISSUER", "OAuth2 issuer URL, the iss of JWT access tokens (default http://LISTEN)", "", &c.Issuer},
		{"jwt-alg", "TOKENMINT_JWT_ALG", "algorithm of new JWT signing keys: EdDSA or ES256", "EdDSA", &c.JWTAlg},
		{"key-rotation", "TOKENMINT_KEY_ROTATION", "age at which the JWT signing key is replaced (0: only by 'tokenmint keys rotate')", "720h", &c.KeyRotation},
		{"scope-aliases", "TOKENMINT_SCOPE_ALIASES", "OAuth scope aliases for vendor clients, 'NAME=PERMISSION ...; NAME=*' or 'none' (default: sca_api=*; access_control_api=users:manage tokens:manage tokens:read tokens:write)", "", &c.ScopeAliases},
	}, append(c.lifecycleSettings(), c.extAuthzSettings()...)...)
}

// bindFlags registers the settings and --config on fs.
func (c *serverConfig) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ConfigFile, "config", "", "optional YAML config file (env TOKENMINT_CONFIG); keys are the flag names")
	for _, s := range c.settings() {
		switch t := s.target.(type) {
		case *string:
			fs.StringVar(t, s.name, s.def, s.usage+" (env "+s.env+")")
		case *bool:
			fs.BoolVar(t, s.name, s.def == "true", s.usage+" (env "+s.env+")")
		}
	}
}

// resolve fills every setting not given as a flag from the environment,
// then from the config file. Secrets come only from the environment.
func (c *serverConfig) resolve(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["config"] {
		c.ConfigFile = getenv("TOKENMINT_CONFIG")
	}
	file := map[string]string{}
	if c.ConfigFile != "" {
		var err error
		if file, err = readConfigFile(c.ConfigFile, c.settings()); err != nil {
			return err
		}
	}
	for _, s := range c.settings() {
		if given[s.name] {
			continue
		}
		v, ok := getenv(s.env), getenv(s.env) != ""
		if !ok {
			v, ok = file[s.name]
		}
		if !ok {
			continue
		}
		switch t := s.target.(type) {
		case *string:
			*t = v
		case *bool:
			b, err := parseBool(v)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			*t = b
		}
	}
	c.AdminPassword = getenv("TOKENMINT_ADMIN_PASSWORD")
	c.Pepper = getenv("TOKENMINT_PEPPER")
	c.SMTPPassword = getenv("TOKENMINT_SMTP_PASSWORD")
	c.MasterKey = getenv("TOKENMINT_MASTER_KEY")
	return nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", v)
}

func readConfigFile(path string, settings []setting) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	raw := map[string]any{}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	known := map[string]bool{}
	for _, s := range settings {
		known[s.name] = true
	}
	out := map[string]string{}
	for k, v := range raw {
		if !known[k] {
			return nil, fmt.Errorf("config file %s: unknown key %q", path, k)
		}
		out[k] = fmt.Sprint(v)
	}
	return out, nil
}

// clientIPHeader checks the client-ip-header setting.
func (c *serverConfig) clientIPHeader() (string, error) {
	return tmhttp.ParseClientIPHeader(c.ClientIPHeader)
}

// tlsFiles returns the certificate and key files, both empty for plain
// HTTP; one without the other is a mistake.
func (c *serverConfig) tlsFiles() (cert, key string, err error) {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return "", "", errors.New("tls-cert and tls-key go together: give both to serve HTTPS, or neither")
	}
	return c.TLSCert, c.TLSKey, nil
}

// scheme is the scheme the server answers on.
func (c *serverConfig) scheme() string {
	if c.TLSCert != "" && c.TLSKey != "" {
		return "https"
	}
	return "http"
}

// secureCookies reports whether session cookies are marked Secure: when
// asked, when the server itself serves TLS, or when the issuer URL (the
// address users reach) is https.
func (c *serverConfig) secureCookies() bool {
	return c.SecureCookies || c.scheme() == "https" || strings.HasPrefix(strings.ToLower(c.Issuer), "https://")
}

// trustedProxies parses the comma-separated CIDR list.
func (c *serverConfig) trustedProxies() ([]netip.Prefix, error) {
	return parsePrefixList("trusted-proxies", c.TrustedProxies)
}

// parsePrefixList parses a comma-separated list of IP addresses and CIDR
// ranges; setting names the option in errors.
func parsePrefixList(setting, list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not an IP or CIDR", setting, s)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not an IP or CIDR", setting, s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// ensureDataDir creates the data directory with owner-only permissions.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".")); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("data directory %s does not exist", dir)
	}
	return nil
}
