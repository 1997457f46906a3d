package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// Scenario names.
const (
	scenBare          = "bare"
	scenUnloaded      = "verify-unloaded"
	scenVerifyOpaque  = "verify-opaque"
	scenJWTCC         = "verify-jwt-cc"
	scenJWTPassword   = "verify-jwt-password"
	scenJWTExchange   = "verify-jwt-exchange"
	scenIntroOpaque   = "introspect-opaque"
	scenIntroJWT      = "introspect-jwt"
	scenIssueCC       = "issue-cc"
	scenCreateToken   = "create-token"
	scenCacheMemory   = "cache-memory"
	scenScalePrefix   = "verify-scale-"
	scenRSS           = "rss"
	scaleOptInTokens  = 1_000_000 // verify-scale-N from here on runs only when asked for
	verifyPath        = "/api/v1/auth/verify?permission=" + benchPermission
	rssFirstSampleAt  = time.Minute
	unloadedMaxLength = 5 * time.Second
)

// scenarioNames lists the scenarios in the order they run; the scale
// scenarios come from --tokens and run between cache-memory and rss.
var scenarioNames = []string{scenBare, scenUnloaded, scenVerifyOpaque, scenVerifyRateLimited, scenJWTCC, scenJWTPassword, scenJWTExchange,
	scenIntroOpaque, scenIntroJWT, scenIssueCC, scenCreateToken, scenCacheMemory, scenScalePrefix + "N", scenRSS}

// scaleTokens returns N of a verify-scale-N scenario.
func scaleTokens(name string) (int, bool) {
	if !strings.HasPrefix(name, scenScalePrefix) {
		return 0, false
	}
	n, err := strconv.Atoi(name[len(scenScalePrefix):])
	return n, err == nil && n > 0
}

// selectScenarios turns --scenarios into the ordered list to run.
func selectScenarios(spec string, tokens []int) ([]string, error) {
	var all []string
	for _, name := range scenarioNames {
		if name == scenScalePrefix+"N" {
			for _, n := range tokens {
				all = append(all, scenScalePrefix+strconv.Itoa(n))
			}
			continue
		}
		all = append(all, name)
	}
	want := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "all":
			for _, name := range all {
				want[name] = true
			}
		case part == "default":
			for _, name := range all {
				n, scale := scaleTokens(name)
				want[name] = want[name] || (name != scenRSS && (!scale || n < scaleOptInTokens))
			}
		case part == "verify-scale":
			for _, n := range tokens {
				want[scenScalePrefix+strconv.Itoa(n)] = true
			}
		default:
			n, scale := scaleTokens(part)
			if scale {
				found := false
				for _, k := range tokens {
					found = found || k == n
				}
				if !found {
					return nil, fmt.Errorf("scenario %s: %d is not in --tokens", part, n)
				}
			} else if !contains(scenarioNames, part) {
				return nil, fmt.Errorf("unknown scenario %q; known: %s, default, all", part, strings.Join(scenarioNames, ", "))
			}
			want[part] = true
		}
	}
	var out []string
	for _, name := range all {
		if want[name] {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario selected")
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// request building: every request is HTTP/1.1 with keep-alive (the
// default), built once as bytes.

func getRequest(host, path string, headers ...string) []byte {
	var b strings.Builder
	b.WriteString("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

func postRequest(host, path, contentType string, body string, headers ...string) []byte {
	var b strings.Builder
	b.WriteString("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Type: " + contentType + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	return []byte(b.String())
}

func fixed(req []byte) func([]byte, uint64) []byte {
	return func([]byte, uint64) []byte { return req }
}

func basicAuth(user, pass string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// verifyRequest is the forward-auth call with token.
func (env *benchEnv) verifyRequest(token string) []byte {
	return getRequest(env.addr, verifyPath, "Authorization: Bearer "+token)
}

// poolVerify returns a request builder that verifies token i of the
// first n of the pool, appending the token into dst (no allocation).
func (env *benchEnv) poolVerify(n int) func([]byte, uint64) []byte {
	head := []byte("GET " + verifyPath + " HTTP/1.1\r\nHost: " + env.addr + "\r\nAuthorization: Bearer ")
	tail := []byte("\r\n\r\n")
	pool := env.pool
	return func(dst []byte, i uint64) []byte {
		dst = append(dst, head...)
		dst = append(dst, pool.at(int(i%uint64(n)))...)
		return append(dst, tail...)
	}
}

func (env *benchEnv) introspectRequest(token string) []byte {
	return postRequest(env.addr, "/oauth/introspect", "application/x-www-form-urlencoded",
		"token="+url.QueryEscape(token), basicAuth(env.fx.clientID, env.fx.clientSecret))
}

func (env *benchEnv) issueRequest() []byte {
	return postRequest(env.addr, "/oauth/token", "application/x-www-form-urlencoded",
		"grant_type=client_credentials", basicAuth(env.fx.clientID, env.fx.clientSecret))
}

func (env *benchEnv) createRequest() []byte {
	return postRequest(env.addr, "/api/v1/tokens", "application/json",
		`{"type":"`+benchTokenType+`","name":"bench-load","days_to_live":`+strconv.Itoa(benchDaysToLive)+`}`, "Cookie: "+env.api.cookie, "X-CSRF-Token: "+env.api.csrf)
}

// loadFor returns the load of a plain timed scenario.
func (env *benchEnv) loadFor(name string) (loadSpec, bool) {
	o := env.opts
	s := loadSpec{addr: env.addr, connections: o.connections, warmup: o.warmup, duration: o.duration}
	fx := env.fx
	switch name {
	case scenBare:
		s.addr = env.bareAddr
		s.request = fixed(getRequest(env.bareAddr, verifyPath, "Authorization: Bearer "+fx.token))
	case scenUnloaded:
		s.connections = 1
		s.duration = min(o.duration, unloadedMaxLength)
		s.request = fixed(env.verifyRequest(fx.token))
	case scenVerifyOpaque:
		s.request = fixed(env.verifyRequest(fx.token))
	case scenVerifyRateLimited:
		s.request = fixed(env.verifyRequest(fx.rateLimited))
	case scenJWTCC:
		s.request = fixed(env.verifyRequest(fx.jwtCC))
	case scenJWTPassword:
		s.request = fixed(env.verifyRequest(fx.jwtPassword))
	case scenJWTExchange:
		s.request = fixed(env.verifyRequest(fx.jwtExchange))
	case scenIntroOpaque:
		s.request = fixed(env.introspectRequest(fx.token))
	case scenIntroJWT:
		s.request = fixed(env.introspectRequest(fx.jwtCC))
	case scenIssueCC:
		s.connections = o.issueConnections
		s.request = fixed(env.issueRequest())
	case scenCreateToken:
		s.connections = o.issueConnections
		s.request = fixed(env.createRequest())
	default:
		n, ok := scaleTokens(name)
		if !ok {
			return s, false
		}
		s.request, s.distinct, s.warmupRequests = env.poolVerify(n), uint64(n), uint64(n)
		if env.server != nil {
			// Every token's first use is a new (token, IP) pair that the
			// write-back must write once, within its write budget (a
			// million took five to six minutes under this load).
			// That is the cost of tokens coming into use, not of verifying
			// tokens in use, so the measurement waits for it, up to
			// --scale-drain-limit, and says how long it waited.
			usage := env.server.app.svc.Usage()
			s.warmupDone = func() bool { return usage.WaitingNewPairs() == 0 }
			s.warmupLimit = o.scaleDrain
		}
	}
	return s, true
}

// measureServer records the server's RSS (and, in-process, the Go heap)
// after a scenario.
func (env *benchEnv) measureServer(res *scenarioResult) {
	if env.pid != "" {
		res.RSSBytes = procRSS(env.pid)
	}
	if env.server != nil {
		res.HeapBytes = heapAlloc(false)
	}
}

// runCacheMemory verifies --cache-tokens distinct tokens once each, so
// each lands in the verify cache, and divides the growth of the live heap
// (after a forced GC, usage flushed) by their number. In-process only:
// the heap measured is this process's, which is the server's.
func (env *benchEnv) runCacheMemory(ctx context.Context) *scenarioResult {
	n := env.opts.cacheTokens
	spec := loadSpec{addr: env.addr, connections: env.opts.connections, request: env.poolVerify(n), total: uint64(n)}
	if env.server == nil {
		res := newScenarioResult(scenCacheMemory, spec.connections, runLoad(ctx, spec))
		res.Note = "heap per cached token is measured only in-process"
		return res
	}
	usage := env.server.app.svc.Usage()
	usage.Flush(ctx)
	env.heapProfile("cache-memory-before")
	before := heapAlloc(true)
	lr := runLoad(ctx, spec)
	held := heapAlloc(true)
	// Buffered usage is not cache: Flush writes it and forgets the pairs,
	// so what stays is the cache's.
	usage.Flush(ctx)
	after := heapAlloc(true)
	env.heapProfile("cache-memory-after")
	res := newScenarioResult(scenCacheMemory, spec.connections, lr)
	per := (float64(after) - float64(before)) / float64(n)
	res.BytesPerToken = &per
	res.Note = fmt.Sprintf("%d tokens verified once each; live heap %s -> %s after GC: %.0f B per cached token (and %.0f B per (token, IP) pair in the usage buffer before it was flushed)",
		n, mib(before), mib(after), per, (float64(held)-float64(after))/float64(n))
	return res
}

// runRSS runs a mixed load for --rss-duration and samples the server's
// RSS after one minute (half the run when it is shorter than two) and at
// the end. Of every 16 requests, 10 verify opaque tokens cycling through
// the pool, 2 verify JWTs (client_credentials, password), 1 verifies the
// exchanged JWT, 1 introspects, 1 issues through client_credentials and 1
// creates a token.
func (env *benchEnv) runRSS(ctx context.Context) *scenarioResult {
	o := env.opts
	first := rssFirstSampleAt
	if o.rssDuration < 2*first {
		first = o.rssDuration / 2
	}
	poolN := max(env.pool.len(), 1)
	verifyPool := env.poolVerify(poolN)
	if env.pool.len() == 0 {
		verifyPool = fixed(env.verifyRequest(env.fx.token))
	}
	mix := [][]byte{
		env.verifyRequest(env.fx.jwtCC), env.verifyRequest(env.fx.jwtPassword), env.verifyRequest(env.fx.jwtExchange),
		env.introspectRequest(env.fx.token), env.issueRequest(), env.createRequest(),
	}
	var rssFirst uint64
	spec := loadSpec{addr: env.addr, connections: o.connections, warmup: o.warmup, duration: o.rssDuration,
		distinct: 16 * uint64(poolN),
		request: func(dst []byte, i uint64) []byte {
			// Ten different pool tokens per 16 requests, in turn: the
			// pool is in use within 1.6 times its size in requests, well
			// before the first RSS sample (one token ten times in a row
			// took 16 times its size, about two minutes for 100 000
			// tokens, and the growth of the cache and the usage buffer
			// while they filled read as RSS growth).
			k := i % 16
			if k >= 10 {
				return mix[k-10]
			}
			return verifyPool(dst, (i/16)*10+k)
		},
		tick: func(elapsed time.Duration) {
			if rssFirst == 0 && elapsed >= first && env.pid != "" {
				rssFirst = procRSS(env.pid)
				env.heapProfile("rss-first")
			}
		},
	}
	res := newScenarioResult(scenRSS, spec.connections, runLoad(ctx, spec))
	if env.pid == "" {
		res.Note = "no RSS: give --pid with --url"
		return res
	}
	end := procRSS(env.pid)
	env.heapProfile("rss-end")
	res.RSSFirst, res.RSSEnd = rssFirst, end
	if rssFirst > 0 {
		ratio := float64(end) / float64(rssFirst)
		res.RSSRatio = &ratio
	}
	res.Note = fmt.Sprintf("RSS %s after %s, %s at the end (%s)", mib(rssFirst), first, mib(end), o.rssDuration)
	return res
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// heapProfile writes, in-process and with --cpuprofile-dir, a profile of
// the live heap to DIR/NAME.heap.pprof (after a collection, so that it
// shows what is held): the rss scenario writes one at each RSS sample,
// cache-memory one before and one after its tokens are cached, and
// `go tool pprof -base` shows what grew between them.
func (env *benchEnv) heapProfile(name string) {
	if env.opts.cpuProfileDir == "" || env.server == nil {
		return
	}
	f, err := os.Create(filepath.Join(env.opts.cpuProfileDir, name+".heap.pprof"))
	if err != nil {
		return
	}
	defer f.Close()
	runtime.GC()
	_ = pprof.Lookup("heap").WriteTo(f, 0)
}

// startProfile starts a CPU profile of the measured window of a scenario
// into --cpuprofile-dir (in-process, the profile holds the server and the
// load generator, whose functions are loadWorker's) and returns what
// stops it. Without the flag it does nothing.
func (env *benchEnv) startProfile(name string) func() error {
	dir := env.opts.cpuProfileDir
	if dir == "" {
		return func() error { return nil }
	}
	f, err := os.Create(filepath.Join(dir, name+".cpu.pprof"))
	if err != nil {
		return func() error { return err }
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() error { return err }
	}
	// Contention is sampled in the measured window too: a server with idle
	// CPU under load is waiting on a lock. Go's mutex profile accumulates,
	// so each file holds the windows measured so far (pprof -diff_base
	// against the previous file isolates one).
	runtime.SetMutexProfileFraction(20)
	return func() error {
		pprof.StopCPUProfile()
		runtime.SetMutexProfileFraction(0)
		if err := f.Close(); err != nil {
			return err
		}
		m, err := os.Create(filepath.Join(dir, name+".mutex.pprof"))
		if err != nil {
			return err
		}
		if err := pprof.Lookup("mutex").WriteTo(m, 0); err != nil {
			m.Close()
			return err
		}
		return m.Close()
	}
}
