package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// benchReport is everything one bench run measured.
type benchReport struct {
	Started          time.Time         `json:"started"`
	Finished         time.Time         `json:"finished"`
	Target           string            `json:"target"` // "in-process" or the --url
	Store            string            `json:"store,omitempty"`
	Server           string            `json:"server"`
	Baseline         string            `json:"baseline"`
	Duration         string            `json:"duration"`
	Connections      int               `json:"connections"`
	IssueConnections int               `json:"issue_connections"`
	LoadAvgStart     string            `json:"loadavg_start"`
	LoadAvgEnd       string            `json:"loadavg_end"`
	Seed             *seedReport       `json:"seed,omitempty"`
	Scenarios        []*scenarioResult `json:"scenarios"`
	Ratios           []ratio           `json:"ratios"`
}

type seedReport struct {
	Tokens    int     `json:"tokens"`
	How       string  `json:"how"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
}

// scenarioResult is one line of the table.
type scenarioResult struct {
	Name        string            `json:"name"`
	Connections int               `json:"connections"`
	Requests    uint64            `json:"requests"`
	Seconds     float64           `json:"seconds"`
	RPS         float64           `json:"rps"`
	P50ms       float64           `json:"p50_ms"`
	P99ms       float64           `json:"p99_ms"`
	P999ms      float64           `json:"p999_ms"`
	Errors      uint64            `json:"errors"`
	Statuses    map[string]uint64 `json:"error_statuses,omitempty"` // non-2xx by status; "io" for I/O errors
	RSSBytes    uint64            `json:"server_rss_bytes,omitempty"`
	HeapBytes   uint64            `json:"go_heap_bytes,omitempty"`
	Cut         bool              `json:"cut_by_timeout,omitempty"`
	// --rounds above 1: every round's req/s in turn (the row is the median)
	RoundRPS []float64 `json:"round_rps,omitempty"`
	RoundP99 []float64 `json:"round_p99_ms,omitempty"` // and their p99
	// scale scenarios with bare selected: each round's req/s over the
	// bare window measured right after it
	VsBare []float64 `json:"vs_bare,omitempty"`
	// cache-memory
	BytesPerToken *float64 `json:"heap_bytes_per_cached_token,omitempty"`
	// rss
	RSSFirst uint64   `json:"rss_first_bytes,omitempty"`
	RSSEnd   uint64   `json:"rss_end_bytes,omitempty"`
	RSSRatio *float64 `json:"rss_ratio,omitempty"`
	Note     string   `json:"note,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func newScenarioResult(name string, conns int, lr *loadResult) *scenarioResult {
	r := &scenarioResult{
		Name: name, Connections: conns, Requests: lr.Requests, Seconds: lr.Elapsed.Seconds(), RPS: lr.Rate(),
		P50ms: ms(lr.hist.quantile(0.50)), P99ms: ms(lr.hist.quantile(0.99)), P999ms: ms(lr.hist.quantile(0.999)),
		Errors: lr.Errors, Cut: lr.Cut,
	}
	if lr.Errors > 0 {
		r.Statuses = map[string]uint64{}
		for st, n := range lr.Statuses {
			r.Statuses[strconv.Itoa(st)] = n
		}
		if lr.IOErrors > 0 {
			r.Statuses["io"] = lr.IOErrors
		}
	}
	return r
}

// ratio is one of issue 12's targets, as measured in this run.
type ratio struct {
	Name   string   `json:"name"`
	Value  *float64 `json:"value"` // nil: a scenario it needs did not run
	Target string   `json:"target"`
	Met    *bool    `json:"met,omitempty"`
	Unit   string   `json:"unit,omitempty"`
}

func (rep *benchReport) scenario(name string) *scenarioResult {
	for _, s := range rep.Scenarios {
		if s.Name == name && s.Requests > 0 {
			return s
		}
	}
	return nil
}

// computeRatios derives the ratios from the scenarios that ran.
func (rep *benchReport) computeRatios(o *benchOptions) {
	add := func(name, target, unit string, v *float64, met func(float64) bool) {
		r := ratio{Name: name, Value: v, Target: target, Unit: unit}
		if v != nil {
			m := met(*v)
			r.Met = &m
		}
		rep.Ratios = append(rep.Ratios, r)
	}
	div := func(a, b *scenarioResult, f func(*scenarioResult) float64) *float64 {
		if a == nil || b == nil || f(b) == 0 {
			return nil
		}
		v := f(a) / f(b)
		return &v
	}
	rps := func(s *scenarioResult) float64 { return s.RPS }
	// paired is the rate ratio of a and b, and with rounds the median of
	// each round's: windows of one round ran seconds apart, and this
	// machine's speed moves by up to a quarter between minutes.
	paired := func(label string, a, b *scenarioResult, f func(*scenarioResult) float64, rounds func(*scenarioResult) []float64) (string, *float64) {
		if a == nil || b == nil || len(rounds(a)) < 2 || len(rounds(a)) != len(rounds(b)) {
			return label, div(a, b, f)
		}
		ra, rb := rounds(a), rounds(b)
		rs := make([]float64, 0, len(ra))
		for i, x := range ra {
			if rb[i] > 0 {
				rs = append(rs, x/rb[i])
			}
		}
		if len(rs) == 0 {
			return label, nil
		}
		v := median(rs)
		return fmt.Sprintf("%s, median of %d paired rounds", label, len(rs)), &v
	}
	roundRPS := func(s *scenarioResult) []float64 { return s.RoundRPS }
	addPaired := func(label, target string, a, b *scenarioResult, met func(float64) bool) {
		label, v := paired(label, a, b, rps, roundRPS)
		add(label, target, "", v, met)
	}
	p99 := func(s *scenarioResult) float64 { return s.P99ms }
	atLeast := func(x float64) func(float64) bool { return func(v float64) bool { return v >= x } }
	atMost := func(x float64) func(float64) bool { return func(v float64) bool { return v <= x } }

	bare, opaque := rep.scenario(scenBare), rep.scenario(scenVerifyOpaque)
	addPaired("verify-opaque/bare req/s", ">= 0.85", opaque, bare, atLeast(0.85))
	p99Label, p99Ratio := paired("verify-opaque/bare p99", opaque, bare, p99, func(s *scenarioResult) []float64 { return s.RoundP99 })
	add(p99Label, "<= 1.25", "", p99Ratio, atMost(1.25))
	var unloaded *float64
	if s := rep.scenario(scenUnloaded); s != nil {
		unloaded = &s.P50ms
	}
	add("verify-unloaded p50", "<= 0.1", "ms", unloaded, atMost(0.1))
	addPaired(scenVerifyRateLimited+"/verify-opaque req/s", ">= 0.95", rep.scenario(scenVerifyRateLimited), opaque, atLeast(0.95))
	for _, name := range []string{scenJWTCC, scenJWTPassword, scenJWTExchange} {
		addPaired(name+"/verify-opaque req/s", ">= 0.8", rep.scenario(name), opaque, atLeast(0.8))
	}
	for _, name := range []string{scenIntroOpaque, scenIntroJWT} {
		addPaired(name+"/verify-opaque req/s", ">= 0.7", rep.scenario(name), opaque, atLeast(0.7))
	}
	target := func(name string, goal float64) {
		var v *float64
		if s := rep.scenario(name); s != nil {
			x := s.RPS / goal
			v = &x
		}
		add(fmt.Sprintf("%s req/s / %.0f", name, goal), ">= 1", "", v, atLeast(1))
	}
	target(scenIssueCC, 10000)
	target(scenCreateToken, 5000)
	var base *scenarioResult
	for _, n := range o.tokens {
		name := scenScalePrefix + strconv.Itoa(n)
		s := rep.scenario(name)
		if s == nil {
			continue
		}
		if base == nil {
			base = s
			continue
		}
		v, label := div(s, base, rps), name+"/"+base.Name+" req/s"
		if len(s.VsBare) > 0 && len(base.VsBare) > 0 {
			x := median(s.VsBare) / median(base.VsBare)
			v, label = &x, label+", each against the bare window after it"
		}
		add(label, "0.8-1.2", "", v, func(v float64) bool { return v >= 0.8 && v <= 1.2 })
	}
	var perToken, rss *float64
	if s := rep.scenario(scenCacheMemory); s != nil {
		perToken = s.BytesPerToken
	}
	add("heap per cached token", "<= 300", "B", perToken, atMost(300))
	if s := rep.scenario(scenRSS); s != nil {
		rss = s.RSSRatio
	}
	add("rss end/first", "<= 1.10", "", rss, atMost(1.10))
}

func (rep *benchReport) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

func (rep *benchReport) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "tokenmint bench: %s", rep.Target)
	if rep.Store != "" {
		fmt.Fprintf(w, " (%s)", rep.Store)
	}
	fmt.Fprintf(w, ", server %s, baseline %s, %s per scenario\n", rep.Server, rep.Baseline, rep.Duration)
	fmt.Fprintf(w, "load average: %s at start, %s at end\n", rep.LoadAvgStart, rep.LoadAvgEnd)
	if rep.Seed != nil {
		fmt.Fprintf(w, "seed: %d tokens %s in %.1f s (%.0f/s)\n", rep.Seed.Tokens, rep.Seed.How, rep.Seed.Seconds, rep.Seed.PerSecond)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tconns\trequests\treq/s\tp50 ms\tp99 ms\tp99.9 ms\terrors\tserver RSS\tGo heap\t")
	for _, s := range rep.Scenarios {
		rss, heap := "-", "-"
		if s.RSSBytes > 0 {
			rss = mib(s.RSSBytes)
		}
		if s.HeapBytes > 0 {
			heap = mib(s.HeapBytes)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.3f\t%.3f\t%.3f\t%d\t%s\t%s\t\n",
			s.Name, s.Connections, s.Requests, s.RPS, s.P50ms, s.P99ms, s.P999ms, s.Errors, rss, heap)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range rep.Scenarios {
		if s.Errors > 0 {
			fmt.Fprintf(w, "%s errors by status: %s\n", s.Name, statusList(s.Statuses))
		}
		if s.Cut {
			fmt.Fprintf(w, "%s was cut short by --timeout\n", s.Name)
		}
		if s.Note != "" {
			fmt.Fprintf(w, "%s: %s\n", s.Name, s.Note)
		}
		if len(s.VsBare) > 0 {
			vs := make([]string, len(s.VsBare))
			for i, v := range s.VsBare {
				vs[i] = strconv.FormatFloat(v, 'f', 3, 64)
			}
			fmt.Fprintf(w, "%s: req/s over the bare window right after it: %s (median %.3f)\n", s.Name, strings.Join(vs, ", "), median(s.VsBare))
		}
	}
	fmt.Fprintln(w, "\nratios (issue 12 targets):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rep.Ratios {
		val, verdict := "n/a", "not run"
		if r.Value != nil {
			val = strconv.FormatFloat(*r.Value, 'f', 3, 64)
			if r.Unit == "B" {
				val = strconv.FormatFloat(*r.Value, 'f', 0, 64)
			}
			if r.Unit != "" {
				val += " " + r.Unit
			}
			verdict = "missed"
			if *r.Met {
				verdict = "met"
			}
		}
		target := r.Target
		if r.Unit != "" {
			target += " " + r.Unit
		}
		fmt.Fprintf(tw, "  %s\t%s\ttarget %s\t%s\n", r.Name, val, target, verdict)
	}
	return tw.Flush()
}

func statusList(m map[string]uint64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// median of xs (the mean of the two middle ones for an even count); xs is
// not changed.
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
