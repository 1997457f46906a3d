package main

import (
	"math/bits"
	"time"
)

// histSubBits sets the precision of latencyHist: 2^histSubBits buckets per
// power of two, so a bucket is at most 1/32 (about 3 %) wide.
const histSubBits = 5

const histSub = 1 << histSubBits

// histBuckets covers every int64 nanosecond value (shifts up to 63).
const histBuckets = (64 - histSubBits) * histSub

// latencyHist is a log-linear histogram of latencies in nanoseconds: exact
// below 64 ns, then 32 buckets per power of two. Recording is an index
// computation and an increment, with no allocation, so every request can
// be recorded without the generator's own cost showing in the figures.
// Each load connection has its own; they are merged at the end.
type latencyHist struct {
	counts [histBuckets]uint64
	n      uint64
	max    int64
}

func histIndex(v int64) int {
	if v < 2*histSub {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - histSubBits - 1
	return (shift+1)*histSub + int(uint64(v)>>shift) - histSub
}

// histValue is the middle of bucket i.
func histValue(i int) int64 {
	if i < 2*histSub {
		return int64(i)
	}
	shift := i/histSub - 1
	mant := int64(i%histSub + histSub)
	low := mant << shift
	return low + (int64(1)<<shift)/2
}

func (h *latencyHist) record(d time.Duration) {
	v := int64(d)
	h.counts[histIndex(v)]++
	h.n++
	if v > h.max {
		h.max = v
	}
}

func (h *latencyHist) merge(o *latencyHist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile returns the latency below which the fraction q of the recorded
// requests fall (the middle of its bucket); 0 when nothing was recorded.
func (h *latencyHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := histValue(i)
			if v > h.max {
				v = h.max
			}
			return time.Duration(v)
		}
	}
	return time.Duration(h.max)
}
