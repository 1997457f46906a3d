package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Why rounds: on the project machine the speed of everything in the
// process drifts by up to a quarter from one minute to the next (the cores
// stay as busy, with no steal), so two windows minutes apart mostly
// measure that drift. --rounds N measures every timed scenario N times,
// the plain ones in turns (bare, verify-opaque, ..., bare, verify-opaque,
// ...) so that a slow minute weighs on both sides of a ratio, and reports
// each scenario's median round.

// inTurns reports whether a scenario takes part in the rounds' turns: all
// but those that need the token pool (their warm-up, once, is the cost of
// bringing tokens into use, so their rounds follow it back to back).
func inTurns(name string) bool {
	_, scale := scaleTokens(name)
	return !scale && name != scenCacheMemory && name != scenRSS
}

// runScenarios runs the selected scenarios in order, --rounds times each,
// and adds each one's median round to rep. The overall timeout stops the
// run after the scenario it cuts.
func (env *benchEnv) runScenarios(ctx context.Context, selected []string, rep *benchReport) error {
	var turns, after []string
	for _, name := range selected {
		if inTurns(name) {
			turns = append(turns, name)
		} else {
			after = append(after, name)
		}
	}
	withBare := contains(turns, scenBare)
	rounds := map[string][]*scenarioResult{}
	// runRound runs round r of a timed scenario and keeps it; with bare
	// selected, a scale round is set against a bare window after it.
	runRound := func(name string, r int) error {
		res, err := env.runTimed(ctx, name, r)
		if res != nil {
			rounds[name] = append(rounds[name], res)
		}
		if _, scale := scaleTokens(name); err == nil && scale && withBare {
			err = env.pairWithBare(ctx, res)
		}
		return err
	}
	addMedians := func(names ...string) {
		for _, name := range names {
			if rs := rounds[name]; len(rs) > 0 {
				rep.Scenarios = append(rep.Scenarios, medianRound(rs))
			}
		}
	}
	for r := range env.opts.rounds {
		for _, name := range turns {
			if err := runRound(name, r); err != nil {
				addMedians(turns...)
				return err
			}
		}
	}
	addMedians(turns...)
	for _, name := range after {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("--timeout reached before %s", name)
		}
		if env.pool == nil {
			if err := env.seed(ctx, selected, rep); err != nil {
				return err
			}
		}
		if name == scenCacheMemory || name == scenRSS {
			if err := env.runOnce(ctx, name, rep); err != nil {
				return err
			}
			continue
		}
		for r := range env.opts.rounds {
			if err := runRound(name, r); err != nil {
				addMedians(name)
				return err
			}
		}
		addMedians(name)
	}
	return nil
}

// runOnce runs cache-memory or rss, which have no rounds.
func (env *benchEnv) runOnce(ctx context.Context, name string, rep *benchReport) error {
	fmt.Fprintf(env.progress, "running %s...\n", name)
	var res *scenarioResult
	if name == scenCacheMemory {
		res = env.runCacheMemory(ctx)
	} else {
		res = env.runRSS(ctx)
	}
	env.measureServer(res)
	rep.Scenarios = append(rep.Scenarios, res)
	if res.Cut {
		return fmt.Errorf("--timeout reached during %s", name)
	}
	return nil
}

// pairWithBare measures a bare window right after a scale scenario's
// round and keeps the round's req/s over the bare one: the scale scenarios
// run minutes apart (a million tokens' warm-up takes about six), so their
// ratio is taken between rates each measured against the baseline of its
// own minute. The baseline shares the process, and with a bigger heap it
// gets faster (fewer collections), so this form is the stricter one.
func (env *benchEnv) pairWithBare(ctx context.Context, res *scenarioResult) error {
	bare, err := env.runTimed(ctx, scenBare, -1)
	if err != nil {
		return err
	}
	if bare.RPS > 0 {
		res.VsBare = append(res.VsBare, res.RPS/bare.RPS)
	}
	return nil
}

// runTimed runs round r (from 0) of a timed scenario. Only the first round
// of a scale scenario has its long warm-up, and only the first round of
// each scenario is profiled.
func (env *benchEnv) runTimed(ctx context.Context, name string, r int) (*scenarioResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("--timeout reached before %s", name)
	}
	switch {
	case r < 0:
		fmt.Fprintf(env.progress, "running %s (the baseline of the window before)...\n", name)
	case env.opts.rounds > 1:
		fmt.Fprintf(env.progress, "running %s (round %d of %d)...\n", name, r+1, env.opts.rounds)
	default:
		fmt.Fprintf(env.progress, "running %s...\n", name)
	}
	spec, _ := env.loadFor(name)
	stop := func() error { return nil }
	if r == 0 {
		spec.onMeasure = func() { stop = env.startProfile(name) }
	} else {
		spec.warmupRequests, spec.warmupDone = 0, nil
	}
	lr := runLoad(ctx, spec)
	if err := stop(); err != nil {
		return nil, err
	}
	res := newScenarioResult(name, spec.connections, lr)
	if n, scale := scaleTokens(name); scale && r == 0 {
		res.Note = fmt.Sprintf("the warm-up verified every one of the %d tokens at least once, in %s", n, lr.Warmup.Round(time.Millisecond))
		if env.server != nil {
			res.Note += ", until the server had written their first uses"
			if w := env.server.app.svc.Usage().WaitingNewPairs(); w > 0 {
				res.Note += fmt.Sprintf(" (cut by --scale-drain-limit %s: %d still waiting)", env.opts.scaleDrain, w)
			}
		}
	}
	env.measureServer(res)
	if res.Cut {
		return res, fmt.Errorf("--timeout reached during %s", name)
	}
	return res, nil
}

// medianRound returns the round of median req/s (the lower of the two
// middle ones for an even count), with the errors of every round and the
// first round's note, and says which rounds it chose from.
func medianRound(rs []*scenarioResult) *scenarioResult {
	if len(rs) == 1 {
		return rs[0]
	}
	byRate := append([]*scenarioResult(nil), rs...)
	sort.SliceStable(byRate, func(i, j int) bool { return byRate[i].RPS < byRate[j].RPS })
	m := *byRate[(len(byRate)-1)/2]
	m.Errors, m.Statuses, m.Cut = 0, nil, false
	m.RoundRPS, m.RoundP99, m.VsBare = nil, nil, nil
	rates := make([]string, len(rs))
	for i, r := range rs {
		m.RoundRPS = append(m.RoundRPS, r.RPS)
		m.RoundP99 = append(m.RoundP99, r.P99ms)
		m.VsBare = append(m.VsBare, r.VsBare...)
		rates[i] = strconv.FormatFloat(r.RPS, 'f', 0, 64)
		m.Errors += r.Errors
		m.Cut = m.Cut || r.Cut
		for status, n := range r.Statuses {
			if m.Statuses == nil {
				m.Statuses = map[string]uint64{}
			}
			m.Statuses[status] += n
		}
	}
	note := fmt.Sprintf("median of %d rounds (req/s in turn: %s; errors are all rounds')", len(rs), strings.Join(rates, ", "))
	if rs[0].Note != "" {
		note = rs[0].Note + "; " + note
	}
	m.Note = note
	return &m
}
