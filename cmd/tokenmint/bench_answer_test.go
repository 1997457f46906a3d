package main

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The load generator's answer reader keeps a kept-alive connection in step
// with what a real net/http server sends: sized, chunked (with a trailer),
// bodiless and closing answers, one after another on one connection.
func TestReadAnswerFollowsARealServer(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/sized", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"active":true}`))
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		for range 300 { // past net/http's buffer: chunked
			w.Write([]byte(strings.Repeat("x", 100)))
		}
		w.Header().Set("X-Sum", "done")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/unchanged", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
	mux.HandleFunc("/refused", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	})
	mux.HandleFunc("/bye", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Write([]byte("bye"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReaderSize(c, 16<<10)
	for _, step := range []struct {
		path    string
		status  int
		closing bool
	}{
		{"/sized", 200, false},
		{"/chunked", 200, false},
		{"/empty", 204, false},
		{"/unchanged", 304, false},
		{"/refused", 401, false},
		{"/nowhere", 404, false},
		{"/sized", 200, false},
		{"/bye", 200, true},
	} {
		if _, err := c.Write([]byte("GET " + step.path + " HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		status, closing, err := readAnswer(br)
		if err != nil || status != step.status || closing != step.closing {
			t.Fatalf("%s: status %d, closing %v, err %v; want %d, %v", step.path, status, closing, err, step.status, step.closing)
		}
	}
	if _, _, err := readAnswer(br); err == nil {
		t.Error("an answer read after the server closed the connection")
	}
}

func TestReadAnswerRefusesWhatItCannotFrame(t *testing.T) {
	for _, raw := range []string{
		"",
		"HTTP/1.1 200 OK\r\n", // cut in the headers
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",                // cut in the body
		"HTTP/1.1 200 OK\r\n\r\nbody until close",                       // no framing
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",                 // bad length
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",            // unsupported coding
		"SSH-2.0-OpenSSH\r\n\r\n",                                       // not HTTP
		"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",                  // bad status
		"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n", // bad header line
	} {
		if status, _, err := readAnswer(bufio.NewReader(strings.NewReader(raw))); err == nil {
			t.Errorf("%q: read as status %d, want an error", raw, status)
		}
	}
	status, closing, err := readAnswer(bufio.NewReader(strings.NewReader("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")))
	if err != nil || status != 200 || !closing {
		t.Errorf("HTTP/1.0 answer: %d, closing %v, %v; want 200, closing", status, closing, err)
	}
}
