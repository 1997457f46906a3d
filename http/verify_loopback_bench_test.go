package http_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkVerifyOverLoopback is GET /api/v1/auth/verify through a real
// net/http server on one kept-alive loopback connection, so -benchmem
// counts what the whole server allocates per verification (net/http's
// request and headers included) plus the client's http.ReadResponse.
// BENCHMARKS.md uses it to see what tokenmint adds to net/http's own work.
func BenchmarkVerifyOverLoopback(b *testing.B) {
	e := startEnv(b, io.Discard, false)
	plain, _, _ := e.admin.createToken(map[string]any{"type": "CIToken", "name": "bench"})
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	req := []byte("GET /api/v1/auth/verify HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + plain + "\r\n\r\n")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
