package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"time"
)

// keepGCHeadroom keeps the heap's growth between two collections at least
// headroom bytes and at most maxGrowthFactor times that, until ctx ends.
//
// Go collects when the heap has grown by GOGC percent (100) of what was
// live after the last collection. A token server's live heap is small (a
// few MiB plus its cache) while every request allocates a few kilobytes,
// so with the default it collects several times a second under load: 6 %
// of the server's CPU on the opaque verify load, measured with perf. With
// a million tokens cached the opposite holds: the heap grows by hundreds
// of MiB between collections, every allocation lands on memory not touched
// for a long time, and the million-token verify load ran 16 % faster with
// a quarter of that growth (BENCHMARKS.md; the cache's entries hold no
// pointers, so a collection costs little however large it is). The
// runtime has no minimum or maximum growth setting (a ballast array is the
// old workaround for the first and hides the real heap in the metrics), so
// after each collection this sets GOGC to what gives the growth GOGC asks
// for (the configured value, 100 by default) bounded to [headroom,
// maxGrowthFactor*headroom]. GOMEMLIMIT still bounds the heap; GOGC=off,
// or a headroom of 0, leaves the collector alone.
func keepGCHeadroom(ctx context.Context, headroom uint64, log *slog.Logger) {
	samples := []metrics.Sample{
		{Name: "/gc/gogc:percent"},
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/gc/heap/live:bytes"},
	}
	metrics.Read(samples)
	if samples[0].Value.Kind() != metrics.KindUint64 || samples[2].Value.Kind() != metrics.KindUint64 {
		log.Warn("gc-headroom: this Go runtime does not report the live heap; the collector keeps its default pacing")
		return
	}
	// GOGC=off reads as the largest uint64, which int makes -1: off.
	base := int(samples[0].Value.Uint64())
	if headroom == 0 || debug.SetGCPercent(base) < 0 {
		return // no headroom asked for, or GOGC=off
	}
	defer debug.SetGCPercent(base)
	tick := time.NewTicker(gcHeadroomCheck)
	defer tick.Stop()
	lastCycle, set := uint64(0), base
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		metrics.Read(samples)
		cycle := samples[1].Value.Uint64()
		if cycle == lastCycle {
			continue
		}
		lastCycle = cycle
		if p := gcPercentFor(samples[2].Value.Uint64(), headroom, base); p != set {
			debug.SetGCPercent(p)
			set = p
		}
	}
}

// parseGCHeadroom reads --gc-headroom (MiB) as bytes.
func parseGCHeadroom(v string) (uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > maxGCHeadroomMiB {
		return 0, fmt.Errorf("gc-headroom %q: give a whole number of MiB from 0 to %d", v, maxGCHeadroomMiB)
	}
	return n << 20, nil
}

// gcHeadroomCheck is how often keepGCHeadroom looks for a finished
// collection: reading three runtime metrics, far cheaper than a collection.
const gcHeadroomCheck = 100 * time.Millisecond

// maxGCPercent bounds what keepGCHeadroom sets: near an empty heap the
// formula would ask for a huge GOGC, which the headroom bounds anyway.
const maxGCPercent = 10_000

// maxGrowthFactor times --gc-headroom is the most the heap grows between
// two collections.
const maxGrowthFactor = 4

// maxGCHeadroomMiB bounds --gc-headroom (1 TiB).
const maxGCHeadroomMiB = 1 << 20

// gcPercentFor is the GOGC that lets a live heap of live bytes grow by what
// GOGC=base asks, but by no less than headroom and no more than
// maxGrowthFactor times it.
func gcPercentFor(live, headroom uint64, base int) int {
	live = max(live, 1)
	growth := live * uint64(base) / 100 // GOGC's own growth
	growth = min(max(growth, headroom), maxGrowthFactor*headroom)
	p := growth * 100 / live // growth is at most 4 TiB: no overflow
	return int(min(max(p, 1), maxGCPercent))
}
