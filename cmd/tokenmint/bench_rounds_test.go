package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// --rounds 3: the plain scenarios run in turns, a scale scenario's rounds
// follow its warm-up back to back, and each row is the median round with
// every round's req/s beside it.
func TestBenchRoundsRunInTurnsAndReportTheMedian(t *testing.T) {
	var out, errOut bytes.Buffer
	var rep *benchReport
	args := []string{"--data-dir", t.TempDir(), "--duration", "200ms", "--warmup", "50ms", "--connections", "2",
		"--tokens", "10,20", "--scenarios", "bare,verify-opaque,verify-scale", "--rounds", "3", "--timeout", "5m"}
	if err := runBenchWith(args, &out, &errOut, benchHooks{report: func(r *benchReport) { rep = r }}); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	var order []string
	for _, m := range regexp.MustCompile(`running (\S+) \((round (\d) of 3|the baseline)`).FindAllStringSubmatch(errOut.String(), -1) {
		if m[3] == "" {
			order = append(order, "+bare")
		} else {
			order = append(order, m[1]+"#"+m[3])
		}
	}
	want := "bare#1 verify-opaque#1 bare#2 verify-opaque#2 bare#3 verify-opaque#3 " +
		"verify-scale-10#1 +bare verify-scale-10#2 +bare verify-scale-10#3 +bare verify-scale-20#1 +bare verify-scale-20#2 +bare verify-scale-20#3 +bare"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("rounds ran %q, want %q\n%s", got, want, errOut.String())
	}
	if len(rep.Scenarios) != 4 {
		t.Fatalf("%d rows, want one per scenario: %+v", len(rep.Scenarios), rep.Scenarios)
	}
	for _, s := range rep.Scenarios {
		if len(s.RoundRPS) != 3 || s.Errors != 0 {
			t.Errorf("%s: rounds %v, %d errors", s.Name, s.RoundRPS, s.Errors)
			continue
		}
		below, above := 0, 0
		for _, r := range s.RoundRPS {
			if r < s.RPS {
				below++
			}
			if r > s.RPS {
				above++
			}
		}
		if below > 1 || above > 1 {
			t.Errorf("%s: row %.0f req/s is not the median of %v", s.Name, s.RPS, s.RoundRPS)
		}
		if !strings.Contains(out.String(), s.Name+": ") || !strings.Contains(s.Note, "median of 3 rounds") {
			t.Errorf("%s: note %q", s.Name, s.Note)
		}
	}
	if s := rep.scenario("verify-scale-10"); s == nil || !strings.HasPrefix(s.Note, "the warm-up verified every one of the 10 tokens") {
		t.Errorf("the scale scenario's note lost its warm-up: %+v", s)
	}
	// The rate and p99 ratios of two scenarios in turns are the medians of
	// each round's ratio, not the ratios of their medians.
	bare, opaque := rep.scenario(scenBare), rep.scenario(scenVerifyOpaque)
	checkPairedRatio(t, rep, "verify-opaque/bare req/s, median of 3 paired rounds", opaque.RoundRPS, bare.RoundRPS)
	checkPairedRatio(t, rep, "verify-opaque/bare p99, median of 3 paired rounds", opaque.RoundP99, bare.RoundP99)
	// Each scale round is set against the bare window right after it, and
	// the scale ratio is taken between those.
	s10, s20 := rep.scenario("verify-scale-10"), rep.scenario("verify-scale-20")
	if len(s10.VsBare) != 3 || len(s20.VsBare) != 3 {
		t.Fatalf("against bare: %v and %v, want 3 rounds each", s10.VsBare, s20.VsBare)
	}
	found := false
	for _, r := range rep.Ratios {
		if r.Name == "verify-scale-20/verify-scale-10 req/s, each against the bare window after it" {
			found = r.Value != nil && *r.Value == median(s20.VsBare)/median(s10.VsBare)
		}
	}
	if !found || !strings.Contains(out.String(), "verify-scale-20: req/s over the bare window right after it: ") {
		t.Errorf("the scale ratio is not taken against bare:\n%s", out.String())
	}
}

func TestMedianOfOddAndEvenCounts(t *testing.T) {
	xs := []float64{3, 1, 2, 10}
	if m := median(xs); m != 2.5 {
		t.Errorf("median %v = %v, want 2.5", xs, m)
	}
	if m := median(xs[:3]); m != 2 {
		t.Errorf("median %v = %v, want 2", xs[:3], m)
	}
	if xs[0] != 3 || xs[3] != 10 {
		t.Errorf("median sorted its argument: %v", xs)
	}
}

// checkPairedRatio asserts that the ratio named is the median of a[i]/b[i].
func checkPairedRatio(t *testing.T, rep *benchReport, name string, a, b []float64) {
	t.Helper()
	var each []float64
	for i := range a {
		each = append(each, a[i]/b[i])
	}
	for _, r := range rep.Ratios {
		if r.Name == name {
			if r.Value == nil || len(each) != 3 || *r.Value != median(each) {
				t.Errorf("%s = %v, want the median of the rounds' ratios %v", name, r.Value, each)
			}
			return
		}
	}
	t.Errorf("no ratio %q in %+v", name, rep.Ratios)
}

// medianRound takes the lower middle of an even count, and the errors of
// every round, not only the chosen one's.
func TestMedianRoundKeepsEveryRoundsErrors(t *testing.T) {
	rs := []*scenarioResult{
		{Name: "x", RPS: 40, Errors: 1, Statuses: map[string]uint64{"503": 1}},
		{Name: "x", RPS: 10},
		{Name: "x", RPS: 30, Errors: 2, Statuses: map[string]uint64{"503": 2}},
		{Name: "x", RPS: 20, Cut: true},
	}
	m := medianRound(rs)
	if m.RPS != 20 || m.Errors != 3 || m.Statuses["503"] != 3 || !m.Cut {
		t.Errorf("median %+v, want the 20 req/s round with 3 errors (503: 3) and cut", m)
	}
	if rs[0].Statuses["503"] != 1 || rs[3].Errors != 0 {
		t.Error("medianRound changed the rounds it read")
	}
	if got := m.RoundRPS; len(got) != 4 || got[0] != 40 || got[3] != 20 {
		t.Errorf("round req/s %v, want them in turn", got)
	}
}
