package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/postgres/postgrestest"
	"tokenmint/secret"
)

// benchTestScenarios are the scenarios the tests run: all but rss (whose
// point is ten minutes) at tiny durations.
const benchTestScenarios = "bare,verify-unloaded,verify-opaque,verify-ratelimited,verify-jwt-cc,verify-jwt-password,verify-jwt-exchange," +
	"introspect-opaque,introspect-jwt,issue-cc,create-token,cache-memory,verify-scale"

func benchTestArgs(dataDir string, extra ...string) []string {
	return append([]string{"--data-dir", dataDir, "--duration", "300ms", "--warmup", "100ms", "--connections", "2",
		"--issue-connections", "2", "--tokens", "10,200", "--cache-tokens", "50", "--scenarios", benchTestScenarios,
		"--timeout", "5m"}, extra...)
}

// checkBenchReport asserts that every scenario completed requests without
// an error and that every ratio of the scenarios run was computed.
func checkBenchReport(t *testing.T, rep *benchReport) {
	t.Helper()
	want := strings.Split(strings.Replace(benchTestScenarios, "verify-scale", "verify-scale-10,verify-scale-200", 1), ",")
	if len(rep.Scenarios) != len(want) {
		t.Fatalf("%d scenarios ran, want %d (%v)", len(rep.Scenarios), len(want), want)
	}
	for i, s := range rep.Scenarios {
		if s.Name != want[i] {
			t.Errorf("scenario %d is %s, want %s", i, s.Name, want[i])
		}
		if s.Requests == 0 || s.RPS <= 0 || s.P50ms <= 0 || s.P99ms < s.P50ms {
			t.Errorf("%s: %d requests, %.0f req/s, p50 %.3f ms, p99 %.3f ms", s.Name, s.Requests, s.RPS, s.P50ms, s.P99ms)
		}
		if s.Errors != 0 {
			t.Errorf("%s: %d errors (%v)", s.Name, s.Errors, s.Statuses)
		}
	}
	if s := rep.scenario(scenCacheMemory); s == nil || s.Requests != 50 || s.BytesPerToken == nil {
		t.Errorf("cache-memory must verify exactly 50 tokens and measure the heap: %+v", s)
	}
	for _, r := range rep.Ratios {
		if r.Value == nil && r.Name != "rss end/first" {
			t.Errorf("ratio %s was not computed", r.Name)
		}
	}
	if rep.Seed == nil || rep.Seed.Tokens != 200 {
		t.Errorf("seed: %+v, want 200 tokens", rep.Seed)
	}
}

// The table names every scenario and every ratio of issue 12.
func checkBenchTable(t *testing.T, out string) {
	t.Helper()
	for _, line := range []string{
		"verify-opaque/bare req/s", "verify-opaque/bare p99", "verify-unloaded p50", "verify-ratelimited/verify-opaque req/s",
		"verify-jwt-cc/verify-opaque req/s", "verify-jwt-password/verify-opaque req/s", "verify-jwt-exchange/verify-opaque req/s",
		"introspect-opaque/verify-opaque req/s", "introspect-jwt/verify-opaque req/s",
		"issue-cc req/s / 10000", "create-token req/s / 5000", "verify-scale-200/verify-scale-10 req/s",
		"heap per cached token", "rss end/first", "load average:", "seed: 200 tokens into the SQLite file, 5000 per transaction",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("the report lacks %q:\n%s", line, out)
		}
	}
}

// runBenchInProcess runs bench with benchTestArgs (and extra) on its
// in-process server and returns the report and, before the server
// closed and with its usage flushed, the uses the server counted for each
// pool token.
func runBenchInProcess(t *testing.T, extra ...string) (*benchReport, string, map[int]int64) {
	t.Helper()
	dataDir := t.TempDir()
	var out, errOut bytes.Buffer
	var rep *benchReport
	uses := map[int]int64{}
	hooks := benchHooks{
		report: func(r *benchReport) { rep = r },
		beforeClose: func(a *app, pool *tokenTable) {
			ctx := context.Background()
			if err := a.svc.Usage().Flush(ctx); err != nil {
				t.Fatal(err)
			}
			pepper, err := secret.LoadOrCreatePepper(dataDir, "")
			if err != nil {
				t.Fatal(err)
			}
			h := secret.NewHasher(pepper)
			for i := range pool.len() {
				tok, _, err := a.store.TokenBySecret(ctx, h.Hash(string(pool.at(i))))
				if err != nil {
					t.Fatalf("seeded token %d: %v", i, err)
				}
				uses[i] = tok.Uses
			}
		},
	}
	if err := runBenchWith(benchTestArgs(dataDir, extra...), &out, &errOut, hooks); err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	return rep, out.String(), uses
}

// checkScaleUses asserts that verify-scale-200 verified 200 different
// tokens in turn, as the server counted their uses.
func checkScaleUses(t *testing.T, uses map[int]int64) {
	t.Helper()
	if len(uses) != 200 {
		t.Fatalf("%d seeded tokens, want 200", len(uses))
	}
	// Tokens 50-199 were verified by verify-scale-200 alone (cache-memory
	// took 0-49, verify-scale-10 0-9): sent strictly in turn, each was used
	// and none more than once beyond the others.
	lo, hi := uses[50], uses[50]
	for i := 50; i < 200; i++ {
		lo, hi = min(lo, uses[i]), max(hi, uses[i])
	}
	if lo < 1 || hi-lo > 1 {
		t.Errorf("verify-scale-200 used tokens 50-199 between %d and %d times each, want every one used and in turn", lo, hi)
	}
	if uses[0] <= hi {
		t.Errorf("token 0 (in every scale scenario) used %d times, no more than tokens only verify-scale-200 used (%d)", uses[0], hi)
	}
}

// tokenmint bench against its in-process server on SQLite: every scenario
// runs without errors, the report has the ratios, and verify-scale-200
// really verified 200 different tokens in turn (the server counted their
// uses), tokens made by the bulk seeding that verify accepts.
func TestBenchInProcessSQLite(t *testing.T) {
	rep, out, uses := runBenchInProcess(t)
	checkBenchReport(t, rep)
	checkBenchTable(t, out)
	checkScaleUses(t, uses)
}

// The same run on PostgreSQL, the pool seeded by COPY.
func TestBenchInProcessPostgres(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	rep, _, uses := runBenchInProcess(t, "--database", url)
	checkBenchReport(t, rep)
	if rep.Store != "postgres" || !strings.Contains(rep.Seed.How, "PostgreSQL") {
		t.Errorf("store %q, seeded %q: want postgres", rep.Store, rep.Seed.How)
	}
	checkScaleUses(t, uses)
}

// --json prints the same report as JSON, and --url targets a server that
// bench did not start, seeding through the API.
func TestBenchURLJSON(t *testing.T) {
	in := openInstance(t, "", tokenmint.SystemClock{}, func(c *serverConfig) {})
	var out, errOut bytes.Buffer
	args := []string{"--url", in.srv.URL, "--admin-password", "cluster-admin-pw", "--duration", "200ms", "--warmup", "0s",
		"--connections", "2", "--tokens", "20", "--scenarios", "bare,verify-opaque,verify-jwt-cc,verify-scale", "--json"}
	if err := runBenchWith(args, &out, &errOut, benchHooks{}); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	var rep benchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out.String())
	}
	if len(rep.Scenarios) != 4 || rep.Target != in.srv.URL || rep.Seed == nil || rep.Seed.How != "through the API" {
		t.Fatalf("report: %+v", rep)
	}
	for _, s := range rep.Scenarios {
		if s.Requests == 0 || s.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors (%v)", s.Name, s.Requests, s.Errors, s.Statuses)
		}
	}
	// The quota bench lifted to seed is back to the default.
	ctx := context.Background()
	tenant, err := in.app.store.TenantByName(ctx, tokenmint.DefaultTenant)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := in.app.store.PolicyByTenant(ctx, tenant.ID)
	if err != nil || pol.MaxTokensPerOwner != tokenmint.DefaultMaxTokensPerOwner {
		t.Errorf("max_tokens_per_owner after bench: %d (%v), want %d again", pol.MaxTokensPerOwner, err, tokenmint.DefaultMaxTokensPerOwner)
	}
}

// TestBenchMakesTheProfileFolder: --cpuprofile-dir names a folder that may
// not exist yet; bench makes it before seeding instead of failing at the
// first scenario's profile.
func TestBenchMakesTheProfileFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profiles", "run1")
	o, _, err := parseBenchFlags([]string{"--cpuprofile-dir", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(o.cpuProfileDir); err != nil || !st.IsDir() {
		t.Fatalf("profile folder %s: %v", dir, err)
	}
}
