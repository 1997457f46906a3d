package service_test

import (
	"context"
	"runtime"
	"testing"

	"tokenmint"
	"tokenmint/service"
)

// BenchmarkCachedTokenMemory reports the heap one cached token costs: it
// creates tokens of one owner and type, verifies each once (filling the
// cache), writes the usage out so the buffer is empty, and divides the
// heap's growth by the number of tokens.
//
//	go test -run '^$' -bench CachedTokenMemory -benchtime 1x ./service/
func BenchmarkCachedTokenMemory(b *testing.B) {
	const tokens = 20_000
	svc, ctx, _, _ := newService(b)
	quota := tokenmint.MaxTokensPerOwnerLimit
	if _, err := svc.PutPolicy(ctx, service.PolicyInput{MaxTokensPerOwner: &quota}); err != nil {
		b.Fatal(err)
	}
	plains := make([]string, tokens)
	for i := range tokens {
		issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "t" + itoa(i)})
		if err != nil {
			b.Fatal(err)
		}
		plains[i] = issued.Plain
	}
	verifyAll := func() {
		for _, p := range plains {
			if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: p, IP: "192.0.2.1", Permission: "results:upload"}); err != nil {
				b.Fatal(err)
			}
		}
		if err := svc.Usage().Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	b.ResetTimer()
	for range b.N {
		svc.Invalidate(service.Change{Kind: service.ChangeAll})
		before := heap()
		verifyAll()
		after := heap()
		b.ReportMetric(float64(int64(after)-int64(before))/tokens, "heap-bytes/token")
	}
	runtime.KeepAlive(plains)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}
