package main

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"tokenmint"
)

// benchServer is the tokenmint server bench measures when it starts one
// itself: the same wiring as serve (openApp, newHTTPServer, the usage
// flusher and the background loops) on a loopback port.
type benchServer struct {
	app  *app
	srv  *http.Server
	addr string
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// startBenchServer opens the app of cfg and serves it on 127.0.0.1:0.
func startBenchServer(ctx context.Context, cfg *serverConfig, log *slog.Logger) (*benchServer, error) {
	flushEvery, err := parseDuration("usage-flush", cfg.UsageFlush)
	if err != nil {
		return nil, err
	}
	headroom, err := parseGCHeadroom(cfg.GCHeadroom)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg.Listen = ln.Addr().String() // the default issuer is http://LISTEN
	a, err := openApp(ctx, cfg, log, tokenmint.SystemClock{})
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &benchServer{app: a, srv: newHTTPServer(a.handler, defaultTimeouts, log), addr: ln.Addr().String()}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	loops := append([]func(context.Context){
		func(ctx context.Context) { a.svc.Usage().Run(ctx, flushEvery) },
		func(ctx context.Context) { keepGCHeadroom(ctx, headroom, log) },
	}, a.background...)
	for _, run := range loops {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); run(bg) }()
	}
	go s.srv.Serve(ln)
	return s, nil
}

// close stops serving, stops the background loops and closes the app
// (which flushes the usage buffer).
func (s *benchServer) close() error {
	s.srv.Close()
	s.stop()
	s.wg.Wait()
	return s.app.close(context.Background())
}

// bareBody is what the baseline handler answers: a small fixed JSON
// object, about the size of a verify answer's smallest part.
var bareBody = []byte(`{"active":true,"subject":"bench"}` + "\n")

// startBareServer serves the baseline: a plain net/http handler that
// answers 200 with bareBody, on the same server settings as tokenmint, so
// the difference between the two is tokenmint's own work.
func startBareServer(log *slog.Logger) (addr string, closeFn func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(bareBody)))
		w.WriteHeader(http.StatusOK)
		w.Write(bareBody)
	})
	srv := newHTTPServer(h, defaultTimeouts, log)
	go srv.Serve(ln)
	return ln.Addr().String(), func() { srv.Close() }, nil
}

// procRSS returns the resident set size in bytes of process pid ("self"
// for this one) from /proc, or 0 when it cannot be read (not Linux, or
// the process is gone).
func procRSS(pid string) uint64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "VmRSS:") {
			continue
		}
		f := strings.Fields(line[len("VmRSS:"):])
		if len(f) == 0 {
			return 0
		}
		kb, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0
		}
		return kb * 1024
	}
	return 0
}

// loadAverage returns the first three fields of /proc/loadavg ("" when it
// cannot be read).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// heapAlloc returns the live Go heap of this process in bytes; with gc it
// collects first, so the figure holds only reachable objects.
func heapAlloc(gc bool) uint64 {
	if gc {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
