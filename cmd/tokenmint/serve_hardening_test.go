package main

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// A slow-loris client, trickling its headers a byte at a time, is cut off
// by the header timeout, and the server keeps answering others meanwhile.
// The loris would need 20 seconds to finish its headers at this pace; the
// server (header timeout 300 ms) hangs up long before.
func TestHardeningSlowLorisCutOff(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := newHTTPServer(h, httpTimeouts{ReadHeader: 300 * time.Millisecond, Read: time.Minute, Write: time.Minute, Idle: time.Minute}, slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	request := "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 2000) + "\r\n\r\n"
	const lorises = 20
	var wg sync.WaitGroup
	results := make(chan string, lorises)
	for range lorises {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				results <- "dial: " + err.Error()
				return
			}
			defer conn.Close()
			for i := 0; i < len(request); i++ {
				if _, err := conn.Write([]byte{request[i]}); err != nil {
					results <- "" // cut off while sending
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
			// Every byte went through: the server waited for all of them.
			status, _ := bufio.NewReader(conn).ReadString('\n')
			results <- "sent the whole request, answer " + status
		}()
	}
	// While the lorises trickle, ordinary clients are served.
	for range 5 {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/")
		if err != nil {
			t.Fatalf("an ordinary client during the slow-loris attack: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "ok" {
			t.Fatalf("an ordinary client during the slow-loris attack: %d %q", resp.StatusCode, body)
		}
	}
	wg.Wait()
	close(results)
	for r := range results {
		if r != "" {
			t.Errorf("slow-loris client: %s", r)
		}
	}
}

// The real server's limits: timeouts on every phase and a header cap.
func TestHardeningServerLimits(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), defaultTimeouts, slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("timeouts: header %v, read %v, write %v, idle %v; want all set", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes %d, want a cap below Go's 1 MiB default", srv.MaxHeaderBytes)
	}
}
