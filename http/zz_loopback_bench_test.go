package http_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

func BenchmarkZZVerifyLoopback(b *testing.B) {
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
	for i := 0; i < b.N; i++ {
		c.Write(req)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
