package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"tokenmint/secret"
)

func init() {
	commands["bench"] = command{"measure the server under load: verify, introspect, issue (see docs/bench-tool.md)", runBench}
}

// benchOptions are bench's own flags.
type benchOptions struct {
	url              string
	adminUser        string
	adminPassword    string
	pid              string
	scenarios        string
	tokens           []int
	duration         time.Duration
	warmup           time.Duration
	connections      int
	issueConnections int
	rssDuration      time.Duration
	scaleDrain       time.Duration
	cacheTokens      int
	seedWorkers      int
	timeout          time.Duration
	json             bool
	cpuProfileDir    string
	rounds           int
}

// benchHooks let tests look at the in-process server before it closes.
type benchHooks struct {
	// beforeClose is called with the in-process server's app and the
	// token pool after the last scenario.
	beforeClose func(a *app, pool *tokenTable)
	// report is called with the finished report before it is printed.
	report func(rep *benchReport)
}

func runBench(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	return runBenchWith(args, stdout, stderr, benchHooks{})
}

// newBenchFlagSet binds bench's flags and the in-process server's to o,
// cfg and tokens (the raw --tokens).
func newBenchFlagSet(o *benchOptions, cfg *serverConfig, tokens *string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tokenmint bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: tokenmint bench [flags]\n\nStarts a tokenmint server and a bare net/http baseline on loopback ports (or targets\n--url), seeds tokens, an application and JWTs, runs each scenario for a fixed time\nand connection count, and prints req/s, p50/p99/p99.9, errors and the ratios of\nissue 12's targets. The server flags (--database, --cache-ttl, --usage-flush, ...)\nconfigure the in-process server; its data directory is a new temporary one unless\n--data-dir names an empty directory. Unlike serve, bench reads no TOKENMINT_*\nvariable and no config file for them: it must never open an installation in use.\n\nScenarios, in the order they run:\n  "+strings.Join(scenarioNames[:6], ", ")+",\n  "+strings.Join(scenarioNames[6:], ", ")+".\n\nFlags:")
		fs.PrintDefaults()
	}
	bindBenchServerFlags(fs, cfg)
	fs.StringVar(&o.url, "url", "", "target a running server at this URL instead of starting one (needs --admin-password; tokens are then created through the API)")
	fs.StringVar(&o.adminUser, "admin-user", "admin", "with --url: the administrator to sign in as")
	fs.StringVar(&o.adminPassword, "admin-password", "", "with --url: the administrator's password (default: $TOKENMINT_ADMIN_PASSWORD)")
	fs.StringVar(&o.pid, "pid", "", "with --url: process ID of the server, to read its RSS from /proc")
	fs.StringVar(&o.scenarios, "scenarios", "default", "comma-separated scenarios; 'default' is all but verify-scale-N for N >= 1000000 and rss, 'all' is all, 'verify-scale' every N of --tokens")
	fs.StringVar(tokens, "tokens", "10,100000,1000000", "comma-separated token counts N of the verify-scale-N scenarios")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of each scenario")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each scenario")
	fs.IntVar(&o.connections, "connections", 64, "connections of the verify, introspect, scale and rss scenarios")
	fs.IntVar(&o.issueConnections, "issue-connections", 16, "connections of issue-cc and create-token")
	fs.DurationVar(&o.rssDuration, "rss-duration", 10*time.Minute, "length of the rss scenario")
	fs.DurationVar(&o.scaleDrain, "scale-drain-limit", 5*time.Minute, "in-process: longest a verify-scale-N warm-up waits for the server to write the first uses it made")
	fs.IntVar(&o.cacheTokens, "cache-tokens", 100000, "distinct tokens the cache-memory scenario verifies")
	fs.IntVar(&o.seedWorkers, "seed-workers", 8, "goroutines making the secrets and hashes of the token pool (in-process)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "bound of the whole run, seeding included")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.IntVar(&o.rounds, "rounds", 1, "measure every timed scenario this many times (the plain ones in turns) and report each one's median round")
	fs.StringVar(&o.cpuProfileDir, "cpuprofile-dir", "", "write a CPU profile of each timed scenario's measured window to DIR/SCENARIO.cpu.pprof")
	return fs
}

func parseBenchFlags(args []string, stderr io.Writer) (*benchOptions, *serverConfig, error) {
	o := &benchOptions{}
	cfg := &serverConfig{}
	var tokens string
	fs := newBenchFlagSet(o, cfg, &tokens, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, errHelp
		}
		return nil, nil, errUsage
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, part := range strings.Split(tokens, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, nil, fmt.Errorf("--tokens: %q is not a positive count", part)
		}
		o.tokens = append(o.tokens, n)
	}
	sort.Ints(o.tokens)
	switch {
	case o.duration <= 0 || o.warmup < 0 || o.rssDuration <= 0 || o.timeout <= 0 || o.scaleDrain < 0:
		return nil, nil, errors.New("--duration, --rss-duration and --timeout must be positive, --warmup and --scale-drain-limit not negative")
	case o.connections < 1 || o.issueConnections < 1 || o.seedWorkers < 1 || o.cacheTokens < 1 || o.rounds < 1:
		return nil, nil, errors.New("--connections, --issue-connections, --seed-workers, --cache-tokens and --rounds must be at least 1")
	}
	if o.cpuProfileDir != "" {
		// Made before any scenario runs: a missing folder used to end the
		// run at the first profile, after the seeding was paid for.
		if err := os.MkdirAll(o.cpuProfileDir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("--cpuprofile-dir: %w", err)
		}
	}
	if o.url != "" {
		if o.adminPassword == "" {
			o.adminPassword = os.Getenv("TOKENMINT_ADMIN_PASSWORD")
		}
		if o.adminPassword == "" {
			return nil, nil, errors.New("--url needs --admin-password (or TOKENMINT_ADMIN_PASSWORD) to seed tokens and an application")
		}
		for _, name := range []string{"database", "data-dir"} {
			if given[name] {
				return nil, nil, fmt.Errorf("--%s configures the in-process server; with --url the server is already running", name)
			}
		}
	}
	return o, cfg, nil
}

// bindBenchServerFlags registers the server's settings as flags of the
// in-process server, like serverConfig.bindFlags but without --config and
// without the environment: a shell set up for a real server (say
// TOKENMINT_DATABASE) must not point bench at its database.
func bindBenchServerFlags(fs *flag.FlagSet, cfg *serverConfig) {
	for _, s := range cfg.settings() {
		switch s.name {
		case "listen", "tls-cert", "tls-key":
			continue // bench serves plain HTTP on a loopback port of its own
		case "data-dir":
			s.def, s.usage = "", "empty directory for the SQLite database and the pepper (default: a new temporary directory, removed at the end)"
		case "log-level":
			s.def = "warn"
		}
		switch t := s.target.(type) {
		case *string:
			fs.StringVar(t, s.name, s.def, "server: "+s.usage)
		case *bool:
			fs.BoolVar(t, s.name, s.def == "true", "server: "+s.usage)
		}
	}
}

func runBenchWith(args []string, stdout, stderr io.Writer, hooks benchHooks) error {
	o, cfg, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	selected, err := selectScenarios(o.scenarios, o.tokens)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	rep := &benchReport{Started: time.Now().UTC(), LoadAvgStart: loadAverage(), Duration: o.duration.String(),
		Connections: o.connections, IssueConnections: o.issueConnections}
	env := &benchEnv{opts: o, cfg: cfg, log: log, progress: stderr}
	bareAddr, closeBare, err := startBareServer(log)
	if err != nil {
		return err
	}
	defer closeBare()
	env.bareAddr = bareAddr

	if err := env.start(ctx, cfg, rep); err != nil {
		env.close()
		return err
	}
	runErr := env.runScenarios(ctx, selected, rep)
	if hooks.beforeClose != nil && env.server != nil {
		hooks.beforeClose(env.server.app, env.pool)
	}
	if env.remote && env.fx != nil {
		if err := restorePolicy(context.Background(), env.api, env.fx); err != nil {
			fmt.Fprintln(stderr, "bench: could not restore the token quota (max_tokens_per_owner):", err)
		}
	}
	if err := env.close(); err != nil && runErr == nil {
		runErr = err
	}
	rep.LoadAvgEnd = loadAverage()
	rep.Finished = time.Now().UTC()
	rep.computeRatios(o)
	if hooks.report != nil {
		hooks.report(rep)
	}
	if o.json {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeTable(stdout)
	}
	if runErr != nil {
		return runErr
	}
	return err
}

// benchEnv is what the scenarios run against.
type benchEnv struct {
	opts     *benchOptions
	cfg      *serverConfig // of the in-process server
	log      *slog.Logger
	progress io.Writer
	bareAddr string
	addr     string // the tokenmint server, host:port
	remote   bool   // --url: a server bench did not start
	server   *benchServer
	api      *benchAPI
	fx       *benchFixtures
	pool     *tokenTable // the tokens of the scale and cache-memory scenarios
	tempDir  string
	pid      string // whose RSS to read: "self" in-process
}

// start starts the in-process server (or checks --url) and signs in.
func (env *benchEnv) start(ctx context.Context, cfg *serverConfig, rep *benchReport) error {
	o := env.opts
	user, password := o.adminUser, o.adminPassword
	if o.url != "" {
		u := strings.TrimRight(o.url, "/")
		if !strings.HasPrefix(u, "http://") {
			return fmt.Errorf("--url %q: bench speaks plain HTTP/1.1 (http://host:port)", o.url)
		}
		env.remote, env.addr, env.pid = true, strings.TrimPrefix(u, "http://"), o.pid
		if i := strings.Index(env.addr, "/"); i >= 0 {
			return fmt.Errorf("--url %q: give the server's root, without a path", o.url)
		}
		rep.Target = u
	} else {
		if cfg.DataDir == "" {
			dir, err := os.MkdirTemp("", "tokenmint-bench-")
			if err != nil {
				return err
			}
			env.tempDir, cfg.DataDir = dir, dir
		} else if entries, err := os.ReadDir(cfg.DataDir); err == nil && len(entries) > 0 {
			return fmt.Errorf("--data-dir %s is not empty: bench needs a fresh installation", cfg.DataDir)
		}
		password = "bench-" + secret.Base62(24)
		cfg.AdminPassword = password
		user = "admin"
		srv, err := startBenchServer(ctx, cfg, env.log)
		if err != nil {
			return err
		}
		env.server, env.addr, env.pid = srv, srv.addr, "self"
		if !srv.app.boot.Created {
			return errors.New("the database already holds an installation: give bench an empty database (or a fresh schema)")
		}
		rep.Target = "in-process"
		rep.Store = "sqlite"
		if cfg.Database != "" && !strings.HasPrefix(cfg.Database, "sqlite:") {
			rep.Store = "postgres"
		}
		user = srv.app.boot.Username
	}
	rep.Server = env.addr
	rep.Baseline = env.bareAddr
	env.api = newBenchAPI("http://" + env.addr)
	if err := env.api.login(ctx, user, password); err != nil {
		return err
	}
	fx, err := seedFixtures(ctx, env.api, user, password)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	env.fx = fx
	return nil
}

// seed creates the token pool the selected scenarios need and records how
// long it took. It runs just before the first scenario that needs the
// pool, so the scenarios before it measure a server that is not writing
// back a bulk insert.
func (env *benchEnv) seed(ctx context.Context, selected []string, rep *benchReport) error {
	n := 0
	for _, name := range selected {
		if k, ok := scaleTokens(name); ok {
			n = max(n, k)
		}
		if name == scenCacheMemory {
			n = max(n, env.opts.cacheTokens)
		}
		if name == scenRSS {
			n = max(n, min(env.opts.tokens[len(env.opts.tokens)-1], 100000))
		}
	}
	if n == 0 {
		return nil
	}
	fmt.Fprintf(env.progress, "seeding %d tokens...\n", n)
	start := time.Now()
	var err error
	how := "through the API"
	if env.remote {
		env.pool, err = seedAPITokens(ctx, env.api, n, env.progress)
	} else {
		env.pool, how, err = seedStoreTokens(ctx, env.server.app, env.cfg, n, env.opts.seedWorkers, env.progress)
	}
	if err != nil {
		return err
	}
	d := time.Since(start)
	if !env.remote {
		// Seeding's garbage is not the server's: return it to the OS so
		// the RSS column starts from the server's own footprint.
		debug.FreeOSMemory()
	}
	rep.Seed = &seedReport{Tokens: n, How: how, Seconds: d.Seconds(), PerSecond: float64(n) / d.Seconds()}
	fmt.Fprintf(env.progress, "seeded %d tokens %s in %s (%.0f/s)\n", n, how, d.Round(time.Millisecond), rep.Seed.PerSecond)
	return nil
}

func (env *benchEnv) close() error {
	var err error
	if env.server != nil {
		err = env.server.close()
		env.server = nil
	}
	if env.tempDir != "" {
		os.RemoveAll(env.tempDir)
	}
	return err
}
