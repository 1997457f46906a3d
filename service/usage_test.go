package service_test

import (
	"context"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/service"
	"tokenmint/sqlite"
)

func TestUsageIsBufferedAndSurvivesGracefulRestart(t *testing.T) {
	svc, ctx, db, clock := newService(t)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "u"})
	if err != nil {
		t.Fatal(err)
	}
	ips := []string{"10.0.0.1", "10.0.0.2", "2001:db8::3"}
	want := map[string]int64{}
	for i := 0; i < 1000; i++ {
		ip := ips[i%3]
		want[ip]++
		if i == 999 {
			clock.Advance(time.Minute)
		}
		if _, err := svc.Verify(context.Background(), service.VerifyRequest{Token: issued.Plain, IP: ip}); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing reached the database yet: verification wrote nothing.
	if usage, err := db.TokenUsage(ctx, issued.Token.TenantID, issued.Token.ID, tokenmint.Page{}); err != nil || len(usage) != 0 {
		t.Fatalf("usage written synchronously: %v %v", usage, err)
	}
	if got := svc.Usage().Pending(); got != 3 {
		t.Fatalf("buffer holds %d pairs, want 3", got)
	}
	// Graceful shutdown flushes; a new process on the same file sees it all.
	if err := svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	db.Close()
	db2, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	usage, err := db2.TokenUsage(ctx, issued.Token.TenantID, issued.Token.ID, tokenmint.Page{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, u := range usage {
		got[u.IP] = u.Count
	}
	for ip, n := range want {
		if got[ip] != n {
			t.Errorf("IP %s: %d uses recorded, want %d", ip, got[ip], n)
		}
	}
	tok, err := db2.TokenByID(ctx, issued.Token.TenantID, issued.Token.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(clock.Now()) || tok.Uses != 1000 {
		t.Fatalf("last_used_at %v uses %d, want %v and 1000", tok.LastUsedAt, tok.Uses, clock.Now())
	}
}
