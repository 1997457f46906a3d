package main

import (
	"bufio"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The load generator is hand-rolled on raw connections rather than built
// on net/http's Client: on this project's 2-core machine the generator
// shares the cores with the server it measures, and the Client's own work
// per request (its transport's connection pool, goroutines per
// connection, request and header maps, context plumbing) would cost about
// as much CPU as the handler under test and dominate the figures. Here
// each connection is one goroutine on one kept-alive net.Conn that writes
// pre-built request bytes and parses the answer with http.ReadResponse on
// a bufio.Reader, and latencies go into a fixed-bucket histogram.

// loadSpec is one run of the load generator against one address.
type loadSpec struct {
	addr        string // host:port
	connections int
	warmup      time.Duration
	duration    time.Duration
	// request appends request i to dst and returns it. Requests without
	// variation may return the same slice every time.
	request func(dst []byte, i uint64) []byte
	// distinct is how many different requests there are: with more than
	// one, every request takes the next index of a counter shared by all
	// connections, so they are sent strictly in turn (0, 1, ... distinct-1,
	// 0, ...) and none is hot.
	distinct uint64
	// warmupRequests, when set, extends the warm-up until that many
	// requests were sent: a scale scenario first verifies each of its
	// tokens once, so all of them are in use when the measurement starts.
	warmupRequests uint64
	// warmupDone, when set, extends the warm-up (load still running) until
	// it reports true or warmupLimit has passed: a scale scenario waits for
	// the server to write the first uses its warm-up made.
	warmupDone  func() bool
	warmupLimit time.Duration
	// total, when set, sends requests 0..total-1 exactly once each, with
	// no warm-up and no time bound other than the context.
	total uint64
	// tick, when set, is called about every 100 ms of the measurement with
	// the time measured so far.
	tick func(elapsed time.Duration)
	// onMeasure, when set, is called as the measured window opens.
	onMeasure func()
}

// loadResult is what one run measured.
type loadResult struct {
	Requests uint64
	// Errors are answers outside 2xx plus I/O errors.
	Errors   uint64
	Statuses map[int]uint64 // non-2xx answers by status
	IOErrors uint64
	Elapsed  time.Duration
	Warmup   time.Duration // how long the warm-up took
	// Cut says the run was stopped early by the overall timeout.
	Cut  bool
	hist latencyHist
}

// Rate is the requests per second of the measured window.
func (r *loadResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// loadWorker is one connection's state. Its counters are its own until
// the run ends, so recording needs no synchronisation.
type loadWorker struct {
	spec     *loadSpec
	phase    *atomic.Int32
	next     *atomic.Uint64
	mu       sync.Mutex // guards conn against the stopper's deadline
	conn     net.Conn
	br       *bufio.Reader
	requests uint64
	ioErrors uint64
	statuses map[int]uint64
	hist     latencyHist
}

// runLoad runs spec and returns what it measured. ctx bounds it: when ctx
// ends, the measurement stops early and the result says so.
func runLoad(ctx context.Context, spec loadSpec) *loadResult {
	var phase atomic.Int32
	var next atomic.Uint64
	if spec.total > 0 || (spec.warmup <= 0 && spec.warmupRequests == 0) {
		phase.Store(phaseMeasure)
	}
	workers := make([]*loadWorker, spec.connections)
	var wg sync.WaitGroup
	for i := range workers {
		w := &loadWorker{spec: &spec, phase: &phase, next: &next, statuses: map[int]uint64{}}
		workers[i] = w
		wg.Add(1)
		go func() { defer wg.Done(); w.run() }()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	res := &loadResult{Statuses: map[int]uint64{}}
	if phase.Load() == phaseWarmup {
		warm := time.Now()
		res.Cut = warmUp(ctx, &spec, &next, done)
		res.Warmup = time.Since(warm)
		phase.Store(phaseMeasure)
	}
	if spec.onMeasure != nil {
		spec.onMeasure()
	}
	start := time.Now()
	if !res.Cut {
		res.Cut = measure(ctx, &spec, start, done)
	}
	phase.Store(phaseStop)
	res.Elapsed = time.Since(start)
	stopWorkers(workers, done)
	for _, w := range workers {
		res.Requests += w.requests
		res.IOErrors += w.ioErrors
		for st, n := range w.statuses {
			res.Statuses[st] += n
			res.Errors += n
		}
		res.hist.merge(&w.hist)
	}
	res.Errors += res.IOErrors
	return res
}

// warmUp waits for the end of the warm-up: its time, and the requests it
// must send. It reports whether ctx cut it short.
func warmUp(ctx context.Context, spec *loadSpec, next *atomic.Uint64, done <-chan struct{}) bool {
	warm := time.Now()
	deadline := time.After(spec.warmup)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	timeUp := false
	for {
		select {
		case <-ctx.Done():
			return true
		case <-done:
			return false
		case <-deadline:
			timeUp = true
		case <-tick.C:
		}
		if timeUp && next.Load() >= spec.warmupRequests && spec.warmedUp(warm) {
			return false
		}
	}
}

// warmedUp reports whether warmupDone (if any) is satisfied, or the
// warm-up that began at start has lasted warmupLimit.
func (spec *loadSpec) warmedUp(start time.Time) bool {
	return spec.warmupDone == nil || time.Since(start) >= spec.warmupLimit || spec.warmupDone()
}

// measure waits for the end of the measured window (or, for a fixed total,
// for the workers) and reports whether ctx cut it short.
func measure(ctx context.Context, spec *loadSpec, start time.Time, done <-chan struct{}) bool {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return true
		case <-done:
			return false
		case <-tick.C:
			elapsed := time.Since(start)
			if spec.total == 0 && elapsed >= spec.duration {
				return false
			}
			if spec.tick != nil {
				spec.tick(elapsed)
			}
		}
	}
}

// stopWorkers waits for the connections to finish their request in
// flight; one the server does not answer within 5 s is cut.
func stopWorkers(workers []*loadWorker, done <-chan struct{}) {
	select {
	case <-done:
		return
	case <-time.After(5 * time.Second):
	}
	for _, w := range workers {
		w.mu.Lock()
		if w.conn != nil {
			w.conn.SetDeadline(time.Unix(1, 0))
		}
		w.mu.Unlock()
	}
	<-done
}

func (w *loadWorker) run() {
	defer w.closeConn()
	// scratch is where varying requests are built. It is never replaced
	// by what request returns: a fixed request returns a slice shared by
	// every connection, which must not be appended to.
	scratch := make([]byte, 0, 2048)
	for {
		if w.phase.Load() == phaseStop {
			return
		}
		var i uint64
		switch {
		case w.spec.total > 0:
			if i = w.next.Add(1) - 1; i >= w.spec.total {
				return
			}
		case w.spec.distinct > 1:
			i = (w.next.Add(1) - 1) % w.spec.distinct
		}
		req := w.spec.request(scratch[:0], i)
		start := time.Now()
		status, err := w.do(req)
		d := time.Since(start)
		if w.phase.Load() != phaseMeasure {
			continue // warm-up, or an answer after the window closed
		}
		if err != nil {
			w.ioErrors++
			if w.conn == nil {
				time.Sleep(10 * time.Millisecond) // the dial failed: do not spin
			}
			continue
		}
		w.requests++
		w.hist.record(d)
		if status < 200 || status > 299 {
			w.statuses[status]++
		}
	}
}

// do sends one request on the kept-alive connection (dialling it first if
// needed) and reads the whole answer.
func (w *loadWorker) do(req []byte) (int, error) {
	if w.conn == nil {
		c, err := net.Dial("tcp", w.spec.addr)
		if err != nil {
			return 0, err
		}
		w.mu.Lock()
		w.conn = c
		w.mu.Unlock()
		if w.br == nil {
			w.br = bufio.NewReaderSize(c, 16<<10)
		} else {
			w.br.Reset(c)
		}
	}
	if _, err := w.conn.Write(req); err != nil {
		w.closeConn()
		return 0, err
	}
	status, closing, err := readAnswer(w.br)
	if err != nil {
		w.closeConn()
		return 0, err
	}
	if closing {
		w.closeConn() // the server asked to end the connection
	}
	return status, nil
}

func (w *loadWorker) closeConn() {
	w.mu.Lock()
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
	w.mu.Unlock()
}
